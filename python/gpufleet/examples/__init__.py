"""Policies written in Python, to learn from (docs/python.md, "Policies in Python")."""
