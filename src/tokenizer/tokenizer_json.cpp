// tokenizer.json -> Pipeline. Anything we cannot reproduce exactly is an Error
// that names the field, never a silently different tokenization.
#include <nlohmann/json.hpp>

#include "tokenizer/pipeline.h"
#include "tokenizer/utf8.h"

namespace ss::tok {

namespace {

using nlohmann::json;

Error err(const std::string& msg) { return make_error("tokenizer.json: " + msg); }

std::string type_of(const json& j) {
  if (j.is_object() && j.contains("type") && j["type"].is_string()) return j["type"].get<std::string>();
  return "";
}

bool get_bool(const json& j, const char* key, bool def) {
  if (!j.contains(key) || j[key].is_null()) return def;
  if (!j[key].is_boolean()) throw std::runtime_error(std::string("field '") + key + "' must be true or false");
  return j[key].get<bool>();
}

std::string get_str(const json& j, const char* key, const std::string& def = "") {
  if (!j.contains(key) || j[key].is_null()) return def;
  if (!j[key].is_string()) throw std::runtime_error(std::string("field '") + key + "' must be a string");
  return j[key].get<std::string>();
}

// A count (characters to strip): an integer in [0, 1e6], 0 when absent. A
// float or an out-of-range number is refused (converting it to int is
// undefined behaviour: the fuzzer found 1.8e64 here).
int get_count(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return 0;
  const json& v = j[key];
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 1'000'000)
    throw std::runtime_error(std::string("field '") + key + "' must be a whole number from 0 to 1000000");
  return static_cast<int>(v.get<int64_t>());
}

bool one_char(const std::string& s) {
  if (s.empty() || !utf8_is_valid(s)) return false;
  int len;
  utf8_decode(s, 0, &len);
  return static_cast<size_t>(len) == s.size();
}

// A pattern object {"String": "..."} or {"Regex": "..."}; returns the string
// and whether it is a regex.
std::pair<std::string, bool> pattern_of(const json& j, const std::string& where) {
  if (j.is_object() && j.contains("String") && j["String"].is_string()) return {j["String"].get<std::string>(), false};
  if (j.is_object() && j.contains("Regex") && j["Regex"].is_string()) return {j["Regex"].get<std::string>(), true};
  throw std::runtime_error(where + " has no 'pattern' of the form {\"String\": ...} or {\"Regex\": ...}");
}

void parse_normalizer(const json& j, Pipeline& p) {
  if (j.is_null()) return;
  const std::string t = type_of(j);
  if (t == "Sequence") {
    if (!j.contains("normalizers") || !j["normalizers"].is_array())
      throw std::runtime_error("normalizer Sequence has no 'normalizers' list");
    for (const auto& n : j["normalizers"]) parse_normalizer(n, p);
  } else if (t == "Prepend") {
    p.normalizers.push_back({Normalizer::kPrepend, get_str(j, "prepend"), ""});
  } else if (t == "Replace") {
    auto [pat, is_regex] = pattern_of(j.value("pattern", json()), "normalizer Replace");
    if (is_regex) throw std::runtime_error("normalizer Replace with a Regex pattern is not supported");
    if (pat.empty()) throw std::runtime_error("normalizer Replace with an empty pattern");
    p.normalizers.push_back({Normalizer::kReplace, pat, get_str(j, "content")});
  } else if (t == "NFC") {
    p.normalizers.push_back({Normalizer::kNfc, "", ""});
  } else {
    throw std::runtime_error("normalizer '" + (t.empty() ? j.dump().substr(0, 60) : t) + "' is not supported");
  }
}

void parse_pre_tokenizer(const json& j, Pipeline& p) {
  if (j.is_null()) return;
  const std::string t = type_of(j);
  PreTokenizer pt{};
  if (t == "Sequence") {
    if (!j.contains("pretokenizers") || !j["pretokenizers"].is_array())
      throw std::runtime_error("pre_tokenizer Sequence has no 'pretokenizers' list");
    for (const auto& n : j["pretokenizers"]) parse_pre_tokenizer(n, p);
    return;
  } else if (t == "ByteLevel") {
    pt.kind = PreTokenizer::kByteLevel;
    pt.add_prefix_space = get_bool(j, "add_prefix_space", true);
    pt.use_regex = get_bool(j, "use_regex", true);
    pt.regex = SplitRegex::kGpt2;
    p.byte_level = true;
  } else if (t == "Split") {
    pt.kind = PreTokenizer::kSplit;
    auto [pat, is_regex] = pattern_of(j.value("pattern", json()), "pre_tokenizer Split");
    auto re = find_split_regex(pat);
    if (!is_regex || !re)
      throw std::runtime_error("pre_tokenizer Split pattern is not one we support (GPT-2 or Llama 3 regex): " +
                               pat.substr(0, 120));
    pt.regex = *re;
    const std::string behavior = get_str(j, "behavior", "Isolated");
    if (behavior != "Isolated")
      throw std::runtime_error("pre_tokenizer Split behavior '" + behavior + "' is not supported (only Isolated)");
    if (get_bool(j, "invert", false)) throw std::runtime_error("pre_tokenizer Split with invert=true is not supported");
  } else if (t == "Metaspace") {
    pt.kind = PreTokenizer::kMetaspace;
    pt.replacement = get_str(j, "replacement", "\xE2\x96\x81");
    if (!one_char(pt.replacement)) throw std::runtime_error("pre_tokenizer Metaspace replacement must be one character");
    std::string scheme = get_str(j, "prepend_scheme", "");
    if (scheme.empty()) scheme = get_bool(j, "add_prefix_space", true) ? "always" : "never";
    if (scheme == "always") pt.prepend = PreTokenizer::kAlways;
    else if (scheme == "first") pt.prepend = PreTokenizer::kFirst;
    else if (scheme == "never") pt.prepend = PreTokenizer::kNever;
    else throw std::runtime_error("pre_tokenizer Metaspace prepend_scheme '" + scheme + "' is unknown");
    pt.split = get_bool(j, "split", true);
  } else {
    throw std::runtime_error("pre_tokenizer '" + (t.empty() ? j.dump().substr(0, 60) : t) + "' is not supported");
  }
  p.pre_tokenizers.push_back(pt);
}

int32_t special_id(const json& specials, const std::string& name) {
  if (!specials.is_object() || !specials.contains(name))
    throw std::runtime_error("post_processor template names special token '" + name +
                             "' that is not in its special_tokens");
  const json& s = specials[name];
  if (!s.contains("ids") || !s["ids"].is_array() || s["ids"].size() != 1 || !s["ids"][0].is_number_integer())
    throw std::runtime_error("post_processor special token '" + name + "' must have exactly one id");
  return s["ids"][0].get<int32_t>();
}

void parse_post_processor(const json& j, Pipeline& p) {
  if (j.is_null()) return;
  const std::string t = type_of(j);
  if (t == "Sequence") {
    if (!j.contains("processors") || !j["processors"].is_array())
      throw std::runtime_error("post_processor Sequence has no 'processors' list");
    for (const auto& n : j["processors"]) parse_post_processor(n, p);
  } else if (t == "ByteLevel") {
    p.post_byte_level_trim = get_bool(j, "trim_offsets", true);
    p.post_byte_level_prefix = get_bool(j, "add_prefix_space", true);
  } else if (t == "TemplateProcessing") {
    if (!j.contains("single") || !j["single"].is_array())
      throw std::runtime_error("post_processor TemplateProcessing has no 'single' template");
    const json specials = j.value("special_tokens", json::object());
    bool seen_a = false;
    for (const auto& piece : j["single"]) {
      if (piece.contains("SpecialToken")) {
        const int32_t id = special_id(specials, get_str(piece["SpecialToken"], "id"));
        (seen_a ? p.template_suffix : p.template_prefix).push_back(id);
      } else if (piece.contains("Sequence")) {
        if (seen_a) throw std::runtime_error("post_processor template uses the sequence twice");
        seen_a = true;
      } else {
        throw std::runtime_error("post_processor template piece is neither SpecialToken nor Sequence");
      }
    }
    if (!seen_a) throw std::runtime_error("post_processor template never places the text ($A)");
  } else {
    throw std::runtime_error("post_processor '" + (t.empty() ? j.dump().substr(0, 60) : t) + "' is not supported");
  }
}

void parse_decoder(const json& j, Pipeline& p) {
  if (j.is_null()) return;
  p.has_decoder = true;
  const std::string t = type_of(j);
  Decoder d{};
  if (t == "Sequence") {
    if (!j.contains("decoders") || !j["decoders"].is_array())
      throw std::runtime_error("decoder Sequence has no 'decoders' list");
    for (const auto& n : j["decoders"]) parse_decoder(n, p);
    return;
  } else if (t == "ByteLevel") {
    d.kind = Decoder::kByteLevel;
  } else if (t == "Replace") {
    auto [pat, is_regex] = pattern_of(j.value("pattern", json()), "decoder Replace");
    if (is_regex) throw std::runtime_error("decoder Replace with a Regex pattern is not supported");
    d.kind = Decoder::kReplace;
    d.a = pat;
    d.b = get_str(j, "content");
  } else if (t == "ByteFallback") {
    d.kind = Decoder::kByteFallback;
  } else if (t == "Fuse") {
    d.kind = Decoder::kFuse;
  } else if (t == "Strip") {
    d.kind = Decoder::kStrip;
    d.a = get_str(j, "content", " ");
    d.start = get_count(j, "start");
    d.stop = get_count(j, "stop");
  } else if (t == "Metaspace") {
    d.kind = Decoder::kMetaspace;
    d.a = get_str(j, "replacement", "\xE2\x96\x81");
    std::string scheme = get_str(j, "prepend_scheme", "");
    d.prepend = scheme.empty() ? get_bool(j, "add_prefix_space", true) : scheme != "never";
  } else {
    throw std::runtime_error("decoder '" + (t.empty() ? j.dump().substr(0, 60) : t) + "' is not supported");
  }
  p.decoders.push_back(d);
}

void parse_model(const json& m, Pipeline& p) {
  if (!m.is_object()) throw std::runtime_error("'model' is missing or not an object");
  const std::string t = type_of(m);
  if (!t.empty() && t != "BPE")
    throw std::runtime_error("model type '" + t + "' is not supported (only BPE)");
  if (m.contains("dropout") && !m["dropout"].is_null() && m["dropout"].get<double>() != 0.0)
    throw std::runtime_error("model.dropout is set; BPE dropout is random and not supported");
  if (!m.contains("vocab") || !m["vocab"].is_object()) throw std::runtime_error("model.vocab is missing or not an object");
  if (!m.contains("merges") || !m["merges"].is_array()) throw std::runtime_error("model.merges is missing or not a list");
  Bpe& b = p.bpe;
  int32_t max_id = -1;
  for (const auto& [tok, id] : m["vocab"].items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > 10'000'000)
      throw std::runtime_error("model.vocab entry '" + tok.substr(0, 40) + "' has no valid id");
    const int32_t i = id.get<int32_t>();
    b.vocab[tok] = i;
    max_id = std::max(max_id, i);
  }
  p.id_to_token.assign(static_cast<size_t>(max_id + 1), "");
  for (const auto& [tok, id] : b.vocab) p.id_to_token[static_cast<size_t>(id)] = tok;
  int32_t rank = 0;
  for (const auto& mj : m["merges"]) {
    std::string left, right;
    if (mj.is_string()) {
      const std::string s = mj.get<std::string>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
        throw std::runtime_error("model.merges entry " + std::to_string(rank) + " '" + s.substr(0, 40) +
                                 "' is not two tokens separated by one space");
      left = s.substr(0, sp);
      right = s.substr(sp + 1);
    } else if (mj.is_array() && mj.size() == 2 && mj[0].is_string() && mj[1].is_string()) {
      left = mj[0].get<std::string>();
      right = mj[1].get<std::string>();
    } else {
      throw std::runtime_error("model.merges entry " + std::to_string(rank) + " is neither \"a b\" nor [a, b]");
    }
    auto find = [&](const std::string& s) {
      auto it = b.vocab.find(s);
      if (it == b.vocab.end())
        throw std::runtime_error("model.merges entry " + std::to_string(rank) + " uses '" + s.substr(0, 40) +
                                 "', which is not in model.vocab");
      return it->second;
    };
    const int32_t a = find(left), c = find(right), n = find(left + right);
    b.merges[(static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(c)] = {rank, n};
    ++rank;
  }
  const std::string unk = get_str(m, "unk_token");
  if (!unk.empty()) {
    auto it = b.vocab.find(unk);
    if (it == b.vocab.end()) throw std::runtime_error("model.unk_token '" + unk + "' is not in model.vocab");
    b.unk_id = it->second;
  }
  b.fuse_unk = get_bool(m, "fuse_unk", false);
  b.byte_fallback = get_bool(m, "byte_fallback", false);
  b.ignore_merges = get_bool(m, "ignore_merges", false);
  b.continuing_subword_prefix = get_str(m, "continuing_subword_prefix");
  b.end_of_word_suffix = get_str(m, "end_of_word_suffix");
  b.init_byte_ids();
}

void parse_added(const json& j, Pipeline& p) {
  if (j.is_null()) return;
  if (!j.is_array()) throw std::runtime_error("'added_tokens' is not a list");
  for (const auto& a : j) {
    if (!a.is_object() || !a.contains("id") || !a["id"].is_number_integer() || a["id"].get<int64_t>() < 0 ||
        a["id"].get<int64_t>() > 10'000'000 || !a.contains("content") || !a["content"].is_string())
      throw std::runtime_error("an added_tokens entry has no valid 'id' and 'content'");
    AddedToken t;
    t.id = a["id"].get<int32_t>();
    t.content = a["content"].get<std::string>();
    if (t.content.empty()) throw std::runtime_error("added token " + std::to_string(t.id) + " has empty content");
    t.single_word = get_bool(a, "single_word", false);
    t.lstrip = get_bool(a, "lstrip", false);
    t.rstrip = get_bool(a, "rstrip", false);
    t.normalized = get_bool(a, "normalized", false);
    t.special = get_bool(a, "special", false);
    if (static_cast<size_t>(t.id) >= p.id_to_token.size()) p.id_to_token.resize(static_cast<size_t>(t.id) + 1);
    p.id_to_token[static_cast<size_t>(t.id)] = t.content;
    p.added.push_back(std::move(t));
  }
}

}  // namespace

Expected<Pipeline> parse_tokenizer_json(std::string_view json_text) {
  json j;
  try {
    j = json::parse(json_text.begin(), json_text.end());
  } catch (const std::exception& e) {
    return err(std::string("not valid JSON (") + e.what() + ")");
  }
  if (!j.is_object()) return err("the top level is not a JSON object");
  Pipeline p;
  try {
    if (j.contains("truncation") && !j["truncation"].is_null())
      throw std::runtime_error("'truncation' is set; truncation is not supported");
    // 'padding' is ignored: it only matters for batches, and we encode one text.
    parse_model(j.value("model", json()), p);
    parse_added(j.value("added_tokens", json()), p);
    parse_normalizer(j.value("normalizer", json()), p);
    parse_pre_tokenizer(j.value("pre_tokenizer", json()), p);
    parse_post_processor(j.value("post_processor", json()), p);
    parse_decoder(j.value("decoder", json()), p);
  } catch (const std::exception& e) {
    return err(e.what());
  }
  if (!p.template_prefix.empty()) p.bos_id = p.template_prefix.front();
  for (int32_t id : p.template_prefix)
    if (static_cast<size_t>(id) >= p.id_to_token.size()) return err("post_processor special id " + std::to_string(id) + " is outside the vocabulary");
  for (int32_t id : p.template_suffix)
    if (static_cast<size_t>(id) >= p.id_to_token.size()) return err("post_processor special id " + std::to_string(id) + " is outside the vocabulary");
  return p;
}

}  // namespace ss::tok
