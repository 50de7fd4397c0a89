// The parity table (engine/parity.h) over every backend this build can run
// synchronously (natively and in wasm under node: the CPU; the browser suite
// runs WebGPU and ONNX Runtime Web through the same code, parity.test.mjs)
// x every tiny family (the newer ones derived in support/family_fixtures.h) +
// demo-lm x every tap and hook kind each backend claims.
// It prints the table, and a planted error in one tap must turn exactly that
// tap's rows red.
#include <catch2/catch.hpp>

#include <iostream>

#include "backends/registry.h"
#include "engine/parity.h"
#include "support/engine_util.h"
#include "support/family_fixtures.h"

using namespace ss;
using namespace ss::testing;

namespace {

struct Cases {
  std::vector<std::unique_ptr<Model>> models;  // kept alive for the cases
  std::vector<ParityCase> cases;
};

Cases parity_cases() {
  Cases out;
  for (const char* family : {"gpt2", "llama", "llama_tied_f16", "neox", "neox_seq", "averaging"}) {
    auto m = load_model_dir(tiny_dir(family));
    REQUIRE(m.ok());
    Golden g = load_golden(family);
    ParityCase c;
    c.name = std::string("tiny-") + family;
    if (m->config.family == Family::Averaging) c.vectors = g.get("seq0.inputs");
    else c.ids = as_ids(g.get("seq0.ids"));
    out.models.push_back(std::make_unique<Model>(std::move(*m)));
    c.model = out.models.back().get();
    out.cases.push_back(std::move(c));
  }
  // The newer families, built from the tiny checkpoints (support/family_fixtures.h).
  for (auto& [name, ckpt] : derived_family_ckpts()) {
    auto m = ckpt.load(name);
    INFO(name << ": " << (m ? "" : m.error().message));
    REQUIRE(m.ok());
    ParityCase c;
    c.name = "tiny-" + name;
    c.ids = as_ids(load_golden(golden_source(name)).get("seq0.ids"));
    out.models.push_back(std::make_unique<Model>(std::move(*m)));
    c.model = out.models.back().get();
    out.cases.push_back(std::move(c));
  }
  const std::string demo = std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm";
  auto m = load_model_dir(demo);
  REQUIRE(m.ok());
  auto tok = load_tokenizer_for(*read_text_file(demo + "/tokenizer.json"), m->config);
  REQUIRE(tok.ok());
  ParityCase c;
  c.name = "demo-lm";
  c.ids = tok->encode("She opened the door.\n\"I have been waiting", true).ids;
  out.models.push_back(std::make_unique<Model>(std::move(*m)));
  c.model = out.models.back().get();
  out.cases.push_back(std::move(c));
  return out;
}

std::vector<ParityRow> run_to_end(Backend& be, const std::vector<ParityCase>& cases, ParityPlant plant = {}) {
  ParityRun run(be, cases, plant);
  while (!run.step()) {
  }
  return run.rows();
}

}  // namespace

TEST_CASE("parity table: every claimed tap and hook of every backend here matches the CPU", "[parity]") {
  Cases cs = parity_cases();
  std::vector<ParityRow> all;
  for (const std::string& name : available_backends()) {
    auto be = make_backend(name);
    REQUIRE(be);
    if (!be->capabilities().synchronous) {  // needs a frame loop: the browser suite runs it
      all.push_back({name, "*", "*", ParityStatus::NotClaimed, 0, "asynchronous: run in the browser suite"});
      continue;
    }
    auto rows = run_to_end(*be, cs.cases);
    all.insert(all.end(), rows.begin(), rows.end());
  }
  std::cout << "\n" << parity_table(all) << std::flush;
  size_t ok = 0;
  for (const ParityRow& r : all) {
    INFO(r.backend << " " << r.model << " " << r.check << ": " << parity_status_name(r.status) << " " << r.diff << " "
                   << r.note);
    CHECK((r.status == ParityStatus::Pass || r.status == ParityStatus::NotClaimed || r.status == ParityStatus::NotApplicable));
    ok += r.status == ParityStatus::Pass;
  }
  CHECK(ok >= cs.cases.size() * 16);  // the CPU claims everything: at least 10 taps + 5 hooks + incremental per case
}

TEST_CASE("parity table: a planted error in one tap fails that tap's rows and no other tap's", "[parity]") {
  Cases cs = parity_cases();
  auto cpu = make_cpu_backend();
  auto rows = run_to_end(*cpu, cs.cases, ParityPlant{"attn_pattern", 1e-2f});
  int planted = 0, clean = 0;
  for (const ParityRow& r : rows) {
    INFO(r.model << " " << r.check << " " << parity_status_name(r.status) << " " << r.diff);
    if (r.check == "tap attn_pattern") {
      CHECK(r.status == ParityStatus::Fail);
      ++planted;
    }
    if (r.check == "tap logits" || r.check == "tap resid_post") {
      CHECK(r.status == ParityStatus::Pass);
      ++clean;
    }
    if (r.check.rfind("hook ", 0) == 0) CHECK(r.status == ParityStatus::Fail);  // every hook run compares the pattern too
  }
  CHECK(planted == static_cast<int>(cs.cases.size()));
  CHECK(clean == 2 * static_cast<int>(cs.cases.size()));
  ParityRun run(*cpu, {}, {});
  CHECK(run.done());
}
