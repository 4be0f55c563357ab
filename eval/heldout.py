#!/usr/bin/env python3
"""Draw the second passage sample of the development set, from two more sources.

The same method as eval/sample.py (participant blocks of 15-160 words, long blocks split into
sentence-aligned pieces, stratified by source, round-robin over shuffled files), with a
different seed, two sources the development set does not use (va-servicemembers-2019 and
va-avs-usability-2023, parsed below), a small quota from each of the six development sources,
and every candidate that overlaps a passage of eval/sample.jsonl left out.

Left out on purpose: talk-python-podcast (no speaker labels at all: participant passages
cannot be told from the host's) and serdif-usability-sessions (ODT archives: the evaluation
slices the corpus file's characters, which an ODT's zipped XML does not allow).

Output: eval/heldout.jsonl, the same references as sample.jsonl (ids h001...), never text.
With --sheet DIR it writes DIR/heldout-sheet.md, the labelling sheet (keep it OUT of the
repository).

Usage:
    python3 eval/heldout.py [--corpus DIR] [--sheet DIR]
"""

import argparse
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sample  # noqa: E402

SEED = 20261123

QUOTAS = {
    "va-servicemembers-2019": 20,
    "va-avs-usability-2023": 15,
    "ml-quality-practitioner-interviews": 15,
    "rust-unsafe-interviews/transcripts": 15,
    "data-ensemble-interviews/transcripts": 14,
    "lennys-podcast": 14,
    "va-transition-discovery-2024": 14,
    "ladybug-podcast": 13,
}

QUESTION_BULLET = re.compile(r"^\s*-\s*\*\*")


def parse_va_servicemembers(text, _path):
    """Bold question bullets; the participant's answer is the plain lines after one, up to a
    blank line or the next bullet. Card-sort narration (no question before it) is skipped."""
    blocks = []
    current = None

    def close():
        nonlocal current
        if current is not None:
            s, e = sample.trim(text, current.start, current.end)
            if e > s:
                blocks.append(sample.Block("p", s, e))
        current = None

    for start, end, line in sample.lines_with_offsets(text):
        if QUESTION_BULLET.match(line):
            close()
            blocks.append(sample.Block("q", *sample.trim(text, start, end)))
            current = sample.Block("p", end, end)
        elif not line.strip() or line.lstrip().startswith("#"):
            close()
        elif current is not None:
            if current.start == current.end:
                current.start = start
            current.end = end
    close()
    return [b for b in blocks if b.end > b.start]


CUE = re.compile(r"^\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}\s*$")


def parse_va_avs(text, _path):
    """Zoom cues without speaker names: a cue that ends with a question is the moderator's; a
    cue after one is the participant's, and so are the cues that follow it until the next
    question. `Notetaker:` lines end a cue's text."""
    blocks = []
    current = None
    for start, end, line in sample.lines_with_offsets(text):
        if CUE.match(line):
            if current is not None:
                blocks.append(current)
            current = sample.Block(None, end, end)
        elif current is not None and line.startswith("Notetaker:"):
            blocks.append(current)
            current = None
        elif current is not None and line.strip():
            if current.start == current.end:
                current.start = start
            current.end = end
    if current is not None:
        blocks.append(current)
    out = []
    after_question = False
    for b in blocks:
        s, e = sample.trim(text, b.start, b.end)
        if e <= s:
            continue
        if text[s:e].rstrip().endswith("?"):
            out.append(sample.Block("q", s, e))
            after_question = True
        elif after_question:
            out.append(sample.Block("p", s, e))
    return out


sample.PARSERS["va-servicemembers-2019"] = (parse_va_servicemembers, lambda p: p.endswith(".md"))
sample.PARSERS["va-avs-usability-2023"] = (parse_va_avs, lambda p: p.endswith(".md"))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=sample.default_corpus(here))
    ap.add_argument("--out", default=os.path.join(here, "heldout.jsonl"))
    ap.add_argument("--sheet", default=None)
    args = ap.parse_args()

    dev = {}
    with open(os.path.join(here, "sample.jsonl"), encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            dev.setdefault(r["source"], []).append((r["start"], r["end"]))

    def overlaps_dev(rel, s, e):
        return any(s < de and ds < e for ds, de in dev.get(rel, []))

    rng = random.Random(SEED)
    drawn = []
    for folder in sorted(QUOTAS):
        by_file = sample.candidates(args.corpus, folder)
        # The VA single-participant files have fewer than 3 answers per parser rules elsewhere;
        # candidates() already requires 3 participant blocks.
        by_file = {f: [c for c in cs if not overlaps_dev(c[0], c[1], c[2])] for f, cs in by_file.items()}
        by_file = {f: cs for f, cs in by_file.items() if cs}
        got = sample.draw(by_file, QUOTAS[folder], rng)
        if len(got) < QUOTAS[folder]:
            print(f"warning: {folder}: only {len(got)} of {QUOTAS[folder]}", file=sys.stderr)
        drawn.extend(got)
    rng.shuffle(drawn)

    records = sample.write_records(drawn, "h", args.out)
    print(f"wrote {len(records)} passages to {args.out}")

    if args.sheet:
        os.makedirs(args.sheet, exist_ok=True)
        texts = {}
        with open(os.path.join(args.sheet, "heldout-sheet.md"), "w", encoding="utf-8") as f:
            for r in records:
                if r["source"] not in texts:
                    texts[r["source"]] = sample.read_text(os.path.join(args.corpus, r["source"]))
                t = texts[r["source"]]
                q = r["question"]
                f.write(f"## {r['id']} ({r['source']})\n\n")
                if q:
                    f.write("Q: " + " ".join(t[q["start"] : q["end"]].split()) + "\n\n")
                f.write("A: " + " ".join(t[r["start"] : r["end"]].split()) + "\n\n")


if __name__ == "__main__":
    main()
