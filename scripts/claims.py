#!/usr/bin/env python3
"""Model numbers in the docs, generated from the committed data.

Every passage of README.md, models/demo-lm/MODEL.md, training/averaging_report.md
and training/README.md that states a number measured on a model sits between
markers

    <!-- claims:NAME --> ... <!-- /claims:NAME -->

and this script owns the text between them: each NAME has a renderer below that
fills a template from JSON files committed in the repo (and nothing else):

    models/demo-lm/metrics.json              val loss, held-out sink metrics, sweep,
                                             default_prompt_analysis (see --measure)
    models/demo-lm/config.json, training/logs/sweep1/*/run.json, tokenizer_stats.json
    training/logs/default_prompt/*.json      the default-prompt search
    training/logs/onnx_check.json            ONNX export vs PyTorch
    training/logs/averaging/**/results*.jsonl  per-seed rows of every averaging run
    models/averaging-*/{metrics,config}.json, tests/data/reference_metrics/averaging-*.json

Modes:
    --write          rewrite every region from the data
    --check          exit 1 when a region differs from what the data gives, when a
                     marker has no renderer (or a renderer no marker), or when a line
                     outside the regions states a model-like number (see scan())
    --measure        run `sinkscope-cli analyze` (and `run`) on the default prompt and
                     store models/demo-lm/metrics.json's default_prompt_analysis
    --check-measure  the same run, compared with what metrics.json holds (numbers
                     within 1e-3, integers and strings exactly); exit 1 on drift
    --cli PATH       the CLI for --measure / --check-measure (default build/native/sinkscope-cli)

Python 3 standard library only (CI runs it with Debian's /usr/bin/python3).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = ["README.md", "models/demo-lm/MODEL.md", "training/averaging_report.md", "training/README.md"]
SCANNED = ["README.md", "models/demo-lm/MODEL.md", "training/averaging_report.md"]
DEMO = "models/demo-lm"
AVG_LOGS = "training/logs/averaging"
# The layer-0 heads' share of sink_score(0) > SHARE_EPS (Gu et al.'s eps, as in MODEL.md's table).
SHARE_EPS = 0.3
# The averaging configuration closest to the paper's setting (2 layers, 1-2 heads per layer,
# no BOS marker; the paper gives no width, batch or optimiser): d 16, 2 heads, batch 64,
# lr 3e-3, on the task with one [SEP] per sequence and the constant input column.
PAPER_CLOSEST = "c_d16h2_T32"
PAPER_RATE = "at most 4 of 10 runs"


# ----------------------------------------------------------------------------- data

def path(rel):
    return os.path.join(ROOT, rel)


def load_json(rel):
    with open(path(rel), encoding="utf-8") as f:
        return json.load(f)


def load_jsonl(rel):
    with open(path(rel), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class Data:
    """Lazily loaded inputs (each file read once)."""

    def __init__(self):
        self._cache = {}

    def get(self, key, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    @property
    def metrics(self):
        return self.get("metrics", lambda: load_json(DEMO + "/metrics.json"))

    @property
    def config(self):
        return self.get("config", lambda: load_json(DEMO + "/config.json"))

    @property
    def prompt_analysis(self):
        m = self.metrics
        if "default_prompt_analysis" not in m:
            raise SystemExit("claims: models/demo-lm/metrics.json has no default_prompt_analysis; "
                             "run scripts/claims.py --measure first")
        return m["default_prompt_analysis"]

    def run_json(self, run):
        return self.get("run:" + run, lambda: load_json("training/logs/sweep1/%s/run.json" % run))

    @property
    def tok_stats(self):
        return self.get("tok", lambda: load_json("training/logs/sweep1/tokenizer_stats.json"))

    @property
    def onnx(self):
        return self.get("onnx", lambda: load_json("training/logs/onnx_check.json"))

    def candidates(self, which):
        return self.get("cand:" + which, lambda: load_json("training/logs/default_prompt/candidates_%s.json" % which))

    @property
    def extra_passages(self):
        return self.get("extra", lambda: load_json("training/logs/default_prompt/extra_passages.json"))

    def runs(self, rel):
        return self.get("runs:" + rel, lambda: load_jsonl(AVG_LOGS + "/" + rel))

    def avg_model(self, name):
        return self.get("avg:" + name, lambda: (load_json("models/%s/metrics.json" % name),
                                                load_json("models/%s/config.json" % name)))

    def reference(self, name):
        return self.get("ref:" + name, lambda: load_json("tests/data/reference_metrics/%s.json" % name))


# ----------------------------------------------------------------------------- formatting

def f2(x):
    return "%.2f" % x


def f3(x):
    return "%.3f" % x


def f4(x):
    return "%.4f" % x


def short_exp(t):
    """'1.4e-05' -> '1.4e-5'."""
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", t)


def g2(x):
    """Two significant digits, the way the report's loss columns print them."""
    return short_exp("%.2g" % x)


def sci(x, digits=1):
    """1.5e-5 style (no zero-padded exponent)."""
    m, e = ("%.*e" % (digits, x)).split("e")
    return "%se%d" % (m, int(e))


def times(x):
    return "%.0fx" % x


def floor_to(x, digits):
    """x rounded down to `digits` decimals: for "at least" claims."""
    s = 10 ** digits
    return "%.*f" % (digits, int(x * s) / s)


def span_range(lo, hi, fmt=f2, sep="-"):
    a, b = fmt(lo), fmt(hi)
    return a if a == b else a + sep + b


def plural(n, word, words=None):
    return "%d %s" % (n, word if n == 1 else (words or word + "s"))


def para(text, first="", rest="", width=116):
    """One paragraph, whitespace collapsed and wrapped (Markdown ignores the breaks)."""
    return textwrap.fill(" ".join(text.split()), width=width, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False)


def median(xs):
    return statistics.median(xs)


def tok(text):
    """A token's text for a Markdown code span: a newline shows as \\n."""
    return text.replace("\n", "\\n").replace("`", "'")


# ----------------------------------------------------------------------------- demo-lm

def heldout(d):
    return d.metrics["heldout_T64"]


def accept_lines(d):
    """Acceptance lines of export_lm.py, parsed from their keys ('max_layer_share>=0.8': True)."""
    out = {}
    for k, ok in heldout(d)["accept"].items():
        name, thr = k.split(">=")
        out[name] = (float(thr), ok)
    return out


def line(thr, ok, suffix=""):
    return "line: >= %g%s%s" % (thr, suffix, "" if ok else ", missed")


def bos_ratio_phrase(d):
    """'34x at layer 0, then 169x (layer 1) falling to 71x (layer 7)' from the per-layer list."""
    r = heldout(d)["bos_ratio_per_layer"]
    L = len(r)
    tail = r[1:]
    if all(a > b for a, b in zip(tail, tail[1:])):
        later = "then %s (layer 1) falling to %s (layer %d)" % (times(r[1]), times(r[-1]), L - 1)
    elif all(a < b for a, b in zip(tail, tail[1:])):
        later = "then %s (layer 1) rising to %s (layer %d)" % (times(r[1]), times(r[-1]), L - 1)
    else:
        later = "then %s-%s in layers 1-%d" % (times(min(tail)), times(max(tail)), L - 1)
    return "%s at layer 0, %s" % (times(r[0]), later)


def bos_dim_phrase(d):
    dims = heldout(d)["bos_top_dim_per_layer"]
    rest = set(dims[1:])
    if len(rest) == 1:
        return "in one residual dimension (%d) from layer 1 on (layer 0: dimension %d)" % (dims[1], dims[0]) \
            if dims[0] != dims[1] else "in one residual dimension (%d) in every layer" % dims[0]
    return "in dimensions %s (layers 0-%d)" % (", ".join(map(str, dims)), len(dims) - 1)


def r_demo_arch_short(d):
    a = d.metrics["chosen"]["args"]
    return "%d layers x %d, %d heads, %.1fM parameters" % (a["layers"], a["d"], a["heads"], d.metrics["chosen"]["params"] / 1e6)


def longest(pa):
    if not pa.get("longest_catch"):
        raise SystemExit("claims: default_prompt_analysis has no prompt-dependent catch; the docs' default-prompt "
                         "passages assume one (rewrite their templates in scripts/claims.py)")
    return pa["longest_catch"]


def r_demo_summary(d):
    h = heldout(d)
    share = h["share_sink0_per_layer"]
    L = len(share)
    lmax = max(range(L), key=lambda i: share[i])
    c = longest(d.prompt_analysis)
    return ("Validation loss %s nats. On held-out text (T = %d) the share of heads with sink_score(0) > %g reaches "
            "%s (layer %d), %s on average over layers 1-%d. The largest absolute activation at BOS, as a multiple of "
            "the window's median absolute activation, is %s, %s. In the default prompt, head L%dH%d's sink on `%s` (position %d) "
            "catches the %d queries after it (positions %d-%d, up to `%s`)."
            % (f2(d.metrics["val_loss"]), h["T"], h["sink_eps"], f2(share[lmax]), lmax, f2(h["avg_share_layers_1_to_L-1"]),
               L - 1, bos_ratio_phrase(d), bos_dim_phrase(d), c["layer"], c["head"], tok(c["token"]), c["key"],
               c["queries"], c["span_begin"], c["span_end"] - 1, tok(c["next_token"])))


def r_model_tokens(d):
    s = d.tok_stats
    return "%.1fM train tokens, %.0fK held-out." % (s["train_tokens"] / 1e6, s["valid_tokens"] / 1e3)


def r_model_arch(d):
    ch = d.metrics["chosen"]
    a = ch["args"]
    c = d.config
    return para("LlamaForCausalLM: %d layers, d_model %d, %d heads x %d, SwiGLU %d, RMSNorm (eps %s), RoPE (theta %g),\n"
            "no biases, %s embeddings, context %d, %s parameters, fp16 file %.1f MB.\n"
            "AdamW (betas 0.9/0.95), lr %g, weight decay %s on matrices only, %d warm-up steps, cosine to %.0f%%,\n"
            "batch %d x %d tokens with `<|bos|>` at position 0 of every window, bf16 autocast, %d steps\n"
            "(the sweep's time budget set the step count), grad clip 1.0, seed %d. Chosen run: `%s` step %d."
            % (a["layers"], a["d"], a["heads"], a["d"] // a["heads"], a["ffn"], sci(c["rms_norm_eps"], 0), c["rope_theta"],
               "tied" if c.get("tie_word_embeddings") else "untied", a["ctx"], "{:,}".format(ch["params"]),
               d.metrics["model_bytes"] / 1e6, a["lr"], repr(float(a["wd"])), a["warmup"], 100 * a["min_lr_frac"], a["batch"],
               a["ctx"], a["steps"], a["seed"], ch["run"], ch["step"]))


def r_model_val_loss(d):
    note = d.metrics["val_loss_note"]
    return "**Validation loss: %s**: %s." % (f4(d.metrics["val_loss"]), note)


def r_model_hf(d):
    h = d.metrics["hf_check"]
    return ("max |logit diff| %s, attention %s,\nhidden states %s (limit 1e-3%s)."
            % (sci(h["max_abs_logit_diff"]), sci(h["max_abs_attn_diff"]), sci(h["max_abs_hidden_diff"]),
               "" if h["within_1e-3"] else ", missed"))


def r_model_sinks(d):
    h = heldout(d)
    L = len(h["share_sink0_per_layer"])
    acc = accept_lines(d)
    out = ["%d non-overlapping held-out windows (BOS + %d tokens), shipped as `%s`." % (h["windows"], h["T"] - 1,
                                                                                       "golden/eval_windows.safetensors"),
           "share = share of (window, head) pairs with sink_score(0) > %g; BOS ratio = max_d |resid_post[0, d]| / median "
           "|resid_post|" % h["sink_eps"],
           "of that window, averaged over windows.",
           "",
           "| layer | share sink_score(0) > %g | mean sink_score(0) | BOS ratio | max abs at BOS | top dim |" % h["sink_eps"],
           "|---|---|---|---|---|---|"]
    for l in range(L):
        out.append("| %d | %s | %s | %.1f | %.2f | %d |" % (
            l, f3(h["share_sink0_per_layer"][l]), f3(h["mean_sink_score0_per_layer"][l]), h["bos_ratio_per_layer"][l],
            h["bos_max_abs_per_layer"][l], h["bos_top_dim_per_layer"][l]))
    ms, avg, br = acc["max_layer_share"], acc["avg_share_1..L-1"], acc["bos_ratio"]
    absl = h["bos_max_abs_per_layer"][1:]
    out += ["", para(
        "max share over layers: **%s** (%s), average over layers 1..%d: **%s** (%s), largest BOS ratio **%.1fx** (%s). "
        "The BOS outlier sits %s; the ratio is %s. Absolute values stay small (%s from layer 1 on), far below Sun et "
        "al.'s |a| > 100: panels should show the ratio."
        % (f3(h["max_layer_share"]), line(*ms), L - 1, f3(h["avg_share_layers_1_to_L-1"]), line(*avg),
           h["max_bos_ratio"], line(br[0], br[1], "x"), bos_dim_phrase(d), bos_ratio_phrase(d),
           span_range(min(absl), max(absl), lambda x: "%.1f" % x)), "- ", "  ")]
    return "\n".join(out)


def r_model_prompt(d):
    pa = d.prompt_analysis
    c = longest(pa)
    text = pa["prompt"]
    shares = pa["bos_share_per_layer"]
    L = len(shares)
    nl = " it ends with a newline" if text.endswith("\n") else " no trailing newline"
    after = c["after_span"]
    lines = ["The DEFAULT PROMPT the UI shows first is `models/demo-lm/default_prompt.txt` (%d tokens with BOS;%s):"
             % (pa["T"], nl),
             "", "```", text.rstrip("\n"), "```", ""]
    prev = pa["tokens"][c["key"] - 1] if c["key"] > 0 else ""
    where = "right after the newline at position %d" % (c["key"] - 1) if prev == "\n" else "after `%s`" % tok(prev)
    body = ("Head **L%dH%d** (layer %d, head %d, 0-based) has a prompt-dependent sink on `%s` (token position %d, %s) "
            "that **catches the %d queries after it**: the contiguous run %d..%d (`%s`) puts %s of its attention on "
            "position %d. "
            % (c["layer"], c["head"], c["layer"], c["head"], tok(c["token"]), c["key"], where, c["queries"],
               c["span_begin"], c["span_end"] - 1, tok(c["span_text"]), span_range(c["attn_min"], c["attn_max"]),
               c["key"]))
    if after["query"] is not None:
        body += "At `%s` (position %d) " % (tok(c["next_token"]), after["query"])
        if after.get("next_sink_queries") is not None:
            body += ("the same head's next sink takes over (it catches the %d queries after it), "
                     % after["next_sink_queries"])
        body += ("and the attention on position %d from there on is %s. "
                 % (c["key"], span_range(after["attn_min"], after["attn_max"])))
    body += ("sink_score(%d) = %s. The BOS sinks stay strong in the same prompt: the share of heads with "
             "sink_score(0) > %g is %s in layers 0..%d (mean over layers 1..%d: %s). "
             % (c["key"], f3(c["score"]), pa["share_eps"], ", ".join(f2(s) for s in shares), L - 1, L - 1,
                f2(pa["bos_share_mean_1_to_L-1"])))
    o = pa["other_longest"]
    if o is not None:
        body += ("The longest catch of any other head after a sink at position > 0 is L%dH%d's: %d queries after `%s` "
                 "(position %d)." % (o["layer"], o["head"], o["queries"], tok(o["token"]), o["key"]))
    else:
        body += "No other head catches a query after a sink at position > 0."
    lines.append(para(body))
    return "\n".join(lines)


def after_sink(best):
    """Queries a search record's catch covers after its sink (find_default_prompt.py counts the sink
    itself when it is caught: its run then starts at the sink)."""
    if not best:
        return 0
    return best["span"] - 1 if best["start"] == best["sink"] else best["span"]


def r_model_search(d):
    loc, dev = d.candidates("local"), d.candidates("device_call1")
    cands = loc["candidates"]
    passages = {re.sub(r"\s+", " ", c["text"]).strip() for c in cands}
    n_extra = len(d.extra_passages)
    by_text = {c["text"]: c for c in cands}
    shared = [c for c in dev["candidates"] if c["text"] in by_text]
    agree = sum(1 for c in shared if c["best"] == by_text[c["text"]]["best"])
    dev_max = max(after_sink(c["best"]) for c in dev["candidates"])
    later = [c for c in cands if c["text"] not in {x["text"] for x in dev["candidates"]}]
    top = max(cands, key=lambda c: (after_sink(c["best"]), c["bos_share_mean_1_to_L"]))
    pa = d.prompt_analysis
    chosen = max((c for c in cands if pa["prompt"].startswith(c["text"])), key=lambda c: len(c["text"]))
    cb = chosen["best"]
    fin = longest(pa)
    same = after_sink(cb) == fin["queries"]
    first_line = re.match(r"\s*(.*?[.!?])(\s|$)", top["text"], re.S).group(1)
    return para("How it was chosen (`training/find_default_prompt.py`): %d candidates (%d hand-written passages: %d in the "
            "script, %d in `training/logs/default_prompt/extra_passages.json` written after the first round, of two to four\n"
            "sentences in the corpus's styles, each in up to four layouts: as written, one line, one sentence per line, "
            "trailing\nblank line; <= %d tokens), ranked by the longest catch_span (tau %g) of a punctuation/newline sink "
            "s > 0, then by the\nBOS-sink share. The first %d ran on the device through Hugging Face transformers (fp32, "
            "eager attention); all %d ran\non a CPU with `lm_model.LlamaLM` and a byte-level BPE stand-in checked against "
            "the golden ids, and the two agree on %d of the\n%d shared candidates. In that first round the longest catch "
            "among the %d candidates was %d queries after its sink; the %d candidates\nof the passages written after it "
            "(clauses that run on without a comma after a quote or newline) reached %d. The top candidate by catch (%d queries,\nL%dH%d, a "
            "%d-token passage beginning `%s`) had weaker BOS sinks (%s), so the %d-token candidate (%d queries,\n"
            "BOS mean %s) was taken and a third sentence appended; attention is causal, so the appended sentence cannot "
            "change the earlier\nqueries' catch (%s %d) and only dilutes sink_score(%d) (%s -> %s) and the BOS mean "
            "(%s -> %s).\n"
            % (loc["n_candidates"], len(passages), len(passages) - n_extra, n_extra, loc["max_tokens"], loc["tau"],
               dev["n_candidates"], loc["n_candidates"], agree, len(shared), dev["n_candidates"], dev_max, len(later),
               max(after_sink(c["best"]) for c in later), after_sink(top["best"]), top["best"]["layer"],
               top["best"]["head"], top["n_tokens"], first_line, f2(top["bos_share_mean_1_to_L"]), chosen["n_tokens"],
               after_sink(cb), f2(chosen["bos_share_mean_1_to_L"]), "still" if same else "now", fin["queries"],
               fin["key"], f2(cb["sink_score"]), f2(fin["score"]), f2(chosen["bos_share_mean_1_to_L"]),
               f2(pa["bos_share_mean_1_to_L-1"]))
                + r_model_search_tally(d))


def r_model_search_tally(d):
    cands = d.candidates("local")["candidates"]
    fin = longest(d.prompt_analysis)
    count = {}
    for c in cands:
        if c["best"]:
            k = (c["best"]["layer"], c["best"]["head"])
            count[k] = count.get(k, 0) + 1
    me = (fin["layer"], fin["head"])
    other = max((k for k in count if k != me), key=lambda k: count[k])
    long_ = [c for c in cands if after_sink(c["best"]) >= 8]
    long_me = sum(1 for c in long_ if (c["best"]["layer"], c["best"]["head"]) == me)
    return ("L%dH%d has the longest catch in %d of the %d candidates (L%dH%d in %d), and in %d of the %d whose longest "
            "catch covers 8 or more queries after its sink."
            % (me[0], me[1], count.get(me, 0), len(cands), other[0], other[1], count[other], long_me, len(long_)))


def r_model_sweep(d):
    sweep = d.metrics["sweep"]
    last = {}
    for s in sweep:
        if s["run"] not in last or s["step"] > last[s["run"]]["step"]:
            last[s["run"]] = s
    rows = sorted(last.values(), key=lambda s: (s["shortfall"] > 0, s["val_loss"]))
    out = ["| run | steps | val loss | max layer share | avg share 1..7 | BOS ratio | meets all lines |",
           "|---|---|---|---|---|---|---|"]
    for s in rows:
        out.append("| %s | %d | %s | %s | %s | %.1f | %s |" % (
            s["run"], s["step"], f4(s["val_loss"]), f3(max(s["share"])), f3(s["avg1"]), s["bos_ratio"],
            "yes" if s["shortfall"] == 0 else "no"))
    chosen = d.metrics["chosen"]["run"]
    strong = max(rows, key=lambda s: s["avg1"])
    ra, rc = d.run_json(strong["run"]), d.run_json(chosen)
    best_step = min((s for s in sweep if s["run"] == strong["run"] and s["shortfall"] == 0), key=lambda s: s["val_loss"])
    c = last[chosen]
    out += ["", para(" ".join([
            "The %dx%d run `%s` has far stronger sinks (avg share %s, BOS ratio %.0f) with %.1fM parameters for %d steps"
            % (ra["args"]["layers"], ra["args"]["d"], strong["run"], f2(strong["avg1"]), strong["bos_ratio"],
               ra["params"] / 1e6, ra["args"]["steps"]),
            "(the chosen run: %.1fM for %d) but a higher" % (rc["params"] / 1e6, rc["args"]["steps"]),
            "validation loss (%s against %s), so by the selection rule (best validation loss among models meeting every "
            "line)" % (f2(strong["val_loss"]), f2(c["val_loss"])),
            "it was not shipped; its checkpoint was not kept. Re-run training/device_run.sh and "
            "`export_lm.py --run %s --step %d` to get it." % (strong["run"], best_step["step"])]))]
    return "\n".join(out)


def r_model_onnx(d):
    rows = d.onnx["models"]["demo-lm"]
    return ("Against Hugging Face `LlamaForCausalLM` on the %s golden prompts: logits within %s, attention\npatterns within "
            "%s (`training/logs/onnx_check.json`)."
            % ({5: "five"}.get(len(rows), str(len(rows))), sci(max(r["logits"] for r in rows)),
               sci(max(r["attn_pattern"] for r in rows))))


def r_model_limits(d):
    ch = d.metrics["chosen"]
    h = heldout(d)
    cands = d.candidates("local")["candidates"]
    spans = [after_sink(c["best"]) for c in cands]
    fin = longest(d.prompt_analysis)
    r = h["bos_ratio_per_layer"]
    absl = h["bos_max_abs_per_layer"][1:]
    text = ("%.1fM parameters trained on %.0fM tokens for %d steps: fluent-looking but often incoherent text; strong "
            "register mixing (scripture, commentary boilerplate, 19th-century prose, speeches).\0"
            "Prompt-dependent catches are short in most text: over the %d candidates of the default-prompt search the "
            "longest catch covers a median of %s queries after its sink; the default prompt was searched for a long one "
            "(%d queries, L%dH%d). BOS sinks dominate elsewhere.\0"
            "The BOS outlier is %s-%s the median |activation| (%s-%s from layer 1 on) but small in absolute terms "
            "(%s from layer 1 on)."
            % (ch["params"] / 1e6, d.tok_stats["train_tokens"] / 1e6, ch["args"]["steps"], len(cands),
               "%g" % median(spans), fin["queries"], fin["layer"], fin["head"], times(min(r)), times(max(r)),
               times(min(r[1:])), times(max(r[1:])), span_range(min(absl), max(absl), lambda x: "%.0f" % x)))
    return "\n".join(para(b, "- ", "  ") for b in text.split("\0"))


# ----------------------------------------------------------------------------- averaging (PyTorch runs)

def rule_formed(r):
    """training/averaging.py `mechanism`: catch head = argmax(catch_rate + tag_alignment)."""
    h = max(range(len(r["catch_rate"])), key=lambda i: r["catch_rate"][i] + r["tag_alignment"][i])
    return r["catch_rate"][h] >= 0.9 and r["tag_alignment"][h] >= 0.9 and max(r["release"]) >= 0.8


def configs(rows):
    """Per configuration (tag): its rows, in the tags' sorted order."""
    by = {}
    for r in rows:
        by.setdefault(r["tag"], []).append(r)
    return [(t, by[t]) for t in sorted(by)]


def summary(rows):
    a = rows[0]["args"]
    loss = [r["final_loss"] for r in rows]
    sep = [max(r["latest_sep_attn"]) for r in rows]
    return {
        "task": a["task"], "bos": bool(a.get("bos")), "const": bool(a.get("const")), "d": a["d"], "heads": a["heads"],
        "T": a["T"], "batch": a["batch"], "lr": a["lr"], "wd": a.get("wd", 0.0),
        "steps": sorted({r["steps"] for r in rows}), "seeds": len(rows),
        "formed": sum(r["formed"] for r in rows), "solved": sum(l < 0.01 for l in loss),
        "solved_without": sum(r["final_loss"] < 0.01 and not r["formed"] for r in rows),
        "median_loss": median(loss), "median_sep": median(sep), "best_sep": max(sep),
        "mean_release": statistics.mean(max(r["release"]) for r in rows),
    }


TASK_NAME = {"single": "one [SEP]", "single01": "0 or 1 [SEP]"}


def yesno(b):
    return "yes" if b else "no"


def steps_str(st):
    return "-".join(str(x) for x in (st if len(st) == 1 else (st[0], st[-1])))


def r_avg_table(rel):
    def render(d):
        out = ["| tag | task | BOS | const | d | heads | T | batch | lr | wd | steps | seeds | formed | solved (loss < 0.01) "
               "| solved without mechanism | median loss | median [SEP] attn | best [SEP] attn | mean release |",
               "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for tag, rows in configs(d.runs(rel)):
            s = summary(rows)
            out.append("| %s | %s | %s | %s | %d | %d | %d | %d | %g | %g | %s | %d | **%d** | %d | %d | %s | %s | %s | %s |"
                       % (tag, s["task"], yesno(s["bos"]), yesno(s["const"]), s["d"], s["heads"], s["T"], s["batch"],
                          s["lr"], s["wd"], steps_str(s["steps"]), s["seeds"], s["formed"], s["solved"],
                          s["solved_without"], g2(s["median_loss"]), f3(s["median_sep"]), f3(s["best_sep"]),
                          f3(s["mean_release"])))
        out.append("")
        out.append(para("Per configuration: median and best over seeds of the layer-0 attention of vector queries on "
                        "their [SEP] (the head that gives it the most), mean over seeds of the best layer-1 head's "
                        "release."))
        return "\n".join(out)
    return render


def call4(d):
    return [(t, summary(rows), rows) for t, rows in configs(d.runs("call4/results.jsonl"))]


def call3(d):
    return [(t, summary(rows), rows) for t, rows in configs(d.runs("call3/results.jsonl"))]


def config_words(s):
    return "%sd %d, %s per layer, T %d, batch %d, lr %g" % (
        "BOS, " if s["bos"] else "no BOS, ", s["d"], plural(s["heads"], "head"), s["T"], s["batch"], s["lr"])


def rate_range(items):
    """'0/16 to 15/16' over (formed, seeds) pairs."""
    lo = min(items, key=lambda x: x[0] / x[1])
    hi = max(items, key=lambda x: x[0] / x[1])
    return "%d/%d" % lo if lo == hi else "%d/%d to %d/%d" % (lo + hi)


def paper_line(d):
    t, s, rows = next(x for x in call4(d) if x[0] == PAPER_CLOSEST)
    rest = [r for r in rows if not r["formed"]]
    stuck = [r for r in rest if r["final_loss"] >= 0.01]
    tail = ""
    if rest and len(stuck) == len(rest):
        tail = " (the other %d stay on the \"mean since the start\" plateau, median loss %s)" % (
            len(rest), f3(median([r["final_loss"] for r in rest])))
    return ("The paper reports the mechanism in %s; our configuration closest to its setting (%s: `%s`, task "
            "\"%s\" with the constant column) formed it in **%d of %d**%s."
            % (PAPER_RATE, config_words(s), t, TASK_NAME[s["task"]], s["formed"], s["seeds"], tail))


def r_readme_avg_tally(d):
    rows4 = call4(d)
    out = [para("How often the mechanism formed over seeds (PyTorch, `training/averaging.py`; formed = a layer-0 head "
                "with catch_rate >= 0.9 and tag_alignment >= 0.9 and a layer-1 head with release >= 0.8), per "
                "configuration, all with the constant input column:", width=78),
           "",
           "| configuration | task variant | BOS | d | heads per layer | T | batch | lr | seeds | formed |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for t, s, _ in rows4:
        out.append("| `%s` | %s | %s | %d | %d | %d | %d | %g | %d | %d |" % (
            t, TASK_NAME[s["task"]], yesno(s["bos"]), s["d"], s["heads"], s["T"], s["batch"], s["lr"], s["seeds"],
            s["formed"]))
    rows3 = call3(d)
    f3max = max(s["formed"] for _, s, _ in rows3)
    out += ["", para(
        "Without the constant column (%d configurations of %d seeds) it formed in %s. %s Details: "
        "`training/averaging_report.md`." % (
            len(rows3), rows3[0][1]["seeds"],
            "none of them" if f3max == 0 else "at most %d of %d per configuration" % (f3max, rows3[0][1]["seeds"]),
            paper_line(d)), width=78)]
    return "\n".join(out)


def r_readme_averaging(d):
    formed = [n for n in SHIPPED if d.avg_model(n)[0]["formed"]]
    cases = [c for n in formed for c in reference_cases(d, n)]
    whole = all(c["span"] == (c["sep"] + 1, c["T"]) for c in cases)
    return ("%s formed catch, tag and release: on their reference inputs (%d sequences each) the [SEP] catches %s, "
            "tag_alignment %s, a layer-2 head puts at least %s of its attention on the tagged tokens."
            % (" and ".join("`%s`" % n for n in formed), len(cases) // len(formed),
               "every vector after it" if whole else "part of the vectors after it",
               span_range(min(c["tag"] for c in cases), max(c["tag"] for c in cases)),
               floor_to(min(c["release"] for c in cases), 4)))


def r_training_readme_avg(d):
    rows4, rows3 = call4(d), call3(d)
    single = [(s["formed"], s["seeds"]) for _, s, _ in rows4 if s["task"] == "single"]
    s01 = [(s["formed"], s["seeds"]) for _, s, _ in rows4 if s["task"] == "single01"]
    f3max = max(s["formed"] for _, s, _ in rows3)
    return ("with the constant column the mechanism formed in %s runs per configuration on the one-[SEP] task (%d\n"
            "   configurations) and in %s on \"0 or 1 [SEP]\" (%d configurations); without it in %s of the %d configurations"
            % (rate_range(single), len(single), rate_range(s01), len(s01),
               "none" if f3max == 0 else "at most %d/%d in each" % (f3max, rows3[0][1]["seeds"]), len(rows3)))


def reference_cases(d, name):
    ref = d.reference(name)
    metrics, cfg = d.avg_model(name)
    out = []
    for c in ref["cases"]:
        x = c["inputs"]
        sep = next(t for t, row in enumerate(x) if row[cfg["sep_index"]] == 1)
        m = c["metrics"]
        T = m["T"]
        sink = next((s for s in m["sinks"] if s["layer"] == 0 and s["key"] == sep), None)
        case = {"sep": sep, "T": T, "score": m["sink_score"][0][0][sep], "bos_score": m["sink_score"][0][0][0],
                "span": None, "tag": None, "release": None, "lift": None, "sep_caught": False}
        if sink and sink["catch_span"][1] > sink["catch_span"][0]:
            case["span"] = tuple(sink["catch_span"])
            ta = [sink["tag_alignment"][i] for i in sink["caught"] if i > sep]
            case["tag"] = sum(ta) / len(ta) if ta else None
            rel = max(sink.get("release", []), key=lambda e: e["mass_caught"], default=None)
            if rel:
                case["release"], case["lift"] = rel["mass_caught"], rel["lift"]
            case["sep_caught"] = sep in sink["caught"]
        out.append(case)
    return out


SHIPPED = ["averaging-bos-8", "averaging-d32-13", "averaging-bos-10"]


def r_avg_acceptance(d):
    out = ["| model | [SEP] at | catch span (C++ = Python) | segment | tag_alignment on caught (mean) | layer-1 mass on caught "
           "(release) | lift |", "|---|---|---|---|---|---|---|"]
    notes = []
    for name in SHIPPED:
        metrics, cfg = d.avg_model(name)
        cases = reference_cases(d, name)
        label = name + ("" if metrics["formed"] else " (contrast)")
        if cfg["train_T"] != 32:
            label += " (T %d)" % cfg["train_T"]
        seps = ", ".join(str(c["sep"]) for c in cases)
        if all(c["span"] for c in cases):
            whole = all(c["span"] == (c["sep"] + 1, c["T"]) for c in cases)
            out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                label, seps, ", ".join("[%d, %d)" % c["span"] for c in cases),
                "= the vectors after the [SEP]" if whole else "not the whole segment",
                ", ".join(f4(c["tag"]) for c in cases), ", ".join(f4(c["release"]) for c in cases),
                ", ".join("%.1f" % c["lift"] for c in cases)))
            notes.append(not any(c["sep_caught"] for c in cases))
        else:
            out.append("| %s | %s | none (the [SEP]'s sink_score %s, no query caught) | not caught | - | - | - |" % (
                label, seps, span_range(min(c["score"] for c in cases), max(c["score"] for c in cases))))
    if notes and all(notes):
        out += ["", "  (The [SEP] itself is not in its own caught set: its query attends to BOS / the earlier tokens.)"]
    return "\n".join(out)


def r_avg_shipped(d):
    def desc(name):
        m, cfg = d.avg_model(name)
        a = m["args"]
        parts = ["d %d" % a["d"], plural(a["heads"], "head"), ("BOS + constant" if a.get("bos") else
                                                               "constant, no BOS" if a.get("const") else "no constant"),
                 "T %d" % a["T"], "loss %s" % (short_exp("%.1g" % m["final_loss"]) if m["final_loss"] < 1e-5 else g2(m["final_loss"]))]
        return m, a, ", ".join(parts)
    m8, a8, d8 = desc("averaging-bos-8")
    m13, a13, d13 = desc("averaging-d32-13")
    m10, a10, _ = desc("averaging-bos-10")
    c10 = reference_cases(d, "averaging-bos-10")
    same = a10["tag"] == a8["tag"]
    return para("Shipped: `models/averaging-bos-8` (%s; %s), `models/averaging-d32-13` (%s; %s), and the contrast\n"
            "  `models/averaging-bos-10` (%s, loss %s, **solved without a catch**: on the reference inputs layer 0's "
            "BOS sink takes %s of the attention (sink_score(0)), the [SEP] gets %s (its sink_score: the mean over the "
            "queries from the [SEP] on), below catch_tau; layer 1 still reads that graded [SEP] share, release %s)."
            % ("formed" if m8["formed"] else "not formed", d8, "formed" if m13["formed"] else "not formed", d13,
               "same configuration as bos-8" if same else "configuration `%s`" % a10["tag"],
               short_exp("%.1g" % m10["final_loss"]) if m10["final_loss"] < 1e-5 else g2(m10["final_loss"]),
               span_range(min(c["bos_score"] for c in c10), max(c["bos_score"] for c in c10)),
               span_range(min(c["score"] for c in c10), max(c["score"] for c in c10)), f4(max(m10["release"]))),
                "- ", "  ")


def r_avg_summary_const(d):
    rows = call4(d)
    single = [(s["formed"], s["seeds"]) for _, s, _ in rows if s["task"] == "single" and s["const"]]
    s01 = [(s["formed"], s["seeds"]) for _, s, _ in rows if s["task"] == "single01" and s["const"]]
    n = rows[0][1]["seeds"]
    return para("With a constant-1 input column (the model has no biases and no positions) and exactly one [SEP] per\n"
            "  sequence (task `single`), catch + tag + release formed in %s PyTorch runs per configuration (%d\n"
            "  configurations of %d seeds, call 4 below); with \"0 or 1 [SEP]\" per sequence (task `single01`) in %s\n"
            "  (%s). %s\n"
            "  The lab's C++ trainer (d 16, 2 heads, batch 16, lr 1e-2 with warm-up and cosine): see \"C++ trainer\" below."
            % (rate_range(single), len(single), n, rate_range(s01), plural(len(s01), "configuration"), paper_line(d)),
                "  ", "  ")


def r_avg_summary_noconst(d):
    rows = call3(d)
    n = rows[0][1]["seeds"]
    fmax = max(s["formed"] for _, s, _ in rows)
    meds = [s["median_sep"] for _, s, _ in rows]
    bos_solved = max(((t, s) for t, s, _ in rows if s["bos"]), key=lambda x: x[1]["solved_without"])
    head = ("**Without the constant column nothing catches: 0 of %d in each of the %d configurations**" % (n, len(rows))
            if fmax == 0 else "**Without the constant column the mechanism formed in at most %d of %d runs per "
            "configuration (%d configurations)**" % (fmax, n, len(rows)))
    return para("%s (call 3, the same\n"
            "  settings). A bias-free, position-free layer-0 query is linear in its random vector v, so its score on any "
            "key, v^T M x_j, is odd\n  in v: no vector query can prefer the [SEP] on average, and layer 0 stays near "
            "uniform (median attention on the\n  [SEP] per configuration %s, about 1/(number of keys)). With a BOS "
            "marker the task is still solved (%d of %d runs of `%s`)\n  by a distributed tag (each token's uniform "
            "mixture contains the [SEP]'s value), never by a catch."
            % (head, span_range(min(meds), max(meds), f3),
               bos_solved[1]["solved_without"], n, bos_solved[0]), "- ", "  ")


def r_avg_summary_single01(d):
    rows = [(t, s) for t, s, _ in call3(d) + call4(d) if s["task"] == "single01"]
    steps = sorted(x for _, s in rows for x in s["steps"])
    formed = sum(s["formed"] for _, s in rows)
    solved = sum(s["solved"] for _, s in rows)
    return para("\"0 or 1 [SEP]\" (half the sequences have none) %s in %d-%d steps, with or\n  without the constant "
            "(%d configurations of %d seeds: %d formed, %d solved)."
            % ("did not leave the plateau" if solved == 0 else "rarely solved the task", steps[0], steps[-1], len(rows),
               rows[0][1]["seeds"], formed, solved), "- ", "  ")


def r_avg_task_losses(d):
    rows = [(s, r) for _, s, rs in call3(d) + call4(d) if s["task"] == "single" for r in rs]
    out = []
    for T in sorted({s["T"] for s, _ in rows}):
        zero = [r["zero_pred_loss"] for s, r in rows if s["T"] == T]
        plateau = [r["final_loss"] for s, r in rows if s["T"] == T and not s["bos"] and r["final_loss"] >= 0.01]
        out.append((T, span_range(min(zero), max(zero)), f3(median(plateau))))
    return para("MSE over vector positions. Predicting 0 everywhere: %s; the plateau \"mean since the start, ignoring the "
            "[SEP]\" (median loss of the\n  unsolved seeds without BOS) is %s."
            % (", ".join("%s (T %d)" % (z, T) for T, z, _ in out), " / ".join("%s (T %d)" % (p, T) for T, _, p in out)),
                "", "  ", 108)


def r_avg_outcomes(d):
    rows = call4(d)
    single = [(t, s, rs) for t, s, rs in rows if s["task"] == "single"]
    formed = [r for _, _, rs in single for r in rs if r["formed"]]
    plateau = [r for _, s, rs in single for r in rs if s["T"] == 32 and not s["bos"] and r["final_loss"] >= 0.01]
    without = [(t, s) for t, s, _ in single if s["solved_without"]]
    loss = [r["final_loss"] for r in formed]
    sep = [max(r["latest_sep_attn"]) for r in formed]
    rel = [max(r["release"]) for r in formed]
    shipped_wo = [n for n in SHIPPED if not d.avg_model(n)[0]["formed"]]
    w = ""
    if without:
        w = "Only %s produced seeds that solve the task without the catch (%s%s). " % (
            " and ".join("`%s` (%s)" % (t, config_words(s)) for t, s in without),
            ", ".join("%d of %d" % (s["solved_without"], s["seeds"]) for _, s in without),
            "".join(": %s is one" % n.replace("averaging-", "") for n in shipped_wo))
    lo = min(single, key=lambda x: x[1]["formed"])
    hi = max(single, key=lambda x: x[1]["formed"])
    his = [t for t, s, _ in single if s["formed"] == hi[1]["formed"]]
    b16 = [(t, s) for t, s, _ in single if s["batch"] == 16]
    return para("On the one-[SEP] task the formed seeds reach loss %s, [SEP] attention %s, release %s or more; the others "
            "stay on the\nplateau that ignores the [SEP] (median loss %s at T 32) unless they solve the task another way. "
            "%sSuccess rate per configuration,\nnext to the paper's \"%s\": from %d/%d (`%s`) to %d/%d (%s); the "
            "paper's closest, `%s`: %d/%d; %s."
            % (span_range(min(loss), max(loss), g2), span_range(min(sep), max(sep), f3), floor_to(min(rel), 2),
               f3(median([r["final_loss"] for r in plateau])), w, PAPER_RATE, lo[1]["formed"], lo[1]["seeds"], lo[0],
               hi[1]["formed"], hi[1]["seeds"], ", ".join("`%s`" % t for t in his), PAPER_CLOSEST,
               next(s for t, s, _ in single if t == PAPER_CLOSEST)["formed"], hi[1]["seeds"],
               "; ".join("batch 16 at lr %g: %d/%d" % (s["lr"], s["formed"], s["seeds"]) for _, s in b16)))


# ----------------------------------------------------------------------------- averaging (earlier runs)

def pos_runs(d):
    """Calls 1-2 (learned positions): rows with their call number."""
    out = []
    for call, rel in ((1, "results_pos_call1.jsonl"), (2, "results_pos_call2.jsonl")):
        for r in d.runs(rel):
            out.append(dict(r, _call=call))
    return out


def pos_key(r):
    a = r["args"]
    return (r["_call"], a["d"], a["heads"], a["T"], float(r.get("p_sep", a["p_sep"])), float(r.get("init", a["init"])))


def loss_str(x):
    return "under 1e-5" if x == 0 else g2(x)


def r_avg_earlier(d):
    rows = pos_runs(d)
    solved = [r for r in rows if r["final_loss"] < 0.01]
    rel = [max(r["release"]) for r in solved]
    ps = sorted({pos_key(r)[4] for r in rows})
    ramp = d.runs("results_pos_ramp_cpu.jsonl")
    first = d.runs("results.jsonl")
    loss = [r["final_loss"] for r in first]
    return "\n".join([
        para("Calls 1-2 (learned positions, [SEP] at 0 and at rate p_sep %g-%g, %d runs): %d formed; %d solved the task "
             "with a *distributed tag*: layer 0 spreads a vector query's attention over all earlier [SEP]s (position 0's "
             "[SEP] largest), and the mixture changes at every [SEP], which layer 1 reads (release %s). A recency ramp in "
             "the position init raised the latest [SEP]'s share to %s but did not produce a catch (catch_rate at most %s)."
             % (ps[0], ps[-1], len(rows), sum(r["formed"] for r in rows), len(solved), span_range(min(rel), max(rel), f4),
                f2(max(max(r["latest_sep_attn"]) for r in ramp)), f2(max(max(r["catch_rate"]) for r in ramp))),
             "- ", "  "),
        para("First report (no positions, many [SEP]s, %d runs): %d formed, loss stuck at %s: with identical [SEP]s and "
             "no positions a head cannot prefer the latest one, and without a constant input no vector query can prefer "
             "a [SEP] at all (the reason found in call 3)."
             % (len(first), sum(r["formed"] for r in first), span_range(min(loss), max(loss))), "- ", "  ")])


def r_avg_a_summary(d):
    rows = pos_runs(d)
    keys = {pos_key(r) for r in rows}
    solved = [r for r in rows if r["final_loss"] < 0.01]
    rel = [max(r["release"]) for r in solved]
    zero = [r["zero_pred_loss"] for r in rows]
    s2 = [r for r in solved if r["_call"] == 2]
    alls = [r["all_sep_attn"][r["catch_head"]] for r in s2]
    lat = [r["latest_sep_attn"][r["catch_head"]] for r in s2]
    first = d.runs("results.jsonl")
    c2 = [r for r in rows if r["_call"] == 2]
    best = min(c2, key=lambda r: r["final_loss"])
    return "\n".join([
        para("**Success rate with learned positions: %d of %d runs** (%d configurations, %d seeds each, two device calls) "
             "formed catch + tag + release by the issue's definition (paper v2: the mechanism emerges in at most 4/10 "
             "runs). Without positions (first report, appendix below): %d/%d."
             % (sum(r["formed"] for r in rows), len(rows), len(keys), len(rows) // len(keys),
                sum(r["formed"] for r in first), len(first)), "- ", "  "),
        para("With the spec amendment (learned absolute positions P) the task is **solved**: %d of %d runs reach a loss "
             "below 0.01 (the best %s, against %s for predicting 0), and their layer-1 heads put %s of their attention on "
             "the current segment (release). But no layer-0 head **catches** its segment with the latest [SEP]: in the "
             "solved runs of call 2, vector queries put %s of their attention on the [SEP]s together, and only %s on the "
             "most recent one (the catch head)."
             % (len(solved), len(rows), loss_str(min(r["final_loss"] for r in rows)), span_range(min(zero), max(zero)),
                span_range(min(rel), max(rel), f4), span_range(min(alls), max(alls)), span_range(min(lat), max(lat))),
             "- ", "  "),
        para("Shipped: `models/averaging-pos-h1-8` (the lowest loss of the second call, %s, %s per layer, T = %d):"
             % (g2(best["final_loss"]), plural(best["args"]["heads"], "head"), best["args"]["T"]), "- ", "  ")])


def r_avg_a_table(d):
    g = {}
    for r in pos_runs(d):
        g.setdefault(pos_key(r), []).append(r)
    out = ["| call | d | heads | T | p_sep | init | steps | batch/seed | seeds | formed | solved (loss < 0.01) | median loss "
           "| best catch_rate | mean latest-[SEP] attn (catch head) | mean all-[SEP] attn (catch head) | mean best release |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    tot = [0, 0, 0]
    for k in sorted(g):
        rs = g[k]
        steps = sorted({r.get("steps", r["args"]["steps"]) for r in rs})
        has = "latest_sep_attn" in rs[0]
        lat = f3(statistics.mean(r["latest_sep_attn"][r["catch_head"]] for r in rs)) if has else "n/a"
        al = f3(statistics.mean(r["all_sep_attn"][r["catch_head"]] for r in rs)) if has else "n/a"
        solved = sum(r["final_loss"] < 0.01 for r in rs)
        formed = sum(r["formed"] for r in rs)
        tot = [tot[0] + len(rs), tot[1] + formed, tot[2] + solved]
        out.append("| %d | %d | %d | %d | %g | %s | %s | %d | %d | %d | %d | %s | %s | %s | %s | %s |" % (
            k[0], k[1], k[2], k[3], k[4], repr(k[5]), steps_str(steps), rs[0]["args"]["batch"], len(rs), formed, solved,
            g2(median([r["final_loss"] for r in rs])), f3(max(max(r["catch_rate"]) for r in rs)), lat, al,
            f3(statistics.mean(max(r["release"]) for r in rs))))
    out += ["", "total runs %d formed %d solved %d" % tuple(tot)]
    return "\n".join(out)


def r_avg_a_ramp(d):
    ramp = d.runs("results_pos_ramp_cpu.jsonl")
    by = {}
    for r in ramp:
        by.setdefault(r["args"]["pos_ramp"], []).append(r)
    (r1, a), (r2, b) = sorted(by.items())[:2]
    x = a[0]["args"]
    rng = lambda rs, f, fmt=f2: span_range(min(f(r) for r in rs), max(f(r) for r in rs), fmt)
    seeds = sorted(r["seed"] for r in a)
    return para(
        "A recency prior for layer 0 at initialisation: P initialised with a linear ramp along one direction "
        "(`averaging.py --pos-ramp R`). A first CPU check (d %d, %s, T = %d, p_sep %s, batch %d, %d steps, R = %g, seeds "
        "%d-%d; `training/logs/averaging/results_pos_ramp_cpu.jsonl`) raised the attention on the latest [SEP] to %s "
        "(loss %s, release %s) but not to a catch (catch_rate %s); R = %g (same setting) gave %s and catch_rate %s. A "
        "lever worth a 16-seed device sweep with longer training, but no evidence yet that it gets to a catch."
        % (x["d"], plural(x["heads"], "head"), x["T"], x["p_sep"], x["batch"], a[0]["steps"], r1, seeds[0], seeds[-1],
           rng(a, lambda r: max(r["latest_sep_attn"])), rng(a, lambda r: r["final_loss"], g2),
           rng(a, lambda r: max(r["release"]), f3), rng(a, lambda r: max(r["catch_rate"])), r2,
           rng(b, lambda r: max(r["latest_sep_attn"])), rng(b, lambda r: max(r["catch_rate"]))), "- ", "  ")


def r_avg_b_zero(d):
    z = sorted({r["zero_pred_loss"] for r in d.runs("results.jsonl")})
    return "predicting 0 everywhere gives %s." % ", ".join("%g" % x for x in z)


def r_avg_b_table(d):
    rows = sorted(d.runs("results.jsonl"), key=lambda r: r["seed"])
    out = ["| seed | final loss | catch_rate (h0, h1) | tag_alignment | release (h0, h1) | formed |", "|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| %d | %s | %s | %s | %s | %s |" % (r["seed"], f4(r["final_loss"]), r["catch_rate"], r["tag_alignment"],
                                                         r["release"], yesno(r["formed"])))
    out += ["", "**Success rate: %d/%d** (paper v2: the mechanism emerges in at most 4/10 runs)."
            % (sum(r["formed"] for r in rows), len(rows))]
    return "\n".join(out)


def seed_list(seeds):
    """'0-8, 11, 12' from sorted ints."""
    out, i = [], 0
    while i < len(seeds):
        j = i
        while j + 1 < len(seeds) and seeds[j + 1] == seeds[j] + 1:
            j += 1
        out.append(str(seeds[i]) if j - i < 2 else "%d-%d" % (seeds[i], seeds[j]))
        if 0 < j - i < 2:
            out += [str(s) for s in seeds[i + 1:j + 1]]
        i = j + 1
    return ", ".join(out)


def r_avg_b_families(d):
    rows = d.runs("results.jsonl")
    cut = (max(r["final_loss"] for r in rows) + min(r["final_loss"] for r in rows)) / 2
    hi = sorted((r for r in rows if r["final_loss"] >= cut), key=lambda r: r["seed"])
    lo = sorted((r for r in rows if r["final_loss"] < cut), key=lambda r: r["seed"])
    rel = [max(r["release"]) for r in rows]
    fam = lambda rs: "%s (seeds %s)" % (span_range(min(r["final_loss"] for r in rs), max(r["final_loss"] for r in rs), f3),
                                        seed_list([r["seed"] for r in rs]))
    return ("The seeds instead split into two solutions: loss %s\nand %s, both well above 0 and both without a catching "
            "head; layer-1 heads put %s of their mass" % (fam(hi), fam(lo), span_range(min(rel), max(rel))))


def r_avg_b_shipped(d):
    rows = {r["seed"]: r for r in d.runs("results.jsonl")}
    r13, r5 = rows[13], rows[5]
    h = max(range(len(r5["tag_alignment"])), key=lambda i: r5["tag_alignment"][i])
    lowest = min(rows.values(), key=lambda r: r["final_loss"])["seed"] == 13
    return "\n".join([
        "- `models/averaging-13`: %s (%g); no mechanism (solves the task only partly)."
        % ("the lowest loss" if lowest else "loss", r13["final_loss"]),
        "- `models/averaging-5`: the other solution family (loss %g); its head %d output is %s aligned with"
        % (r5["final_loss"], h, f2(r5["tag_alignment"][h]))])


# ----------------------------------------------------------------------------- averaging (C++ trainer)

CPP_LOG = "cpp_trainer/results.jsonl"


def r_avg_cpp(d):
    rows = sorted(d.runs(CPP_LOG), key=lambda r: r["seed"])
    yes = [r for r in rows if r["formed_at"] >= 0]
    no = [r for r in rows if r["formed_at"] < 0]
    r0 = rows[0]
    seeds = lambda rs: ", ".join(str(r["seed"]) for r in rs)
    rng = lambda key, fmt, rs=yes: span_range(min(r[key] for r in rs), max(r[key] for r in rs), fmt)
    th = r0["thresholds"]
    text = ("**Success rate over %d seeds, native** (`sinkscope-cli train-averaging --seed %d --seeds %d --steps %d "
            "--jsonl ...`,\nsame code as the browser, which gives the same bits; per-seed rows in "
            "`training/logs/averaging/%s`; formed = catch_rate >= %g,\ntag_alignment >= %g and release_mass >= %g at an "
            "evaluation, every %d steps): **%d of %d formed**"
            % (len(rows), rows[0]["seed"], len(rows), r0["steps"], CPP_LOG, th["catch_rate"], th["tag_alignment"],
               th["release_mass"], r0["eval_every"], len(yes), len(rows)))
    if yes:
        text += (" (seeds %s; first at steps %s; at the end their eval loss %s, [SEP] attention %s, catch_rate %s, "
                 "tag_alignment %s, release %s)"
                 % (seeds(yes), rng("formed_at", str), rng("eval_loss", g2), rng("sep_attention", f2),
                    rng("catch_rate", f2), rng("tag_alignment", f2), rng("release_mass", f4)))
    if no:
        text += "; seeds %s stay on the plateau (eval loss %s)" % (seeds(no), rng("eval_loss", f3, no))
    return para(text + ". Next to the paper's \"%s\"." % PAPER_RATE, "", "", 106)


# ----------------------------------------------------------------------------- --measure

def cli_json(cli, args):
    try:
        p = subprocess.run([cli] + args, capture_output=True, text=True)
    except OSError as e:
        raise SystemExit("claims: cannot run %s: %s (build it, or pass --cli)" % (cli, e))
    if p.returncode != 0:
        raise SystemExit("claims: %s %s failed (%d):\n%s" % (cli, args[0], p.returncode, p.stderr))
    return json.loads(p.stdout)


def run_after(caught, key):
    """Longest contiguous run of caught queries after the key: (begin, end), earliest on ties."""
    after = sorted(i for i in caught if i > key)
    best, start = (0, 0), None
    for j, i in enumerate(after):
        if j == 0 or i != after[j - 1] + 1:
            start = i
        if i + 1 - start > best[1] - best[0]:
            best = (start, i + 1)
    return best


def measure(cli):
    """default_prompt_analysis from the CLI: analyze (sink_score, sinks) and run (one layer's attention)."""
    with open(path(DEMO + "/default_prompt.txt"), encoding="utf-8") as f:
        text = f.read()
    model = path(DEMO)
    an = cli_json(cli, ["analyze", "--model", model, "--prompt", text, "--bos", "--format", "json"])
    T = an["T"]
    # Token texts as the characters they stand for (older CLIs printed a newline token as the two characters \n).
    tokens = [t.replace("\\n", "\n") for t in an["tokens"]]
    ss = an["sink_score"]  # [L][H][T]
    L = len(ss)
    shares = [sum(1 for row in layer if row[0] > SHARE_EPS) / len(layer) for layer in ss]
    cands = []
    for s in an["sinks"]:
        if s["key"] <= 0:
            continue
        b, e = run_after(s["caught"], s["key"])
        cands.append((e - b, s["score"], s, b, e))
    best = None
    for c in cands:  # largest run, then score; first in the CLI's order on ties
        if best is None or (c[0], c[1]) > (best[0], best[1]):
            best = c
    r6 = lambda x: round(float(x), 6)
    out = {
        "prompt": text,
        "source": "scripts/claims.py --measure: sinkscope-cli analyze --model models/demo-lm --prompt TEXT --bos "
                  "--format json, and run --taps blocks.L.attn_pattern for the catch's layer; TEXT = "
                  "default_prompt.txt byte for byte, trailing newline included",
        "settings": {"sink_eps": r6(an["settings"]["sink_eps"]), "catch_tau": r6(an["settings"]["catch_tau"])},
        "T": T,
        "tokens": tokens,
        "share_eps": SHARE_EPS,
        "bos_share_per_layer": [r6(x) for x in shares],
        "bos_share_mean_1_to_L-1": r6(sum(shares[1:]) / (L - 1)),
        "longest_catch": None,
        "other_longest": None,
    }
    if best is None or best[0] == 0:
        return out
    n, score, s, b, e = best
    l, h, key = s["layer"], s["head"], s["key"]
    ran = cli_json(cli, ["run", "--model", model, "--prompt", text, "--bos", "--taps", "blocks.%d.attn_pattern" % l,
                         "--format", "json"])
    if ran["ids"] != an["ids"]:
        raise SystemExit("claims: run and analyze tokenised the prompt differently")
    A = ran["taps"]["blocks.%d.attn_pattern" % l][h]  # [T][T]
    col_in = [A[i][key] for i in range(b, e)]
    col_after = [A[i][key] for i in range(e, T)]
    nxt = next((x for x in an["sinks"] if (x["layer"], x["head"], x["key"]) == (l, h, e)), None)
    out["longest_catch"] = {
        "layer": l, "head": h, "key": key, "token": tokens[key], "kind": s["kind"], "score": r6(score),
        "span_begin": b, "span_end": e, "queries": n, "caught_after": sum(1 for i in s["caught"] if i > key),
        "span_text": "".join(tokens[b:e]), "next_token": tokens[e] if e < T else None,
        "attn_min": r6(min(col_in)), "attn_max": r6(max(col_in)),
        "after_span": {
            "query": e if e < T else None,
            "attn_min": r6(min(col_after)) if col_after else None,
            "attn_max": r6(max(col_after)) if col_after else None,
            "next_sink_queries": (lambda be: be[1] - be[0])(run_after(nxt["caught"], e)) if nxt else None,
        },
    }
    others = [c for c in cands if (c[2]["layer"], c[2]["head"]) != (l, h) and c[0] > 0]
    if others:
        o = others[0]
        for c in others:
            if (c[0], c[1]) > (o[0], o[1]):
                o = c
        out["other_longest"] = {"layer": o[2]["layer"], "head": o[2]["head"], "key": o[2]["key"],
                                "token": tokens[o[2]["key"]], "queries": o[0], "score": r6(o[1])}
    return out


def diff_values(a, b, where, out, tol=1e-3):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append("%s.%s: %s" % (where, k, "missing in metrics.json" if k not in a else "not measured any more"))
            else:
                diff_values(a[k], b[k], "%s.%s" % (where, k), out, tol)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append("%s: %d entries stored, %d measured" % (where, len(a), len(b)))
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                diff_values(x, y, "%s[%d]" % (where, i), out, tol)
    elif isinstance(a, bool) or isinstance(b, bool) or isinstance(a, int) and isinstance(b, int):
        if a != b:
            out.append("%s: stored %r, measured %r" % (where, a, b))
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if abs(a - b) > tol:
            out.append("%s: stored %r, measured %r" % (where, a, b))
    elif a != b:
        out.append("%s: stored %r, measured %r" % (where, a, b))


def write_metrics(m):
    with open(path(DEMO + "/metrics.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(m, indent=1, ensure_ascii=False))  # export_lm.py's layout


# ----------------------------------------------------------------------------- regions

RENDER = {
    "readme-demo-lm-arch": r_demo_arch_short,
    "readme-demo-lm": r_demo_summary,
    "readme-averaging": r_readme_averaging,
    "readme-averaging-tally": r_readme_avg_tally,
    "training-readme-averaging": r_training_readme_avg,
    "model-tokens": r_model_tokens,
    "model-arch": r_model_arch,
    "model-val-loss": r_model_val_loss,
    "model-hf-check": r_model_hf,
    "model-sinks": r_model_sinks,
    "model-default-prompt": r_model_prompt,
    "model-prompt-search": r_model_search,
    "model-sweep": r_model_sweep,
    "model-onnx": r_model_onnx,
    "model-limits": r_model_limits,
    "avg-summary-const": r_avg_summary_const,
    "avg-summary-noconst": r_avg_summary_noconst,
    "avg-summary-single01": r_avg_summary_single01,
    "avg-summary-shipped": r_avg_shipped,
    "avg-acceptance": r_avg_acceptance,
    "avg-task-losses": r_avg_task_losses,
    "avg-call3-table": r_avg_table("call3/results.jsonl"),
    "avg-call4-table": r_avg_table("call4/results.jsonl"),
    "avg-outcomes": r_avg_outcomes,
    "avg-cpp-trainer": r_avg_cpp,
    "avg-earlier": r_avg_earlier,
    "avg-a-summary": r_avg_a_summary,
    "avg-a-table": r_avg_a_table,
    "avg-a-ramp": r_avg_a_ramp,
    "avg-b-zero": r_avg_b_zero,
    "avg-b-table": r_avg_b_table,
    "avg-b-families": r_avg_b_families,
    "avg-b-shipped": r_avg_b_shipped,
}

REGION_RE = re.compile(r"<!-- claims:([A-Za-z0-9_.-]+) -->(.*?)<!-- /claims:\1 -->", re.S)
OPEN_RE = re.compile(r"<!-- /?claims:([A-Za-z0-9_.-]+) -->")


def render_doc(text, data, problems, used, rel):
    """text with every region re-rendered; (name, old, new) of each region that changed."""
    changed = []
    pieces, pos = [], 0
    for m in REGION_RE.finditer(text):
        name, inner = m.group(1), m.group(2)
        used.add(name)
        fn = RENDER.get(name)
        if fn is None:
            problems.append("%s: region '%s' has no renderer in scripts/claims.py" % (rel, name))
            continue
        body = fn(data).strip("\n")
        new = "\n" + body + "\n" if inner.startswith("\n") else body
        if new != inner:
            changed.append((name, inner, new))
        pieces += [text[pos:m.start(2)], new]
        pos = m.end(2)
    pieces.append(text[pos:])
    # markers that did not pair up
    paired = {m.start() for m in REGION_RE.finditer(text)} | {m.end() - len("<!-- /claims:%s -->" % m.group(1))
                                                               for m in REGION_RE.finditer(text)}
    for m in OPEN_RE.finditer(text):
        if m.start() not in paired:
            problems.append("%s:%d: unpaired marker %s" % (rel, text.count("\n", 0, m.start()) + 1, m.group(0)))
    return "".join(pieces), changed


# ----------------------------------------------------------------------------- the scan

# A line outside the regions that mentions a model quantity ...
KEYWORDS = re.compile(r"sink|\bBOS\b|share|loss|catch|attention|attn|release|tag_alignment|formed|ratio|span|"
                      r"activation|outlier|logit|solved", re.I)
# ... and holds a decimal, a ratio "NNx", a fraction "N/M" or "N of M", or "1e-5".
NUMBER = re.compile(r"(?<![\w.\-/])(\d+(?:\.\d+)?x\b|\d+\.\d+(?:e-?\d+)?|\d(?:\.\d+)?e-\d+|\d+/\d+|\d+ of \d+)(?![\w.]\d)")
# A number right after a comparison is a threshold ("sink_score(0) > 0.3", "catch_rate >= 0.9").
THRESHOLD = re.compile(r"(>=|<=|>|<|≥|≤)\s*$")
# ... and a number after a setting's name is a setting ("lr 1e-2", "tau 0.5", "temperature 0.8").
SETTING = re.compile(r"(\b(lr|wd|tau|temperature|eps|p_sep|init|R =|top-k|catch_tau|probability)|sink_eps`? \(|--sparsity)\s*$")
# Numbers outside the regions that are not measurements of a model (file: phrases).
ALLOW = {
    "README.md": [
        "2 cores",
    ],
    "models/demo-lm/MODEL.md": [
        "0.85 MB held out",            # corpus size
        "4.4 MB",                      # golden file size
        "transformers 5.17",           # a version
    ],
    "training/averaging_report.md": [
        "64 of 256 evaluation sequences",   # evaluation setting of averaging.py
        "loss within 1e-4 for 50 steps",    # the parity test's tolerance
        "(paper v2: the mechanism emerges in at most 4/10 runs)",  # the paper's number
        "the paper's \"at most 4/10\"",
        # Appendix A: what one sequence through averaging-pos-h1-8 showed (a model no longer in the repo; no data file
        # holds these observations).
        "(0.9 at the start, falling to ~0.4 after ten [SEP]s)",
        "the tokens with the same mixture (release 0.997)",
    ],
}


def scan(rel, text):
    """Lines outside the regions with model-like numbers not on the allow-list."""
    blank = REGION_RE.sub(lambda m: m.group(0)[:0] + "\n" * m.group(0).count("\n"), text)
    hits = []
    header = ""
    for no, line in enumerate(blank.split("\n"), 1):
        if line.startswith("|"):
            header = header or line  # a table row counts the words of its table's header line
        else:
            header = ""
        if not KEYWORDS.search(line) and not (line.startswith("|") and KEYWORDS.search(header)):
            continue
        allowed = []
        for phrase in ALLOW.get(rel, []):
            i = line.find(phrase)
            while i >= 0:
                allowed.append((i, i + len(phrase)))
                i = line.find(phrase, i + 1)
        for m in NUMBER.finditer(line):
            if THRESHOLD.search(line[:m.start()]) or SETTING.search(line[:m.start()]):
                continue
            if any(a <= m.start() and m.end() <= b for a, b in allowed):
                continue
            hits.append("%s:%d: '%s' outside a claims region: %s" % (rel, no, m.group(1), line.strip()[:160]))
    return hits


def data_checks(data):
    """The logs agree with the rule the docs state (training/averaging.py's verdict)."""
    out = []
    for rel in ("call3/results.jsonl", "call4/results.jsonl", "results.jsonl", "results_pos_call1.jsonl",
                "results_pos_call2.jsonl"):
        for r in data.runs(rel):
            if bool(r["formed"]) != rule_formed(r):
                out.append("%s/%s: %s seed %s: formed=%s but the rule gives %s" % (
                    AVG_LOGS, rel, r.get("tag", ""), r["seed"], r["formed"], rule_formed(r)))
    for r in data.runs(CPP_LOG):
        th = r["thresholds"]
        rule = r["catch_rate"] >= th["catch_rate"] and r["tag_alignment"] >= th["tag_alignment"] and \
            r["release_mass"] >= th["release_mass"]
        if rule != r["formed"]:
            out.append("%s/%s: seed %d: formed=%s but its numbers give %s" % (AVG_LOGS, CPP_LOG, r["seed"], r["formed"], rule))
    return out


# ----------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", action="store_true", help="rewrite every claims region from the data")
    g.add_argument("--check", action="store_true", help="exit 1 when a region or an unmarked number disagrees")
    g.add_argument("--measure", action="store_true", help="store default_prompt_analysis in models/demo-lm/metrics.json")
    g.add_argument("--check-measure", action="store_true", help="exit 1 when the CLI's numbers differ from metrics.json")
    ap.add_argument("--cli", default="build/native/sinkscope-cli", help="sinkscope-cli (for --measure, --check-measure)")
    ap.add_argument("--diff", action="store_true", help="with --check: print the expected text of each stale region")
    a = ap.parse_args()
    cli = a.cli if os.path.isabs(a.cli) else os.path.join(ROOT, a.cli)

    if a.measure or a.check_measure:
        got = measure(cli)
        m = load_json(DEMO + "/metrics.json")
        if a.measure:
            m["default_prompt_analysis"] = got
            write_metrics(m)
            c = got["longest_catch"]
            print("claims: default_prompt_analysis stored (T = %d, longest catch L%dH%d key %d: %d queries)"
                  % (got["T"], c["layer"], c["head"], c["key"], c["queries"]) if c else "claims: stored (no catch)")
            return 0
        if "default_prompt_analysis" not in m:
            print("claims: models/demo-lm/metrics.json has no default_prompt_analysis (run --measure)")
            return 1
        diffs = []
        stored = dict(m["default_prompt_analysis"])
        stored.pop("source", None)
        got.pop("source", None)
        diff_values(stored, got, "default_prompt_analysis", diffs)
        for x in diffs:
            print("claims: " + x)
        if diffs:
            print("claims: the CLI no longer gives metrics.json's default_prompt_analysis; if that is intended, run "
                  "`python3 scripts/claims.py --measure --cli %s` and then --write" % a.cli)
            return 1
        print("claims: default_prompt_analysis matches %s" % a.cli)
        return 0

    data = Data()
    problems, used, stale = [], set(), []
    for rel in DOCS:
        with open(path(rel), encoding="utf-8") as f:
            text = f.read()
        new, changed = render_doc(text, data, problems, used, rel)
        if a.write:
            if new != text:
                with open(path(rel), "w", encoding="utf-8") as f:
                    f.write(new)
                print("claims: %s: rewrote %s" % (rel, ", ".join(n for n, _, _ in changed)))
        else:
            for name, old, want in changed:
                stale.append("%s: region '%s' differs from the data" % (rel, name))
                if a.diff:
                    stale.append("  expected:\n" + want + "\n  found:\n" + old)
        if rel in SCANNED:
            problems += scan(rel, new if a.write else text)
    for name in sorted(set(RENDER) - used):
        problems.append("renderer '%s' has no region in %s" % (name, ", ".join(DOCS)))
    problems += data_checks(data)
    for p in stale + problems:
        print("claims: " + p)
    if a.check and (stale or problems):
        print("claims: %d stale region(s), %d other problem(s); `python3 scripts/claims.py --write` rewrites the regions"
              % (len(stale), len(problems)))
        return 1
    if a.write and problems:
        return 1
    if a.check:
        print("claims: %d regions in %d files match the data" % (len(used), len(DOCS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
