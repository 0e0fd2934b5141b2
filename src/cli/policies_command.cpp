#include <cstdio>

#include "cli/commands.hpp"
#include "core/policy.hpp"

namespace gpufleet {

CommandRunner add_policies_command(CLI::App& app) {
  app.add_subcommand("policies", "List the scheduling policies");
  return [] {
    for (const auto& p : policy_registry())
      std::printf("%s\n    %s\n", p.name.c_str(), p.description.c_str());
    return 0;
  };
}

}  // namespace gpufleet
