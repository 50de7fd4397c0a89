// Opening a model by repo id or from dropped files: the repo reference and
// the Hub's answers (model/hub.h), the shard list of an index and the
// classification of a dropped file set (model/file_set.h).
#include <catch2/catch.hpp>

#include "model/file_set.h"
#include "model/hub.h"

using namespace ss;

TEST_CASE("hub ref: repo id, revision and hub address are checked and make the resolve URL", "[hub]") {
  auto r = parse_hub_ref("HuggingFaceTB/SmolLM-135M");
  REQUIRE(r.ok());
  CHECK(r->hub == "https://huggingface.co");
  CHECK(r->rev == "main");
  CHECK(r->url("config.json") == "https://huggingface.co/HuggingFaceTB/SmolLM-135M/resolve/main/config.json");
  auto m = parse_hub_ref("a/b", "refs/pr/1", "http://127.0.0.1:8123/mirror/");
  REQUIRE(m.ok());
  CHECK(m->base == "http://127.0.0.1:8123/mirror/a/b/resolve/refs%2Fpr%2F1/");
  const char* bad_repos[] = {"gpt2", "a/b/c", "a/../b", "a/.b", "a/b-", "a--x/b", "a/b c", "", "/b", "a/"};
  for (const char* b : bad_repos) {
    INFO(b);
    CHECK_FALSE(parse_hub_ref(b).ok());
  }
  CHECK_FALSE(parse_hub_ref("a/b", "../x").ok());
  CHECK_FALSE(parse_hub_ref("a/b", "main?x=1").ok());
  CHECK_FALSE(parse_hub_ref("a/b", "/main").ok());
  auto cred = parse_hub_ref("a/b", "", "https://user:hf_token@huggingface.co");
  REQUIRE_FALSE(cred.ok());
  CHECK(cred.error().message.find("never puts credentials or tokens into a URL") != std::string::npos);
  CHECK_FALSE(parse_hub_ref("a/b", "", "ftp://x").ok());
  CHECK_FALSE(parse_hub_ref("a/b", "", "https://x/?q=1").ok());
  CHECK_FALSE(parse_hub_ref("a/b", "", "https://x:99999").ok());
  CHECK_FALSE(parse_hub_ref("a/b", "", "javascript:alert(1)").ok());
}

TEST_CASE("hub answers: gated, missing repo, revision and file, too big, network, server", "[hub]") {
  auto r = parse_hub_ref("owner/model", "v1");
  REQUIRE(r.ok());
  const uint64_t max = 1ull << 30;
  auto judge = [&](const char* file, int status, int64_t len = -1, const char* code = "", uint64_t before = 0) {
    return judge_hub_reply(*r, file, HubReply{status, len, code}, before, max);
  };
  CHECK(judge("config.json", 200, 700).ok);
  CHECK(judge("model.safetensors", 200, -1).ok);  // no Content-Length: checked at load
  const HubVerdict g = judge("config.json", 401);
  CHECK_FALSE(g.ok);
  CHECK(g.kind == "gated");
  CHECK(g.text.find("gated or private repo") != std::string::npos);
  CHECK(g.hint.find("accept its licence on the Hub, download it and open the folder here") != std::string::npos);
  CHECK(judge("model.safetensors", 403).kind == "gated");
  CHECK(judge("config.json", 401, -1, "RepoNotFound").kind == "repo_missing");
  CHECK(judge("config.json", 404).kind == "repo_missing");
  CHECK(judge("config.json", 404, -1, "RevisionNotFound").kind == "revision_missing");
  CHECK(judge("config.json", 404, -1, "RevisionNotFound").text.find("'v1'") != std::string::npos);
  const HubVerdict f = judge("tokenizer.json", 404);
  CHECK(f.kind == "file_missing");
  CHECK(f.text.find("has no tokenizer.json") != std::string::npos);
  const HubVerdict big = judge("model-00002-of-00002.safetensors", 200, 600ll << 20, "", 600ull << 20);
  CHECK(big.kind == "too_big");
  CHECK(big.text.find("at most 1.0 GB") != std::string::npos);
  CHECK(judge("model.safetensors", 200, 900ll << 20, "", 0).ok);
  CHECK(judge("config.json", 0).kind == "network");
  CHECK(judge("config.json", 0).text.find("loop") != std::string::npos);
  CHECK(judge("config.json", 503).kind == "server");
  CHECK(judge("config.json", 302).kind == "unexpected");
  CHECK(judge("config.json", 418).kind == "unexpected");
}

namespace {
const char* kIndex = R"({"metadata": {"total_size": 5000},
  "weight_map": {"a.weight": "model-00001-of-00002.safetensors", "b.weight": "model-00002-of-00002.safetensors",
                 "c.weight": "model-00001-of-00002.safetensors"}})";
}

TEST_CASE("shard list: distinct plain names from the index, total size, bad indexes refused", "[hub]") {
  auto l = shard_files(kIndex);
  REQUIRE(l.ok());
  CHECK(l->shards == std::vector<std::string>{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"});
  CHECK(l->total_size == 5000);
  CHECK_FALSE(shard_files(R"({"weight_map": {"a": "../x.safetensors"}})").ok());
  CHECK_FALSE(shard_files(R"({"weight_map": {"a": "sub/x.safetensors"}})").ok());
  CHECK_FALSE(shard_files(R"({"weight_map": {"a": "x.safetensors", "a": "y.safetensors"}})").ok());
  CHECK_FALSE(shard_files(R"({"weight_map": {}})").ok());
  CHECK_FALSE(shard_files("{not json").ok());
  auto no_meta = shard_files(R"({"weight_map": {"a": "x.safetensors"}})");
  REQUIRE(no_meta.ok());
  CHECK(no_meta->total_size == 0);
}

TEST_CASE("dropped file set: which file is which, and what is missing", "[hub]") {
  auto one = classify_files({"m/README.md", "m/config.json", "m/tokenizer.json", "m/model.safetensors", "m/.git/config"});
  REQUIRE(one.ok());
  CHECK(one->config == 1);
  CHECK(one->tokenizer == 2);
  CHECK(one->weights == 3);
  CHECK(one->index == -1);
  const std::vector<std::string> sharded = {"config.json", "tokenizer.json", "model.safetensors.index.json",
                                            "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
  auto first = classify_files(sharded);
  REQUIRE(first.ok());
  CHECK(first->needs_index);
  CHECK(first->index == 2);
  auto full = classify_files(sharded, kIndex);
  REQUIRE(full.ok());
  CHECK_FALSE(full->needs_index);
  CHECK(full->shards == std::vector<int>{3, 4});
  CHECK(full->total_size == 5000);
  // What is missing, in one sentence each.
  auto msg = [](const std::vector<std::string>& names, std::string_view index = {}) {
    auto c = classify_files(names, index);
    REQUIRE_FALSE(c.ok());
    return c.error().message;
  };
  CHECK(msg({"tokenizer.json", "model.safetensors"}).rfind("config.json is missing", 0) == 0);
  CHECK(msg({"config.json", "model.safetensors"}).rfind("tokenizer.json is missing", 0) == 0);
  CHECK(msg({"config.json", "tokenizer.json"}).find("model.safetensors is missing") != std::string::npos);
  CHECK(msg({"config.json", "tokenizer.json", "pytorch_model.bin"}).find("safe_serialization=True") != std::string::npos);
  CHECK(msg({"config.json", "tokenizer.json", "model-00001-of-00002.safetensors"}).find("without model.safetensors.index.json") !=
        std::string::npos);
  CHECK(msg({"config.json", "tokenizer.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors"}, kIndex) ==
        "the index names model-00002-of-00002.safetensors, which was not dropped (2 shard files in all)");
  CHECK(msg({"a/config.json", "b/config.json", "a/tokenizer.json", "a/model.safetensors"}).find("two files named config.json") !=
        std::string::npos);
  CHECK(msg({}).find("no files") != std::string::npos);
  // The shallower of two same-named files wins (a snapshot with a subfolder).
  auto nested = classify_files({"m/config.json", "m/tokenizer.json", "m/model.safetensors", "m/old/config.json"});
  REQUIRE(nested.ok());
  CHECK(nested->config == 0);
  CHECK(split_names("a\r\n\nb\nc") == std::vector<std::string>{"a", "b", "c"});
}
