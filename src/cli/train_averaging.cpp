// sinkscope-cli train-averaging: the live trainer of the averaging lab, run
// natively over one or many seeds; prints the loss, the mechanism metrics, the
// verdict, steps per second, and a tally over seeds. --jsonl FILE also writes
// one JSON object per seed (settings, metrics, verdict) to FILE.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "averaging/trainer.h"
#include "cli/commands.h"

namespace {

int run(int argc, char** argv) {
  ss::avg::TrainConfig cfg;
  int steps = 2000, seeds = 1;
  std::string jsonl;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--seed") cfg.seed = std::strtoull(v, nullptr, 10);
    else if (k == "--seeds") seeds = std::atoi(v);
    else if (k == "--steps") steps = std::atoi(v);
    else if (k == "--d") cfg.shape.d = std::atoi(v);
    else if (k == "--heads") cfg.shape.H = std::atoi(v);
    else if (k == "--dh") cfg.shape.dh = std::atoi(v);
    else if (k == "--T") cfg.task.T = std::atoi(v);
    else if (k == "--batch") cfg.batch = std::atoi(v);
    else if (k == "--lr") cfg.opt.lr = std::strtof(v, nullptr);
    else if (k == "--wd") cfg.opt.weight_decay = std::strtof(v, nullptr);
    else if (k == "--p-sep") cfg.task.p_sep = std::strtof(v, nullptr);
    else if (k == "--eval-every") cfg.eval_every = std::atoi(v);
    else if (k == "--jsonl") jsonl = v;
    else {
      std::fprintf(stderr, "train-averaging: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  cfg.schedule_steps = steps;  // warm-up + cosine over the run, as the lab's live trainer does
  std::ofstream log;
  if (!jsonl.empty()) {
    log.open(jsonl);
    if (!log) {
      std::fprintf(stderr, "train-averaging: cannot write %s\n", jsonl.c_str());
      return 1;
    }
  }
  int formed = 0;
  const uint64_t first = cfg.seed;
  for (int r = 0; r < seeds; ++r) {
    cfg.seed = first + r;
    ss::avg::Trainer tr(cfg);
    auto t0 = std::chrono::steady_clock::now();
    tr.train(steps);
    double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto& m = tr.evaluate();
    formed += tr.formed_at() >= 0;
    std::printf("seed %llu: steps %d  train_loss %.6f  eval_loss %.6f  sep_head %d  sep_attn %.4f  sink_score0 %.4f  "
                "catch_share %.4f  catch_rate %.4f  catch_span %.4f  tag_alignment %.4f  release_head %d  release_mass %.4f  "
                "formed %s (first at step %d)  %.0f steps/s\n",
                (unsigned long long)cfg.seed, tr.step(), tr.last_loss(), m.loss, m.sep_head, m.sep_attention,
                m.sink_score0, m.catch_share, m.catch_rate, m.catch_span, m.tag_alignment, m.release_head, m.release_mass,
                m.formed ? "yes" : "no", tr.formed_at(), steps / sec);
    std::fflush(stdout);
    if (log.is_open()) {
      const auto& th = cfg.verdict;
      nlohmann::json j = {
          {"seed", cfg.seed}, {"steps", tr.step()}, {"d", cfg.shape.d}, {"heads", cfg.shape.H}, {"dh", cfg.shape.dh},
          {"T", cfg.task.T}, {"batch", cfg.batch}, {"lr", cfg.opt.lr}, {"wd", cfg.opt.weight_decay},
          {"single_sep", cfg.task.single_sep}, {"const_input", cfg.task.const_input}, {"eval_every", cfg.eval_every},
          {"eval_batch", cfg.eval_batch}, {"train_loss", tr.last_loss()}, {"eval_loss", m.loss},
          {"sep_head", m.sep_head}, {"sep_attention", m.sep_attention}, {"sink_score0", m.sink_score0},
          {"catch_share", m.catch_share}, {"catch_rate", m.catch_rate}, {"catch_span", m.catch_span},
          {"tag_alignment", m.tag_alignment}, {"release_head", m.release_head}, {"release_mass", m.release_mass},
          {"formed", m.formed}, {"formed_at", tr.formed_at()},
          {"thresholds", {{"catch_tau", th.catch_tau}, {"catch_rate", th.catch_rate},
                          {"tag_alignment", th.tag_alignment}, {"release_mass", th.release_mass}}}};
      log << j.dump() << "\n";
    }
  }
  if (seeds > 1) std::printf("tally: mechanism formed in %d of %d runs\n", formed, seeds);
  return 0;
}

ss::cli::RegisterCommand reg("train-averaging", run,
                             "train-averaging [--seed N] [--seeds K] [--steps N] [--d 16] [--heads 2] [--dh 8] [--T 32] "
                             "[--batch 16] [--lr 3e-3] [--wd 0.01] [--p-sep 0.1] [--eval-every 50] [--jsonl FILE]");

}  // namespace
