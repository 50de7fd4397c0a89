#!/usr/bin/env python3
"""Tokenizer golden data for the C++ tokenizer's tests (tests/unit/tokenizer/tokenizer.cpp).

Two steps:
  1. here (CPU, Debian):  python3 training/make_tokenizer_golden.py corpus
     writes training/tok_corpus/tokenizer_corpus.txt from /usr/share/common-licenses
     plus the multilingual lines below (a local, git-excluded folder).
  2. on the GPU machine (it has `tokenizers`), carrying training/tok_corpus:
     python3 training/make_tokenizer_golden.py golden --out DIR [--only NAME,NAME]
     trains small BPE tokenizers in the styles of GPT-2, Llama 3, Llama 2 (also
     Phi-3's and Mistral's), GPT-NeoX, Qwen2 and Gemma and writes, per tokenizer,
     DIR/<name>/tokenizer.json and DIR/<name>/golden.json (--only: just these
     names, so the others stay as committed).

golden.json holds, for every hard string (as hex of its raw bytes, so invalid
UTF-8 survives JSON), the ids and BYTE offsets `tokenizers` gives with and
without the post-processor's special tokens. Python's `tokenizers` reports
character offsets; we map them back to byte offsets of the raw input (a
Python str made with errors="replace" turns each invalid subsequence into one
U+FFFD; that U+FFFD's range is the invalid bytes it replaced).
"""
import glob
import json
import os
import sys
import traceback

MULTILINGUAL = [
    "Le renard brun rapide saute par-dessus le chien paresseux. Où est la bibliothèque ?",
    "Der schnelle braune Fuchs springt über den faulen Hund. Größe, Straße, Übung.",
    "El rápido zorro marrón salta sobre el perro perezoso. ¿Dónde está la estación?",
    "Быстрая коричневая лиса прыгает через ленивую собаку. Привет, как дела?",
    "Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο.",
    "机器学习是人工智能的一个分支。我们今天去公园散步吧。",
    "今日はいい天気ですね。東京は日本の首都です。カタカナとひらがな。",
    "빠른 갈색 여우가 게으른 개를 뛰어넘습니다. 안녕하세요.",
    "الثعلب البني السريع يقفز فوق الكلب الكسول. مرحبا بالعالم.",
    "तेज़ भूरी लोमड़ी आलसी कुत्ते के ऊपर कूदती है। नमस्ते।",
    "Attention sinks: the first token catches attention 😀 🚀 👍 ✨ 🤖",
    "Numbers 0 1 2 3 42 1000 3.14 2024-05-17 and code: for (int i = 0; i < n; ++i) { x += y; }",
    "Tabs\tand  double  spaces   and\nnewlines\n\nkeep their shape.",
]

HARD = [
    ("empty", ""),
    ("hello", "Hello world"),
    ("leading_space", " Hello"),
    ("leading_trailing_spaces", "   Hello  world   "),
    ("trailing_space", "Hello "),
    ("only_spaces", "     "),
    ("single_space", " "),
    ("single_letter", "a"),
    ("tabs_newlines", "a\tb\t\tc\n\nd\r\ne \n f\n"),
    ("space_newline_mix", "line one  \n\n   line two\t \n"),
    ("many_newlines", "\n\n\n\nx\n\n"),
    ("spaces_before_punct", "a   !  ?\t\t. \n,"),
    ("contractions", "I'm sure it's what we've said they'll do, you'd think; we're HERE'S IT'LL"),
    ("contractions_odd", "'s 't ''s ' s 'S don't rock'n'roll"),
    ("digits", "1 12 123 1234 12345 3.14159 1,000,000 2024-01-31 0x1F"),
    ("long_number", "123456789012345678901234567890"),
    ("digits_letters", "abc123def 4567ghi"),
    ("punct_runs", "Wait... what?!?! (yes) [no] {maybe} --> <== ***bold*** ..."),
    ("punct_newline", "end.\n\nNext!\r\n\r\nok:\n"),
    ("emoji", "I love 🤖 and 😀😀!"),
    ("emoji_zwj", "family: 👨‍👩‍👧‍👦 flag: 🇫🇷 thumbs: 👍🏽"),
    ("cjk", "机器学习很有趣。日本語のテキスト、한국어 텍스트"),
    ("accents_composed", "café naïve résumé Ångström"),
    ("accents_decomposed", "cafe\u0301 nai\u0308ve re\u0301sume\u0301 A\u030angstro\u0308m"),
    ("arabic", "مرحبا بالعالم، كيف حالك؟"),
    ("hindi", "नमस्ते दुनिया"),
    ("greek_cyrillic", "Καλημέρα κόσμε. Привет, мир!"),
    ("mixed_scripts", "GPT-2は2019年にreleaseされた🚀ok"),
    ("unseen_chars", "\u16a0\u16a1 \U0001d54f \u2603 \U0001f9ec \ua66e"),
    ("unicode_spaces", "a\u00a0b\u3000c\u2009d \u2028e"),
    ("control_chars", "a\x00b\x07c\x1b[0m"),
    ("replacement_char", "bad \ufffd char"),
    ("code", "def f(x):\n    return x**2  # square\n"),
    ("url", "https://example.com/path?q=1&r=two#frag"),
    ("long_paragraph",
     "Everyone is permitted to copy and distribute verbatim copies of this license "
     "document, but changing it is not allowed. The licenses for most software are "
     "designed to take away your freedom to share and change it.  By contrast, the "
     "GNU General Public License is intended to guarantee your freedom to share and "
     "change free software--to make sure the software is free for all its users."),
]

INVALID = [
    ("invalid_ff", b"abc\xff def"),
    ("invalid_trunc2", b"\xc3("),
    ("invalid_trunc3", b"x\xe2\x82 y"),
    ("invalid_trunc4_end", b"ok \xf0\x9f\x98"),
    ("invalid_surrogate", b"\xed\xa0\x80z"),
    ("invalid_overlong", b"\xc0\xaf\xe0\x80\xaf!"),
    ("invalid_continuations", b"\x80\x80abc \xbf"),
    ("invalid_mixed", "é".encode() + b"\xfe\xfe" + "😀".encode()[:2] + "😀".encode()),
]


def make_corpus():
    parts = []
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(path) and not os.path.islink(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                parts.append(f.read())
    parts.append("\n".join(MULTILINGUAL * 30))
    os.makedirs("training/tok_corpus", exist_ok=True)
    with open("training/tok_corpus/tokenizer_corpus.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(parts))
    print("corpus bytes:", os.path.getsize("training/tok_corpus/tokenizer_corpus.txt"))


def decode_with_map(raw):
    """str as Python's errors='replace' makes it, and each char's byte range in raw."""
    chars, ranges, pos = [], [], 0
    while pos < len(raw):
        try:
            good = raw[pos:].decode("utf-8")
            bad = None
        except UnicodeDecodeError as e:
            good = raw[pos:pos + e.start].decode("utf-8")
            bad = e.end - e.start
        for ch in good:
            n = len(ch.encode("utf-8"))
            chars.append(ch)
            ranges.append((pos, pos + n))
            pos += n
        if bad is None:
            break
        chars.append("\ufffd")
        ranges.append((pos, pos + bad))
        pos += bad
    text = "".join(chars)
    assert text == raw.decode("utf-8", errors="replace")
    return text, ranges


def byte_offsets(char_offsets, ranges, nbytes):
    out = []
    for cs, ce in char_offsets:
        if cs == ce:
            b = ranges[cs][0] if cs < len(ranges) else nbytes
            out.append([b, b])
        else:
            out.append([ranges[cs][0], ranges[ce - 1][1]])
    return out


def golden_for(tok, cases):
    rows = []
    for name, raw in cases:
        text, ranges = decode_with_map(raw)
        row = {"name": name, "hex": raw.hex()}
        for key, flag in (("bos", True), ("nobos", False)):
            enc = tok.encode(text, add_special_tokens=flag)
            row["ids_" + key] = enc.ids
            row["offsets_" + key] = byte_offsets(enc.offsets, ranges, len(raw))
            if key == "nobos":
                row["char_offsets_nobos"] = [list(o) for o in enc.offsets]
                row["tokens_nobos"] = enc.tokens
        row["decoded_hex"] = tok.decode(row["ids_nobos"], skip_special_tokens=False).encode("utf-8").hex()
        rows.append(row)
    return rows


def cases_for(special, bos):
    cases = [(n, s.encode("utf-8")) for n, s in HARD]
    cases += [
        ("special_inside", f"Hello{special}world {special} again{special}".encode()),
        ("special_only", special.encode()),
        ("special_twice", (special + special).encode()),
        ("special_partial", (special[:-2] + " text").encode()),
        ("bos_literal", f"{bos} starts, {bos}".encode()),
    ]
    cases += INVALID
    long = (" ".join(s for _, s in HARD) + " ") * 3
    cases.append(("long_2000", long[:2000].encode("utf-8")))
    return cases


def byte_fallback_layout(tok, specials):
    """A trained BPE's vocabulary laid out as SentencePiece models are: the
    special tokens, the 256 <0xNN> byte tokens, then the learned pieces in
    order; and its merges as pairs."""
    trained = json.loads(tok.to_str())["model"]
    vocab = {t: i for i, t in enumerate(specials)}
    for b in range(256):
        vocab["<0x%02X>" % b] = len(vocab)
    for t, _ in sorted(trained["vocab"].items(), key=lambda kv: kv[1]):
        if t not in vocab:
            vocab[t] = len(vocab)
    merges = [tuple(m) if not isinstance(m, str) else tuple(m.split(" ")) for m in trained["merges"]]
    return vocab, merges


def main_golden(out, only=()):
    from tokenizers import (Regex, Tokenizer, decoders, models, normalizers,
                            pre_tokenizers, processors, trainers)
    import tokenizers
    print("tokenizers", tokenizers.__version__)
    corpus = open("training/tok_corpus/tokenizer_corpus.txt", encoding="utf-8").read().splitlines()
    corpus = [l for l in corpus if l.strip()]
    byte_alpha = pre_tokenizers.ByteLevel.alphabet()

    def save(name, tok, special, bos):
        if only and name not in only:
            return
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        tok.save(os.path.join(d, "tokenizer.json"), pretty=False)
        rows = golden_for(tok, cases_for(special, bos))
        with open(os.path.join(d, "golden.json"), "w", encoding="utf-8") as f:
            json.dump({"tokenizer": name, "tokenizers_version": tokenizers.__version__,
                       "cases": rows}, f, ensure_ascii=True)
        print(name, "vocab", tok.get_vocab_size(), "size", os.path.getsize(os.path.join(d, "tokenizer.json")))

    def step0():
        # (a) GPT-2 style: ByteLevel with the GPT-2 regex, merges in the old "a b" form.
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
        tok.train_from_iterator(corpus, trainers.BpeTrainer(
            vocab_size=1500, min_frequency=2, special_tokens=["<|endoftext|>", "<|bos|>"],
            initial_alphabet=byte_alpha, show_progress=False))
        d = json.loads(tok.to_str())
        d["model"]["merges"] = [m if isinstance(m, str) else " ".join(m) for m in d["model"]["merges"]]
        tok = Tokenizer.from_str(json.dumps(d))
        save("gpt2-style", tok, "<|endoftext|>", "<|bos|>")
    try:
        step0()
    except Exception:  # keep the other tokenizers' golden data
        traceback.print_exc()

    def step1():
        # (b) Llama 3 style: Split(regex) + ByteLevel(use_regex=false), ignore_merges, BOS by template.
        pat = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(pat), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
        tok.decoder = decoders.ByteLevel()
        tok.train_from_iterator(corpus, trainers.BpeTrainer(
            vocab_size=1800, min_frequency=2,
            special_tokens=["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"],
            initial_alphabet=byte_alpha, show_progress=False))
        bos_id = tok.token_to_id("<|begin_of_text|>")
        tok.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(
                single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
                special_tokens=[("<|begin_of_text|>", bos_id)])])
        d = json.loads(tok.to_str())
        d["model"]["ignore_merges"] = True
        tok = Tokenizer.from_str(json.dumps(d))
        save("llama3-style", tok, "<|eot_id|>", "<|begin_of_text|>")
    try:
        step1()
    except Exception:  # keep the other tokenizers' golden data
        traceback.print_exc()

    def step2():
        # (c) Llama 2 style: normalizer Prepend + Replace, BPE with <0xNN> byte fallback,
        # vocab laid out like Llama 2 (<unk> <s> </s>, 256 byte tokens, then merges).
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=True)
        tok.train_from_iterator(corpus, trainers.BpeTrainer(
            vocab_size=1500, min_frequency=2, special_tokens=["<unk>", "<s>", "</s>"],
            limit_alphabet=150, show_progress=False))
        vocab, merges = byte_fallback_layout(tok, ["<unk>", "<s>", "</s>"])

        def llama2(pipeline):
            t = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>",
                                     byte_fallback=True, fuse_unk=True))
            t.add_special_tokens(["<unk>", "<s>", "</s>"])
            if pipeline == "normalizer":
                t.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"),
                                                     normalizers.Replace(" ", "\u2581")])
            else:
                t.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first",
                                                           split=False)
            t.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(),
                                           decoders.Fuse(), decoders.Strip(" ", 1, 0)])
            t.post_processor = processors.TemplateProcessing(
                single="<s> $A", pair="<s> $A <s> $B:1", special_tokens=[("<s>", 1)])
            return t
        save("llama2-style", llama2("normalizer"), "</s>", "<s>")
        save("llama2-metaspace", llama2("metaspace"), "</s>", "<s>")
    try:
        step2()
    except Exception:  # keep the other tokenizers' golden data
        traceback.print_exc()

    def step3():
        # (d) GPT-NeoX style: NFC normalizer, ByteLevel with trim_offsets in the post-processor.
        tok = Tokenizer(models.BPE())
        tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True)
        tok.decoder = decoders.ByteLevel()
        tok.post_processor = processors.ByteLevel(trim_offsets=True)
        tok.train_from_iterator(corpus, trainers.BpeTrainer(
            vocab_size=1200, min_frequency=2, special_tokens=["<|endoftext|>", "<|padding|>"],
            initial_alphabet=byte_alpha, show_progress=False))
        save("neox-style", tok, "<|endoftext|>", "<|padding|>")
    try:
        step3()
    except Exception:  # keep the other tokenizers' golden data
        traceback.print_exc()

    def step4():
        # (e) Qwen2 / Qwen2.5 style: NFC, Split with Qwen's regex (digits one at a time,
        # unlike Llama 3's \p{N}{1,3}), ByteLevel without its own regex, no BOS.
        pat = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
        tok = Tokenizer(models.BPE())
        tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(pat), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
        tok.decoder = decoders.ByteLevel()
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
        tok.train_from_iterator(corpus, trainers.BpeTrainer(
            vocab_size=1600, min_frequency=2, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            initial_alphabet=byte_alpha, show_progress=False))
        save("qwen2-style", tok, "<|im_end|>", "<|endoftext|>")
    try:
        step4()
    except Exception:  # keep the other tokenizers' golden data
        traceback.print_exc()

    def step5():
        # (f) Gemma style: spaces replaced by U+2581 with nothing prepended, no
        # pre-tokenizer (so no split at spaces), BPE with <0xNN> byte fallback,
        # <bos> by template; vocab laid out <pad> <eos> <bos> <unk>, bytes, merges.
        tok = Tokenizer(models.BPE())
        tok.normalizer = normalizers.Replace(" ", "\u2581")
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="never", split=True)
        tok.train_from_iterator(corpus, trainers.BpeTrainer(
            vocab_size=1500, min_frequency=2, special_tokens=["<pad>", "<eos>", "<bos>", "<unk>"],
            limit_alphabet=150, show_progress=False))
        vocab, merges = byte_fallback_layout(tok, ["<pad>", "<eos>", "<bos>", "<unk>"])
        t = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", byte_fallback=True, fuse_unk=True))
        t.add_special_tokens(["<pad>", "<eos>", "<bos>", "<unk>"])
        t.normalizer = normalizers.Replace(" ", "\u2581")
        t.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse()])
        t.post_processor = processors.TemplateProcessing(
            single="<bos> $A", pair="<bos> $A <bos> $B:1", special_tokens=[("<bos>", 2)])
        save("gemma-style", t, "<eos>", "<bos>")
    try:
        step5()
    except Exception:  # keep the other tokenizers' golden data
        traceback.print_exc()

    if only:
        return
    # Real checkpoints' tokenizers, when a models/<name>/tokenizer.json is in the tree.
    for path in sorted(glob.glob("models/*/tokenizer.json")):
        name = "model-" + os.path.basename(os.path.dirname(path))
        try:
            tok = Tokenizer.from_file(path)
            rows = golden_for(tok, cases_for("<|endoftext|>", "<s>"))
            d = os.path.join(out, name)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "golden.json"), "w", encoding="utf-8") as f:
                json.dump({"tokenizer": path, "tokenizers_version": tokenizers.__version__,
                           "cases": rows}, f, ensure_ascii=True)
            print(name, "golden from", path)
        except Exception as e:  # a model's tokenizer we cannot load is reported, not fatal
            print("skip", path, e)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "corpus":
        make_corpus()
    elif len(sys.argv) >= 4 and sys.argv[1] == "golden" and sys.argv[2] == "--out":
        only = sys.argv[5].split(",") if len(sys.argv) >= 6 and sys.argv[4] == "--only" else ()
        main_golden(sys.argv[3], only)
    else:
        print(__doc__)
        sys.exit(2)
