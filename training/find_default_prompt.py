#!/usr/bin/env python3
"""Search the demo LM's DEFAULT PROMPT (the text the UI shows first) for a clear
prompt-dependent sink: a head whose sink s > 0 (a punctuation or newline token, not BOS)
catches a long contiguous span of queries with attention >= 0.5, in a prompt that also
keeps strong BOS sinks.

Definitions as in docs/metrics.md / lm_metrics.py: caught(s) = queries i >= s with A[i, s] >= tau
(s itself included: A[s, s] counts), catch_span(s) = the longest contiguous run of them.

Candidates: hand-written passages (several sentences, punctuation, newlines, the kind of
English the model was trained on), each in four layouts (as written, one line, one sentence
per line, with a trailing newline). The model is run through Hugging Face transformers in
fp32 with eager attention, i.e. the same patterns the golden file checks the C++ engine against.

Run on the device (needs torch, transformers, tokenizers):
  python3 training/find_default_prompt.py --model models/demo-lm --out $OUT/prompt
or on a CPU without transformers/tokenizers (Debian python3-torch):
  /usr/bin/python3 training/find_default_prompt.py --backend local --device cpu
(lm_model.LlamaLM, equal to HF Llama, plus MiniBPE below, checked against golden/prompts.json ids).
The shipped default prompt came from the second round:
  /usr/bin/python3 training/find_default_prompt.py --backend local --device cpu \
      --passages training/logs/default_prompt/extra_passages.json --out /tmp/fp/out
(288 candidates; the local and the device backend agree on all 158 first-round candidates).
Writes <out>/candidates.json (every candidate, best first) and <out>/default_prompt.txt.
"""
import argparse
import json
import os
import re

import numpy as np
import torch

PASSAGES = [
    "The ship left the harbour at dawn. The sea was calm, and the men were glad.\n"
    "By noon the wind rose; the sails filled, and the land fell away behind them.\n",
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
    "must be in want of a wife.\nHowever little known the feelings or views of such a man may be,",
    "In the beginning God created the heaven and the earth.\nAnd the earth was without form, and void; "
    "and darkness was upon the face of the deep.\n",
    "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, "
    "I thought I would sail about a little.\n",
    "Mr. Speaker, the state of our Union is strong. Our economy is growing, our people are working, "
    "and our children are learning.\nWe have much to do.\n",
    "The morning was cold and grey. Anne put on her bonnet, took her sister's arm, and walked to the village.\n"
    "The road was wet; the hedges dripped.\n",
    "We met at the old house by the river. It was late, and the lamps were lit.\n"
    "Nobody spoke for a long time. Then my father stood up and said: we must go.\n",
    "The farmer rose before the sun. He fed the horses, mended the fence, and walked the long field.\n"
    "At night he was tired, but he was happy.\n",
    "Dear Sir,\nI received your letter this morning. I am sorry to hear of your trouble, "
    "and I will come to London as soon as I can.\nYours truly,\nJohn\n",
    "The captain looked at the sky. Clouds were gathering in the west, dark and heavy.\n"
    "\"Take in the sails,\" he said. \"A storm is coming.\"\n",
    "Our nation faces many challenges. We must build roads, schools, and hospitals; we must keep our people safe.\n"
    "These are not easy tasks. But they are our duty.\n",
    "The town was small and quiet. There was one church, one school, and one shop.\n"
    "Everyone knew everyone else, and nothing ever happened.\n",
    "Emma sat by the window. She was thinking of the ball, of the music, and of him.\n"
    "Would he come tomorrow? She could not tell.\n",
    "The whale rose from the sea. Its back was white, and its great tail struck the water.\n"
    "The men in the boats cried out; they had found him at last.\n",
    "And the Lord spake unto Moses, saying,\nSpeak unto the children of Israel, and say unto them:\n"
    "Ye shall keep my statutes, and do them.\n",
    "Blessed are the poor in spirit: for theirs is the kingdom of heaven.\n"
    "Blessed are they that mourn: for they shall be comforted.\n",
    "My dear Jane, I have news. Mr. Bingley is come back to Netherfield, and he called on us today.\n"
    "Mama is in raptures; Kitty is silent.\n",
    "The war is over. Our soldiers are coming home, and our factories are turning to the work of peace.\n"
    "Let us be worthy of them.\n",
    "It was a dark night. The wind howled through the trees, and the rain beat on the windows.\n"
    "In the kitchen, the old woman sat alone by the fire.\n",
    "First, wash the potatoes. Then cut them into small pieces, and put them in a pot of cold water.\n"
    "Boil them for twenty minutes.\n",
    "The children ran down the hill. They laughed and shouted, and the dog ran after them.\n"
    "At the bottom, they fell into the grass.\n",
    "There was a king who had three sons. The eldest was strong, the second was clever, "
    "and the youngest was kind.\nOne day the king fell ill.\n",
    "The letter came on Monday. It was short, and it was not kind.\n"
    "She read it twice, then put it in the fire, and went out to walk in the garden.\n",
    "I have seen the sea in every season. In summer it is blue and gentle; in winter it is grey and wild.\n"
    "I love it still.\n",
    "The river was wide and slow. On its banks stood tall trees, and in their shade the cattle rested.\n"
    "A boat drifted past.\n",
    "Fellow-citizens, I thank you. You have given me a great trust, and I will not fail you.\n"
    "Together, we will make this country stronger.\n",
    "The house was empty. Dust lay on the tables, the chairs, and the floor.\n"
    "Upstairs, a door was open; a cold wind came through it.\n",
    "He was a tall man, with dark hair and a grave face. He spoke little, but when he spoke, men listened.\n",
    "The birds sang in the trees. The sun was warm, and the flowers were open.\n"
    "It was the first day of spring, and the whole village was out of doors.\n",
    "Then Jesus said unto them, Come and see.\nThey came and saw where he dwelt, "
    "and abode with him that day: for it was about the tenth hour.\n",
    "We are a young nation, but we are a strong one. Our land is rich; our people are free.\n"
    "Let us never forget it.\n",
    "Mrs. Bennet was in high spirits. She talked of the ball, of the officers, and of the weather.\n"
    "Mr. Bennet said nothing.\n",
    "The sailors climbed the mast. Below them the deck was small, and the sea was very large.\n"
    "One of them began to sing.\n",
    "Knowledge is power. Reading makes a full man; conference a ready man; and writing an exact man.\n",
    "The train was late. We waited on the cold platform, and watched the snow fall on the rails.\n"
    "At last, a light appeared.\n",
    "Once upon a time, there was a little girl who lived in a village near the forest.\n"
    "Her mother loved her, and her grandmother loved her even more.\n",
    "The meeting began at nine. The chairman read the report, the members asked questions, "
    "and the vote was taken.\nThe motion passed.\n",
    "O Lord, thou hast searched me, and known me.\nThou knowest my downsitting and mine uprising, "
    "thou understandest my thought afar off.\n",
    "The sun had set. The sky was red, then purple, then black; one by one, the stars came out.\n"
    "The camp was quiet.\n",
    "She opened the door. The room was full of light, and a fire was burning.\n"
    "On the table lay a book, a pen, and a letter with her name on it.\n",
]


def layouts(text):
    """Four versions of one passage: as written, one line, one sentence per line, trailing newline."""
    one = re.sub(r"\s*\n\s*", " ", text).strip()
    per = re.sub(r"([.!?;:])\s+", r"\1\n", one).strip() + "\n"
    out = [text, one, per, text.rstrip("\n") + "\n\n"]
    seen, res = set(), []
    for t in out:
        if t not in seen:
            seen.add(t)
            res.append(t)
    return res


def catch_spans(a, tau):
    """a: [H, T, T] one layer's patterns. Returns (span [H, T], start [H, T]) for every key s:
    the longest contiguous run of queries i >= s with a[h, i, s] >= tau."""
    H, T, _ = a.shape
    ok = (a >= tau)  # [H, T(q), T(k)]; the causal mask already zeroes i < s
    span = torch.zeros(H, T, dtype=torch.long)
    start = torch.full((H, T), -1, dtype=torch.long)
    run = torch.zeros(H, T, dtype=torch.long)
    for i in range(T):  # walk the queries; run[h, s] = current run length ending at i
        run = torch.where(ok[:, i, :], run + 1, torch.zeros_like(run))
        better = run > span
        span = torch.where(better, run, span)
        start = torch.where(better, torch.full_like(start, i) - run + 1, start)
    return span, start


def sinkish(tok_text):
    """A prompt-dependent sink token: punctuation or a newline (not a word piece)."""
    return bool(re.search(r"[^\w\s]|\n", tok_text)) and not re.search(r"[A-Za-z0-9]", tok_text)


def evaluate(model, tok, text, tau, dev):
    enc = tok.encode(text)
    ids = enc.ids
    with torch.no_grad():
        o = model(torch.tensor([ids], device=dev), output_attentions=True)
    T = len(ids)
    pieces = [tok.decode([i], skip_special_tokens=False) for i in ids]
    best, heads_ge8, bos_share = None, 0, []
    for l, att in enumerate(o.attentions):
        a = att[0].float().cpu()  # [H, T, T]
        H = a.shape[0]
        bos = a[:, :, 0].mean(-1)  # [H]: sink_score(0)
        bos_share.append(float((bos > 0.3).float().mean()))
        span, start = catch_spans(a, tau)
        for h in range(H):
            longest = 0
            for s in range(1, T):
                n = int(span[h, s])
                if n == 0 or not sinkish(pieces[s]):
                    continue
                longest = max(longest, n)
                score = float(a[h, s:, s].mean())  # sink_score(s)
                rec = {"layer": l, "head": h, "sink": s, "sink_token": pieces[s], "start": int(start[h, s]),
                       "span": n, "sink_score": round(score, 4)}
                if best is None or (n, score) > (best["span"], best["sink_score"]):
                    best = rec
            heads_ge8 += int(longest >= 8)
    return {"text": text, "n_tokens": T, "best": best, "heads_with_span_ge8": heads_ge8,
            "bos_share_per_layer": [round(x, 3) for x in bos_share],
            "bos_share_mean_1_to_L": round(sum(bos_share[1:]) / max(1, len(bos_share) - 1), 3)}


class MiniBPE:
    """Byte-level BPE encoder for tokenizer.json (GPT-2 pre-tokenizer regex, BOS by the
    post-processor), for machines without the tokenizers package. Python's re lacks \\p{L};
    [^\\W\\d_] is its letter class, close enough for the English prompts here (main()
    checks it against the ids in golden/prompts.json before use)."""

    PAT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+|_+""")

    def __init__(self, path):
        t = json.load(open(path))
        self.vocab = t["model"]["vocab"]
        self.inv = {v: k for k, v in self.vocab.items()}
        self.rank = {tuple(m if isinstance(m, list) else m.split(" ")): i for i, m in enumerate(t["model"]["merges"])}
        bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
        cs, n = bs[:], 0
        for b in range(256):
            if b not in bs:
                bs.append(b)
                cs.append(256 + n)
                n += 1
        self.b2u = {b: chr(c) for b, c in zip(bs, cs)}
        self.u2b = {v: k for k, v in self.b2u.items()}

    def _bpe(self, word):
        parts = list(word)
        while len(parts) > 1:
            pairs = [(self.rank.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            r, i = min(pairs)
            if r == 1 << 30:
                break
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        return parts

    def encode(self, text):  # -> ids with BOS
        ids = [0]
        for w in self.PAT.findall(text):
            ids += [self.vocab[p] for p in self._bpe("".join(self.b2u[b] for b in w.encode()))]
        return ids

    def decode(self, ids):
        return bytes(self.u2b[c] for i in ids if i != 0 for c in self.inv[i]).decode(errors="replace")


class Enc:  # the tokenizers.Encoding shape evaluate() uses
    def __init__(self, ids):
        self.ids = ids


class LocalTok:
    def __init__(self, path):
        self.t = MiniBPE(path)

    def encode(self, text):
        return Enc(self.t.encode(text))

    def decode(self, ids, skip_special_tokens=False):
        return self.t.decode(ids)


class LocalModel:
    """lm_model.LlamaLM (same math and names as HF Llama) with HF's call shape."""

    def __init__(self, model_dir):
        import sys
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import st_io
        from lm_model import LMConfig, LlamaLM
        c = json.load(open(os.path.join(model_dir, "config.json")))
        cfg = LMConfig(vocab_size=c["vocab_size"], hidden_size=c["hidden_size"], intermediate_size=c["intermediate_size"],
                       num_hidden_layers=c["num_hidden_layers"], num_attention_heads=c["num_attention_heads"],
                       max_position_embeddings=c["max_position_embeddings"], rms_norm_eps=c["rms_norm_eps"],
                       rope_theta=c["rope_theta"])
        self.m = LlamaLM(cfg).eval()
        sd = st_io.load(os.path.join(model_dir, "model.safetensors"))
        self.m.load_state_dict({k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in sd.items()})

    def __call__(self, x, output_attentions=True):
        _, taps = self.m.forward_taps(x)
        n = self.m.config.num_hidden_layers

        class O:
            attentions = [taps[f"blocks.{l}.attn_pattern"] for l in range(n)]
        return O


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/demo-lm")
    ap.add_argument("--out", default="training/out/prompt")
    ap.add_argument("--max-tokens", type=int, default=64, help="with BOS; the UI's first view")
    ap.add_argument("--tau", type=float, default=0.5)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--backend", default="hf", choices=["hf", "local"])
    ap.add_argument("--passages", default="", help="a JSON list of extra passages to try")
    a = ap.parse_args()
    dev = torch.device(a.device)
    if a.backend == "hf":
        from tokenizers import Tokenizer
        from transformers import LlamaForCausalLM
        tok = Tokenizer.from_file(os.path.join(a.model, "tokenizer.json"))
        try:
            model = LlamaForCausalLM.from_pretrained(a.model, dtype=torch.float32, attn_implementation="eager")
        except TypeError:
            model = LlamaForCausalLM.from_pretrained(a.model, torch_dtype=torch.float32, attn_implementation="eager")
        model = model.to(dev).eval()
    else:
        torch.set_num_threads(2)
        tok, model = LocalTok(os.path.join(a.model, "tokenizer.json")), LocalModel(a.model)
        gold = json.load(open(os.path.join(a.model, "golden", "prompts.json")))["prompts"]
        for p in gold:  # the stand-in tokenizer must agree with the real one
            assert tok.encode(p["text"]).ids == p["ids"], ("MiniBPE disagrees with tokenizers on", p["text"])
    passages = PASSAGES + (json.load(open(a.passages)) if a.passages else [])
    os.makedirs(a.out, exist_ok=True)
    res, skipped = [], 0
    for p in passages:
        for text in layouts(p):
            if len(tok.encode(text).ids) > a.max_tokens:
                skipped += 1
                continue
            try:
                res.append(evaluate(model, tok, text, a.tau, dev))
            except Exception as e:  # one bad candidate must not lose the search
                print("candidate failed:", repr(text[:40]), e, flush=True)
    # Rank: longest punctuation/newline catch, then how many heads catch >= 8, then BOS sinks.
    key = lambda r: (r["best"]["span"] if r["best"] else 0, r["heads_with_span_ge8"], r["bos_share_mean_1_to_L"])
    res.sort(key=key, reverse=True)
    json.dump({"tau": a.tau, "max_tokens": a.max_tokens, "n_candidates": len(res), "skipped_too_long": skipped,
               "candidates": res}, open(os.path.join(a.out, "candidates.json"), "w"), indent=1, ensure_ascii=False)
    open(os.path.join(a.out, "default_prompt.txt"), "w").write(res[0]["text"])
    print(f"{len(res)} candidates ({skipped} too long); top 5:")
    for r in res[:5]:
        print(json.dumps({k: r[k] for k in ("n_tokens", "best", "heads_with_span_ge8", "bos_share_mean_1_to_L")}),
              repr(r["text"]), flush=True)


if __name__ == "__main__":
    main()
