#pragma once

// Slurm's accounting (sacct) and inventory (scontrol show node, sinfo) as gpufleet inputs.
// What is read, kept and dropped: docs/importers.md, "Slurm (sacct, scontrol)".

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/platform_writer.hpp"
#include "import/importers.hpp"

namespace gpufleet {

// --partition-map FILE: {"PARTITION": {"model": "H100", "role": "training"}, ...}, both keys
// optional. `model` places the partition's GPUs whose gres has no type (or a type the catalog
// does not know); `role` is the role of the pools its GPUs make.
struct PartitionPlacement {
  std::string model;  // catalog spelling; empty: not given
  std::string role;   // "training" or "inference"; empty: not given
};
using PartitionMap = std::map<std::string, PartitionPlacement>;
// An empty file name gives an empty map. InputError naming the file and the field.
PartitionMap read_partition_map(const std::string& file);

// The catalog model a Slurm gres type names ("h100", "H200", "a100", "gb200"), case, '-' and
// '_' ignored; nullopt when none.
std::optional<std::string> model_of_gres_type(std::string_view type);

// A job's GPUs from a TRES list ("billing=1,cpu=1,gres/gpu:h100=4,gres/gpu=4,node=1").
struct SlurmGpus {
  long count = 0;
  std::string type;  // empty: the list names no type
};
// Throws RowError naming `field` on a count that is not a whole number in 0..1,000,000, and
// on GPUs of two types in one job.
SlurmGpus gpus_of_tres(std::string_view tres, std::string_view field);

// sacct's "2026-12-07T05:36:57" as seconds on a day count from 1970 (the time zone sacct
// printed in: only differences are used); -1 for "Unknown", "None" or empty. RowError else.
double sacct_time_s(std::string_view text, std::string_view field);
// Timelimit and Elapsed: "D-HH:MM:SS", "HH:MM:SS", "MM:SS"; 0 for "UNLIMITED",
// "Partition_Limit", "INVALID" or empty (no limit). RowError else.
double sacct_duration_s(std::string_view text, std::string_view field);

// One job (not a step) as sacct reports it, in either output format. Times: seconds as
// sacct_time_s gives them, -1 when unknown.
struct SacctRecord {
  std::string id, user, account, partition, state;
  double submit = -1, eligible = -1, start = -1, end = -1;
  double elapsed = -1;    // -1: no Elapsed column
  double limit_s = 0;     // 0: no limit
  SlurmGpus gpus;         // AllocTRES, else ReqTRES
  bool allocated = true;  // AllocTRES lists something (false: resources never given)
};

// Turns records into training jobs and the pools they ran on.
class SlurmJobs {
 public:
  SlurmJobs(PartitionMap map, Imported& out) : map_(std::move(map)), out_(out) {}
  void add(const SacctRecord& record);  // throws RowError
  void finish();                        // times from the first submit; pools

 private:
  struct Pending {
    TrainingJob job;
    std::string role;
    std::string state;
    double eligible = -1;
  };
  std::string model_of(const SacctRecord& record) const;
  std::string role_of(const std::string& partition) const;
  void make_pools();

  PartitionMap map_;
  Imported& out_;
  std::vector<Pending> jobs_;
  std::map<std::string, bool> ids_;
};

// Reads one file of `sacct --parsable2` (header row, '|'-separated) or `sacct --json` output.
void read_sacct_text(const std::string& file, const ImportOptions& options, SlurmJobs& jobs,
                     ImportReport& report);
void read_sacct_json(const std::string& file, const ImportOptions& options, SlurmJobs& jobs,
                     ImportReport& report);

// Pools from `scontrol show node -o` (one "NodeName=... Gres=gpu:h100:8 ... Partitions=..."
// line per node) or `sinfo -N -h -o "%N %G %P"` output: one pool per (model, role), its GPUs
// rounded down to whole NVLink domains of the model (a line in `warnings` says so); an
// InputError naming the nodes when that leaves none.
std::vector<PoolSpec> slurm_node_pools(const std::string& file, const PartitionMap& map,
                                       std::vector<std::string>& warnings);

}  // namespace gpufleet
