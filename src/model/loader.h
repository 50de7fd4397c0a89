// Loading a model: config.json text plus safetensors bytes -> Model with
// canonical Weights. The browser passes the bytes of user-dropped files to
// load_model; native code memory-maps a folder with load_model_dir.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"
#include "model/safetensors.h"
#include "model/weights.h"
#include "tokenizer/tokenizer.h"

namespace ss {

Expected<Model> load_model(std::string_view config_json, std::span<const uint8_t> safetensors_bytes, std::string name);

// DIR/config.json and DIR/model.safetensors (memory-mapped): the one reader
// of a model folder. name = the folder's name.
Expected<Model> load_model_dir(const std::string& dir);

// A tokenizer.json for a model: BOS from config.json when the tokenizer names
// none (GPT-2 style), and refused when its vocabulary does not fit the
// model's (a tokenizer from another model would read outside the embedding).
Expected<Tokenizer> load_tokenizer_for(std::string_view tokenizer_json, const ModelConfig& config);

// Maps one family's Hugging Face tensor names into canonical Weights,
// checking every shape against the config and every value for NaN/Inf.
Expected<Weights> map_weights(const ModelConfig& config, const SafeTensors& file);

}  // namespace ss
