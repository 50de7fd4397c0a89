#!/usr/bin/env python3
"""Makes tests/data/models/tiny-chars: the engine's tiny random Llama
(tests/data/tiny/llama, vocab 96) with a character-level byte-level BPE
tokenizer of exactly 96 tokens, so the browser and native smoke tests have a
small, complete model folder (config.json, tokenizer.json, model.safetensors)
that loads in milliseconds. Run from the repository root; stdlib only."""
import json, os, shutil

src = "tests/data/tiny/llama"
dst = "tests/data/models/tiny-chars"
os.makedirs(dst, exist_ok=True)

cfg = json.load(open(os.path.join(src, "config.json")))
vocab_size = cfg["vocab_size"]
# id 0 = <s>; GPT-2 byte-level alphabet: space -> U+0120, newline -> U+010A.
chars = ["\u0120", "\u010a"] + [chr(c) for c in range(33, 127) if chr(c) != "`"]
vocab = {"<s>": 0}
for ch in chars:
    vocab[ch] = len(vocab)
assert len(vocab) == vocab_size, (len(vocab), vocab_size)
cfg["bos_token_id"] = 0
cfg["eos_token_id"] = 0
# RoPE has no learned positions: allow prompts longer than the 64 the tiny model was made with.
cfg["max_position_embeddings"] = 1024
json.dump(cfg, open(os.path.join(dst, "config.json"), "w"), indent=2)

special = {"id": 0, "content": "<s>", "single_word": False, "lstrip": False, "rstrip": False,
           "normalized": False, "special": True}
tok = {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [special],
    "normalizer": None,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    "post_processor": {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}},
    },
    "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
              "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
              "ignore_merges": False, "vocab": vocab, "merges": []},
}
json.dump(tok, open(os.path.join(dst, "tokenizer.json"), "w"), ensure_ascii=False, indent=1)
shutil.copyfile(os.path.join(src, "model.safetensors"), os.path.join(dst, "model.safetensors"))
print("wrote", dst)
