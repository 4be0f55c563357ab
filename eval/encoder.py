#!/usr/bin/env python3
"""The full all-MiniLM-L6-v2 sentence encoder on the development passages: what the meaning layer's
static table could give at best.

Each development passage (eval/sample.jsonl, heldout.jsonl, grown.jsonl; never the frozen split)
goes through the 6-layer encoder as sentence-transformers runs the model: the reference
tokenizer with `[CLS]` and `[SEP]`, cut at 256 tokens, the mean of every output position, then
L2-normalized. Writes one JSON line per passage, `{"id": ..., "vector": [384 floats]}`, to OUT
(outside the repository: it is derived from corpus text), for

    cargo run --release --example eval -- --vectors OUT

which scores the rule OR a regression over these vectors as it scores the meaning layer.
Needs what eval/distill.py needs, and `tokenizers==0.23.3`; about two minutes on one thread.
"""

import json
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import distill  # noqa: E402  (sets one BLAS thread before numpy loads)
import draw  # noqa: E402

import all_minilm_l6_v2  # noqa: E402
import numpy as np  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

ROOT = os.path.dirname(HERE)
CORPUS = os.environ.get("PITH_CORPUS", os.path.join(ROOT, "../shared/corpus"))
MAX_TOKENS = 256


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: encoder.py OUT")
    weights, config, _ = distill.model_files()
    with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as z:
        tok = Tokenizer.from_str(z.read("tokenizer.json").decode())
    tok.enable_truncation(MAX_TOKENS)
    tok.no_padding()
    cache, lines = {}, []
    refs = []
    for name in ["sample", "heldout", "grown"]:
        with open(os.path.join(HERE, f"{name}.jsonl"), encoding="utf-8") as f:
            refs.extend(json.loads(line) for line in f)
    for n, r in enumerate(refs, 1):
        text = draw.slice_of(CORPUS, cache, r["source"], r.get("field"), r["start"], r["end"])
        ids = np.array([tok.encode(text).ids], dtype=np.int64)
        vector = distill.encode(weights, config, ids)[0].mean(0)
        vector /= max(np.linalg.norm(vector), 1e-12)
        lines.append(json.dumps({"id": r["id"], "vector": [round(float(x), 7) for x in vector]}))
        print(f"\r{n}/{len(refs)} passages", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
