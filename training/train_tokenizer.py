#!/usr/bin/env python3
"""Byte-level BPE (GPT-2 regex pre-tokenizer) with <|bos|> = id 0, added by a
TemplateProcessing post-processor so HF and sinkscope's C++ tokenizer agree.
Then tokenizes train/valid into uint16 token streams (paragraphs joined by '\n').
--from-json PATH skips the training and tokenizes with that tokenizer.json (the sink-free
twins use models/demo-lm/tokenizer.json, so their token streams are the demo LM's)."""
import argparse
import json
import lzma
import os

import numpy as np
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

BOS = "<|bos|>"


def read_lines(path):
    with lzma.open(path, "rt", encoding="utf-8") as f:
        return f.read().split("\n")[:-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="training/corpus/data")
    ap.add_argument("--out", required=True)
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--from-json", default="", help="use this tokenizer.json instead of training one")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    train = read_lines(os.path.join(a.data, "train.txt.xz"))
    valid = read_lines(os.path.join(a.data, "valid.txt.xz"))

    if a.from_json:
        tok = Tokenizer.from_file(a.from_json)
        assert tok.token_to_id(BOS) == 0
        with open(a.from_json, "rb") as f, open(os.path.join(a.out, "tokenizer.json"), "wb") as g:
            g.write(f.read())  # the same bytes
    else:
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=a.vocab, min_frequency=2, special_tokens=[BOS],
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
        tok.train_from_iterator((l + "\n" for l in train), trainer=trainer, length=len(train))
        assert tok.token_to_id(BOS) == 0
        tok.post_processor = processors.TemplateProcessing(single=f"{BOS} $A", pair=f"{BOS} $A {BOS} $B",
                                                           special_tokens=[(BOS, 0)])
        tok.save(os.path.join(a.out, "tokenizer.json"))

    stats = {"vocab_size": tok.get_vocab_size()}
    for name, lines in (("train", train), ("valid", valid)):
        enc = tok.encode_batch([l + "\n" for l in lines], add_special_tokens=False)
        ids = np.concatenate([np.asarray(e.ids, dtype=np.uint16) for e in enc])
        np.save(os.path.join(a.out, f"{name}_ids.npy"), ids)
        stats[f"{name}_tokens"] = int(ids.shape[0])
    print(json.dumps(stats))
    json.dump(stats, open(os.path.join(a.out, "tokenizer_stats.json"), "w"))


if __name__ == "__main__":
    main()
