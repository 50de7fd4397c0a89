#!/usr/bin/env python3
"""Cleans the raw public-domain sources into one paragraph per line.

Input: the raw folder written by build_corpus.sh. Output (in --out):
train.txt.xz, valid.txt.xz (one paragraph per line, documents shuffled with a
fixed seed, held-out documents never appear in train) and stats.json.
Plain Python 3.11, no numpy: this runs on the developer machine.
"""
import argparse
import glob
import hashlib
import json
import lzma
import os
import random
import re

MAX_PARA = 800  # chars; longer paragraphs are cut at sentence ends so a 512-token window holds several


def squash(s):
    return re.sub(r"\s+", " ", s).strip()


def split_long(p, limit=MAX_PARA):
    """Cut a long paragraph at sentence ends into pieces of at most ~limit chars."""
    if len(p) <= limit:
        return [p]
    out, cur = [], ""
    for s in re.split(r"(?<=[.!?])\s+(?=[\"“‘A-Z0-9(])", p):
        if cur and len(cur) + 1 + len(s) > limit:
            out.append(cur)
            cur = s
        else:
            cur = f"{cur} {s}" if cur else s
    if cur:
        out.append(cur)
    return out


def reflow(lines):
    """Hard-wrapped lines -> paragraphs (blank line = paragraph break)."""
    paras, cur = [], []
    for ln in lines:
        if ln.strip():
            cur.append(ln.strip())
        elif cur:
            paras.append(" ".join(cur))
            cur = []
    if cur:
        paras.append(" ".join(cur))
    return paras


def austen(raw):
    """austen.tsv: book<TAB>line. A document is one chapter."""
    docs, cur, book = [], [], None
    with open(os.path.join(raw, "austen.tsv"), encoding="utf-8") as f:
        for row in f:
            b, _, text = row.rstrip("\n").partition("\t")
            if b != book or re.match(r"^\s*(CHAPTER|Chapter)\b", text):
                if cur:
                    docs.append(("austen", cur))
                cur, book = [], b
                if re.match(r"^\s*(CHAPTER|Chapter)\b", text):
                    continue
            cur.append(text)
    if cur:
        docs.append(("austen", cur))
    out = []
    for src, lines in docs:
        paras = [squash(p) for p in reflow(lines)]
        # drop title lines and chapter headings kept by the reflow
        paras = [p for p in paras if len(p) > 30 or re.search(r"[a-z]", p) and len(p.split()) > 3]
        if paras:
            out.append((src, paras))
    return out


def sotu(raw):
    """One address per file; the text comes with no paragraph breaks, so cut at sentences."""
    out = []
    for fn in sorted(glob.glob(os.path.join(raw, "sotu", "*.json"))):
        d = json.load(open(fn, encoding="utf-8"))
        t = re.sub(r"\[(Applause|Laughter)[^\]]*\]", " ", d["text"])
        t = squash(t)
        paras = split_long(t)
        out.append(("sotu", paras))
    return out


def moby(raw):
    out = []
    for fn in sorted(glob.glob(os.path.join(raw, "moby", "*.json"))):
        d = json.load(open(fn, encoding="utf-8"))
        if not isinstance(d, dict) or "text" not in d:
            continue
        paras = []
        for p in re.split(r"\n\s*\n|\n", d["text"]):
            p = squash(p)
            if p:
                paras.extend(split_long(p))
        if paras:
            out.append(("moby", paras))
    return out


_KEY = re.compile(r"^((?:[1-3I]{1,3} )?[A-Z][A-Za-z ]*?) (\d+):(\d+): ?(.*)$")


def sword(raw, name, kind):
    """diatheke plain output: 'Book c:v: text' lines; commentary entries continue on
    indented lines. Bible texts: verses grouped per chapter into ~MAX_PARA chunks.
    Commentaries: each entry's own line breaks are paragraph breaks."""
    chapters = {}  # (book, chapter) -> list of paragraphs/verses
    order = []
    key = None
    with open(os.path.join(raw, f"{name}.txt"), encoding="utf-8") as f:
        for ln in f:
            ln = ln.rstrip("\n")
            if re.match(r"^\((eng|MHCC|Scofield|TDavid)\w*\)$", ln.strip()):
                break  # module trailer: after it comes a glossary, not scripture
            m = _KEY.match(ln)
            if m:
                key = (m.group(1), int(m.group(2)))
                if key not in chapters:
                    chapters[key] = []
                    order.append(key)
                chapters[key].append(("new", m.group(4)))
            elif key is not None:
                chapters[key].append(("cont", ln))
    out = []
    for k in order:
        items = chapters[k]
        if kind == "bible":
            verses = [squash(t) for _, t in items if squash(t)]
            paras, cur = [], ""
            for v in verses:
                if cur and len(cur) + 1 + len(v) > MAX_PARA:
                    paras.append(cur)
                    cur = v
                else:
                    cur = f"{cur} {v}" if cur else v
            if cur:
                paras.append(cur)
        else:
            paras = []
            for _, t in items:
                t = re.sub(r"(^|\s)\*+(?=\s|$)", " ", t)  # italics/emphasis markers
                t = re.sub(r"\s\*\s", " ", t)
                t = squash(t)
                if t:
                    paras.extend(split_long(t))
        paras = [p for p in paras if len(p) > 1]
        if paras:
            out.append((name, paras))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--valid-share", type=float, default=0.02)
    a = ap.parse_args()

    docs = austen(a.raw) + sotu(a.raw) + moby(a.raw)
    docs += sword(a.raw, "web", "bible") + sword(a.raw, "kjv", "bible")
    for c in ("tdavid", "mhcc", "scofield"):
        docs += sword(a.raw, c, "comm")

    # De-duplicate paragraphs over the whole corpus (MHCC repeats an entry for every verse it covers).
    seen, kept_docs, dropped = set(), [], 0
    for src, paras in docs:
        keep = []
        for p in paras:
            h = hashlib.sha1(p.lower().encode()).digest()
            if h in seen:
                dropped += 1
                continue
            seen.add(h)
            keep.append(p)
        if keep:
            kept_docs.append((src, keep))

    rng = random.Random(a.seed)
    rng.shuffle(kept_docs)
    n_valid = max(1, int(len(kept_docs) * a.valid_share))
    valid, train = kept_docs[:n_valid], kept_docs[n_valid:]

    os.makedirs(a.out, exist_ok=True)
    stats = {"seed": a.seed, "docs": len(kept_docs), "valid_docs": n_valid, "dup_paragraphs_dropped": dropped, "sources": {}}
    for src, paras in kept_docs:
        s = stats["sources"].setdefault(src, {"docs": 0, "paragraphs": 0, "chars": 0})
        s["docs"] += 1
        s["paragraphs"] += len(paras)
        s["chars"] += sum(len(p) + 1 for p in paras)
    for name, part in (("train", train), ("valid", valid)):
        text = "".join(p + "\n" for _, paras in part for p in paras)
        stats[f"{name}_chars"] = len(text)
        with lzma.open(os.path.join(a.out, f"{name}.txt.xz"), "wt", encoding="utf-8", preset=6) as f:
            f.write(text)
    with open(os.path.join(a.out, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
