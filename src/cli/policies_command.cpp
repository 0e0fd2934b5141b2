#include <cstdio>

#include "cli/commands.hpp"
#include "scheduler/policy.hpp"

namespace gpufleet {

CommandRunner add_policies_command(CLI::App& app) {
  app.add_subcommand("policies", "List the scheduling policies");
  return [] {
    for (const auto& p : policy_registry()) {
      std::printf("%s\n    %s\n", p.name.c_str(), p.description.c_str());
      for (const auto& param : p.params)
        std::printf("    --param %s=%g  %s (%g to %g)\n", param.name.c_str(), param.default_value,
                    param.meaning.c_str(), param.min, param.max);
    }
    std::printf(
        "\nCombine parts with '+': one training order (static-partition or slurm, fifo, "
        "easy-backfill, hetero-aware, replay) and any additions, e.g. --policy "
        "slurm+spillover+lease-idle.\n");
    return 0;
  };
}

}  // namespace gpufleet
