// JSON and CSV writers: what is written parses back to the same numbers.
#include <catch2/catch.hpp>
#include <sstream>

#include "analysis/report.h"
#include "support/analysis_fixtures.h"

using namespace ss;
using Catch::Matchers::WithinAbs;

TEST_CASE("analysis JSON and CSV round-trip", "[analysis]") {
  Model m = test::averaging_construction();
  Taps taps = test::forward_attention_only(m, test::embed_inputs(m, test::averaging_inputs(16, {4, 11})));
  AnalysisSettings st;
  Analysis an = analyze(m, taps, st);
  REQUIRE(!an.sinks.empty());

  auto j = nlohmann::json::parse(to_json(an, st).dump());
  CHECK(j["settings"]["sink_min_queries"].get<int>() == 4);
  CHECK(j["settings"]["sink1_eps"].get<float>() == 0.3f);
  REQUIRE(j["sink1_share_per_layer"].size() == 2);
  CHECK(j["sink1_share_per_layer"][0].get<float>() == an.sink1_share_per_layer[0]);
  REQUIRE(j["sinks"].size() == an.sinks.size());
  for (size_t i = 0; i < an.sinks.size(); ++i) {
    const auto& js = j["sinks"][i];
    CHECK(js["layer"].get<int>() == an.sinks[i].layer);
    CHECK(js["head"].get<int>() == an.sinks[i].head);
    CHECK(js["key"].get<int>() == an.sinks[i].key);
    CHECK(js["score"].get<float>() == an.sinks[i].score);
    CHECK(js["uniform_score"].get<float>() == an.sinks[i].uniform_score);
    CHECK(an.sinks[i].uniform_score > 0.f);
    CHECK(js["catch_span"][0].get<int>() == an.sinks[i].span_begin);
    CHECK(js["catch_span"][1].get<int>() == an.sinks[i].span_end);
  }
  REQUIRE(j["tags"].size() >= 1);
  CHECK(j["tags"][0]["tag"].get<std::vector<float>>() == an.sinks[0].tag);
  CHECK(j["tags"][0]["var_top1"].get<float>() == an.sinks[0].var_top1);
  REQUIRE(j["release"].size() >= 1);
  CHECK(j["release"][0]["tag_score_share"].get<float>() == an.sinks[0].release[0].tag_score_share);
  REQUIRE(j["massive"].size() == 20);  // top 10 per layer, none over the thresholds
  CHECK(j["massive"][0]["value"].get<float>() == an.massive[0].top[0].value);
  CHECK(j["sink_score"][0][0][0].get<float>() == an.score(0, 0, 0));

  // CSV: parse every row back; the sink rows give the same scores.
  std::istringstream in(to_csv(an));
  std::string line;
  std::getline(in, line);
  CHECK(line == "section,layer,head,key,token,dim,name,value");
  int sink_rows = 0, massive_rows = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string c; std::getline(ls, c, ',');) f.push_back(c);
    if (line.back() == ',') f.push_back("");
    REQUIRE(f.size() == 8);
    if (f[0] == "sink") {
      const Sink& s = an.sinks[sink_rows++];
      CHECK(std::stoi(f[1]) == s.layer);
      CHECK(std::stoi(f[3]) == s.key);
      CHECK(f[6] == sink_kind_name(s.kind));
      CHECK_THAT(std::stod(f[7]), WithinAbs(s.score, 1e-7));
    }
    if (f[0] == "uniform_score") CHECK_THAT(std::stod(f[7]), WithinAbs(an.sinks[sink_rows - 1].uniform_score, 1e-7));
    if (f[0] == "massive" && f[6] == "value") {
      const MassiveEntry& e = an.massive[std::stoi(f[1])].top[massive_rows++ % 10];
      CHECK(std::stoi(f[4]) == e.token);
      CHECK(std::stoi(f[5]) == e.dim);
      CHECK_THAT(std::stod(f[7]), WithinAbs(e.value, 1e-6));
    }
  }
  CHECK(sink_rows == int(an.sinks.size()));
  CHECK(massive_rows == 20);
}
