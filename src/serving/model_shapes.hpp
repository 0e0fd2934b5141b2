#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "serving/serving_model.hpp"

namespace gpufleet {

// The shapes of the models the seed's services stand for, from their published configs, at the
// precision they were released in (BF16 weights and KV cache; set weight_bytes and kv_bytes for
// another). Sources in docs/inference-latency.md, "A serving model from hardware".
const std::vector<ModelShape>& model_shapes();
// A shape by name, case ignored ("llama-3.1-405b").
std::optional<ModelShape> find_model_shape(std::string_view name);

}  // namespace gpufleet
