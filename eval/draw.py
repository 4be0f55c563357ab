#!/usr/bin/env python3
"""Draw the grown labelled set: new passages from eleven sources, and the frozen test split.

The same method as eval/sample.py (participant blocks of 15-160 words, long blocks split into
sentence-aligned pieces, stratified by source, round-robin over shuffled files), with its own
seed, three more sources (earnings-call Q&A, QMSum meetings, diarized podcasts), and no passage
that overlaps one of eval/sample.jsonl or eval/heldout.jsonl.

Two outputs, references only (the text never enters the repository):

- eval/grown.jsonl (ids g001...): the passages that join the development set;
- eval/frozen.jsonl (ids f001...): the frozen test split. Its passages come from files set
  aside for it (no passage of any other set comes from them), in four sources. No tuning step,
  error listing or fitted weight reads it; the evaluation prints only its scores.

JSON sources (earnings calls, QMSum) are referenced by a JSON pointer to the string that holds
the passage: {"source": ..., "field": "/q_and_a/5/speech", "start": ..., "end": ...}; offsets
count code points into that decoded string. Text sources have no "field", as in sample.jsonl.

Usage:
    python3 eval/draw.py [--corpus DIR] [--sheet DIR]

With --sheet DIR it writes DIR/passages.jsonl (id, question, passage text) for labelling:
keep it OUT of the repository.
"""

import argparse
import hashlib
import html
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sample  # noqa: E402
import heldout  # noqa: E402,F401  (registers the two VA parsers in sample.PARSERS)

SEED = 20261206

# Source folder -> passages drawn for the development set.
GROWN = {
    "earnings-calls": 80,
    "qmsum-meetings/train": 80,
    "asr-diarization-comparison": 50,
    "lennys-podcast": 80,
    "ml-quality-practitioner-interviews": 90,
    "rust-unsafe-interviews/transcripts": 70,
    "data-ensemble-interviews/transcripts": 50,
    "ladybug-podcast": 60,
    "va-transition-discovery-2024": 30,
    "va-servicemembers-2019": 15,
    "va-avs-usability-2023": 10,
}

# Source folder -> (passages in the frozen split, share of the source's free files set aside).
FROZEN = {
    "earnings-calls": (100, 0.3),
    "qmsum-meetings/train": (100, 0.3),
    "lennys-podcast": (70, 0.3),
    "asr-diarization-comparison": (40, 0.3),
}

ANALYST = re.compile(r"--\s*Analyst\s*$", re.I)


def json_candidates(corpus, folder):
    """Candidates of the JSON sources: (rel, pointer, start, end, question, text) per passage.

    Earnings calls: the answers in `q_and_a` by a call participant who is not an analyst or the
    operator; the question is the analyst's turn before it. QMSum: every turn is a participant's
    (a meeting has no interviewer); the question is the turn before it when it ends with '?'.
    """
    root = os.path.join(corpus, folder)
    by_file = {}
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if not os.path.isfile(path) or not name.endswith((".json", ".txt")):
            continue
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (ValueError, UnicodeDecodeError):
            continue
        rel = os.path.join(folder, name)
        found = []
        if folder == "earnings-calls":
            analysts = {p.split("--")[0].strip() for p in data.get("participants", []) if ANALYST.search(p)}
            turns = [(t.get("speaker", ""), t.get("speech", "")) for t in data.get("q_and_a", [])]
            ptr = "/q_and_a/{}/speech"

            def role(speaker):
                if speaker == "Operator":
                    return None
                return "q" if speaker.strip() in analysts else "p"
        else:
            turns = [(t.get("speaker", ""), t.get("content", "")) for t in data.get("meeting_transcripts", [])]
            ptr = "/meeting_transcripts/{}/content"
            role = None
        last_q = None
        for i, (speaker, text) in enumerate(turns):
            r = role(speaker) if role else "p"
            if r is None:
                continue
            if r == "q":
                last_q = (ptr.format(i), text)
                continue
            s, e = sample.trim(text, 0, len(text))
            question = None
            if role is not None and last_q is not None:
                question = {"field": last_q[0], "start": 0, "end": len(last_q[1])}
            elif role is None and i > 0 and turns[i - 1][1].rstrip().endswith("?"):
                question = {"field": ptr.format(i - 1), "start": 0, "end": len(turns[i - 1][1])}
            for ps, pe in sample.pieces(text, s, e):
                if sample.MIN_WORDS <= sample.words(text[ps:pe]) <= sample.MAX_WORDS:
                    found.append((rel, ptr.format(i), ps, pe, question, text[ps:pe]))
        if found:
            by_file[rel] = found
    return by_file


SPEAKER_LINE = re.compile(r"^(SPEAKER_\d+):\s*")


def parse_diarized(text, _path):
    """`SPEAKER_NN: text` lines (one ASR output per episode): the first speaker hosts; a turn of
    any speaker that ends with a question is a question (context only), the others answer."""
    first = None

    def role(m):
        nonlocal first
        if first is None:
            first = m.group(1)
        return "q" if m.group(1) == first else "p"

    blocks = sample.header_blocks(text, SPEAKER_LINE, role, inline_text=True)
    for b in blocks:
        if text[b.start : b.end].rstrip().endswith("?"):
            b.role = "q"
    return blocks


def text_candidates(corpus, folder):
    """Candidates of a text source, in the same tuple shape as the JSON ones (pointer None)."""
    if folder == "asr-diarization-comparison":
        by_file = {}
        root = os.path.join(corpus, folder)
        sample.PARSERS[folder] = (parse_diarized, lambda p: True)
        for episode in sorted(os.listdir(root)):
            sub = os.path.join(folder, episode)
            if not os.path.isdir(os.path.join(corpus, sub)):
                continue
            sample.PARSERS[sub] = (parse_diarized, lambda p: p.endswith("_assemblyai.txt"))
            by_file.update(sample.candidates(corpus, sub))
    else:
        by_file = sample.candidates(corpus, folder)
    return {f: [(rel, None, s, e, q, t) for rel, s, e, q, t in cs] for f, cs in by_file.items()}


def candidates(corpus, folder):
    if folder in ("earnings-calls", "qmsum-meetings/train"):
        return json_candidates(corpus, folder)
    return text_candidates(corpus, folder)


def record(prefix, i, c):
    rel, pointer, s, e, question, text = c
    r = {"id": f"{prefix}{i:03d}", "source": rel}
    if pointer is not None:
        r["field"] = pointer
    r.update({"start": s, "end": e, "chars_sha1": hashlib.sha1(text.encode("utf-8")).hexdigest(), "question": question})
    return r


def write(records, path):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=sample.default_corpus(here))
    ap.add_argument("--sheet", default=None)
    args = ap.parse_args()

    taken = {}
    for name in ("sample.jsonl", "heldout.jsonl"):
        with open(os.path.join(here, name), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                taken.setdefault(r["source"], []).append((r["start"], r["end"]))

    def free(c):
        return not any(c[2] < e and s < c[3] for s, e in taken.get(c[0], []))

    rng = random.Random(SEED)
    grown, frozen = [], []
    for folder in sorted(GROWN):
        by_file = {f: [c for c in cs if free(c)] for f, cs in candidates(args.corpus, folder).items()}
        by_file = {f: cs for f, cs in by_file.items() if cs}
        if folder in FROZEN:
            quota, share = FROZEN[folder]
            unused = sorted(f for f in by_file if f not in taken)
            rng.shuffle(unused)
            cut = unused[: max(1, round(len(unused) * share))]
            got = sample.draw({f: by_file[f] for f in cut}, quota, rng)
            if len(got) < quota:
                print(f"warning: frozen {folder}: only {len(got)} of {quota}", file=sys.stderr)
            frozen.extend(got)
            for f in cut:
                del by_file[f]
        got = sample.draw(by_file, GROWN[folder], rng)
        if len(got) < GROWN[folder]:
            print(f"warning: {folder}: only {len(got)} of {GROWN[folder]}", file=sys.stderr)
        grown.extend(got)
    rng.shuffle(grown)
    rng.shuffle(frozen)
    g = [record("g", i, c) for i, c in enumerate(grown, 1)]
    fr = [record("f", i, c) for i, c in enumerate(frozen, 1)]
    write(g, os.path.join(here, "grown.jsonl"))
    write(fr, os.path.join(here, "frozen.jsonl"))
    print(f"{len(g)} passages -> eval/grown.jsonl, {len(fr)} -> eval/frozen.jsonl")

    if args.sheet:
        write_sheet(args.corpus, here, args.sheet)


def slice_of(corpus, cache, source, field, start, end):
    """The text a reference points at: a slice of the file, or of the JSON string at `field`."""
    if source not in cache:
        path = os.path.join(corpus, source)
        cache[source] = sample.read_text(path)
        if field is not None or source.startswith(("earnings-calls/", "qmsum-meetings/")):
            cache[source] = json.loads(cache[source])
    doc = cache[source]
    if field is not None:
        for part in field.strip("/").split("/"):
            doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc[start:end]


def write_sheet(corpus, here, outdir):
    """Every labelled-set passage with its question, as text, for the labellers (never committed)."""
    os.makedirs(outdir, exist_ok=True)
    cache = {}
    out = []
    for name in ("sample.jsonl", "heldout.jsonl", "grown.jsonl", "frozen.jsonl"):
        with open(os.path.join(here, name), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                text = slice_of(corpus, cache, r["source"], r.get("field"), r["start"], r["end"])
                if hashlib.sha1(text.encode("utf-8")).hexdigest() != r["chars_sha1"]:
                    sys.exit(f"{r['id']}: text changed in {r['source']}")
                q = r.get("question")
                question = None
                if q:
                    question = slice_of(corpus, cache, r["source"], q.get("field"), q["start"], q["end"])
                    if r["source"].startswith("ladybug-podcast/"):
                        question = html.unescape(question)
                if r["source"].startswith("ladybug-podcast/"):
                    text = html.unescape(text)
                out.append({"id": r["id"], "question": question, "text": text})
    with open(os.path.join(outdir, "passages.jsonl"), "w", encoding="utf-8") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(out)} passages -> {outdir}/passages.jsonl")


if __name__ == "__main__":
    main()
