"""Trains a small LLaMA-2-style tokenizer.json (BPE over characters, spaces as "▁", a "▁" in front,
byte fallback) with Hugging Face `tokenizers`, and encodes a text with it, so that sparsim's
SentencePiece-style BPE can be compared with the reference implementation.

Usage: train_sentencepiece_bpe.py TRAIN_TEXT EVAL_TEXT OUT_DIR
Writes OUT_DIR/tokenizer.json and OUT_DIR/ids (int32 little-endian ids of EVAL_TEXT).
"""
import sys

import numpy as np
from tokenizers import Tokenizer, decoders, models, normalizers, trainers

train, evaluate, out = sys.argv[1], sys.argv[2], sys.argv[3]
tokenizer = Tokenizer(models.BPE(byte_fallback=True, unk_token="<unk>", fuse_unk=True))
tokenizer.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
tokenizer.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
specials = ["<unk>", "<s>", "</s>"] + [f"<0x{i:02X}>" for i in range(256)]
trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=specials, show_progress=False)
lines = open(train, encoding="utf-8").read().splitlines()
tokenizer.train_from_iterator(lines, trainer)
tokenizer.save(f"{out}/tokenizer.json")
text = open(evaluate, encoding="utf-8").read()
np.asarray(tokenizer.encode(text).ids, dtype="<i4").tofile(f"{out}/ids")
