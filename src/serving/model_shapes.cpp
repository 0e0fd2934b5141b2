#include "serving/model_shapes.hpp"

#include "model/names.hpp"

namespace gpufleet {

namespace {

// name, layers, hidden, attention heads, KV heads, head dim, FFN, vocab (the configs'
// num_hidden_layers, hidden_size, num_attention_heads, num_key_value_heads, hidden_size / heads,
// intermediate_size, vocab_size); params follow from the shape.
ModelShape llama(const char* name, int layers, int hidden, int heads, int kv_heads, int ffn,
                 int vocab) {
  ModelShape s{name, 0, layers, hidden, heads, kv_heads, hidden / heads, ffn, vocab, 2, 2};
  s.params = params_from_shape(s);
  return s;
}

}  // namespace

const std::vector<ModelShape>& model_shapes() {
  static const std::vector<ModelShape> shapes = {
      // The MLPerf Inference model (meta-llama/Llama-2-70b-chat-hf): 68,976,648,192 parameters.
      llama("llama-2-70b", 80, 8192, 64, 8, 28672, 32000),
      // The seed's 70B services: Llama 2 70B's shape with Llama 3's 128,256-token vocabulary.
      llama("llama-3.1-70b", 80, 8192, 64, 8, 28672, 128256),
      // The seed's 405B service (meta-llama/Llama-3.1-405B).
      llama("llama-3.1-405b", 126, 16384, 128, 8, 53248, 128256),
  };
  return shapes;
}

std::optional<ModelShape> find_model_shape(std::string_view name) {
  for (const auto& shape : model_shapes())
    if (same_name(shape.name, name)) return shape;
  return std::nullopt;
}

}  // namespace gpufleet
