// Tokenizer speed: encode time of a 2,000+ byte prompt (CPU time per encode,
// warm word cache as in the app after its first frame). Prints, never fails.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tokenizer/tokenizer.h"

namespace fs = std::filesystem;

static std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

static std::string from_hex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

int main() {
  const fs::path dir = fs::path(SINKSCOPE_SOURCE_DIR) / "tests" / "data" / "tokenizer" / "llama3-style";
  auto tok = ss::Tokenizer::from_json(read_file(dir / "tokenizer.json"));
  if (!tok) {
    std::fprintf(stderr, "bench_tokenizer: %s\n", tok.error().message.c_str());
    return 1;
  }
  const auto g = nlohmann::json::parse(read_file(dir / "golden.json"));
  std::string prompt;
  for (const auto& c : g["cases"])
    if (c["name"] == "long_2000") prompt = from_hex(c["hex"].get<std::string>());
  (void)tok->encode(prompt, true);
  const int reps = 200;
  const std::clock_t c0 = std::clock();
  size_t n = 0;
  for (int i = 0; i < reps; ++i) n += tok->encode(prompt, true).ids.size();
  const double ms = 1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC / reps;
  std::printf("tokenizer encode: %zu bytes -> %zu tokens: %.3f ms CPU per encode\n", prompt.size(), n / reps, ms);
  return 0;
}
