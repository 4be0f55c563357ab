#!/usr/bin/env python3
"""Draw the first passage sample of the labelled development set.

Selects about 330 participant passages from six plain-text/Markdown sources under
../shared/corpus, stratified by source (fixed quota per source, no source above 30 %)
and spread over files (round-robin over shuffled files). Deterministic: fixed seed,
sorted directory listings.

Output: eval/sample.jsonl, one JSON object per passage, references only (no transcript
text ever enters the repository):

    {"id": "s001", "source": "<path relative to corpus/>", "start": 123, "end": 456,
     "chars_sha1": "<sha1 of the UTF-8 encoded slice>",
     "question": {"start": 10, "end": 100} or null}

Offsets count Unicode code points (Python str indices) into the file decoded as UTF-8
with a leading BOM dropped (cp1252 if the bytes are not UTF-8). Newlines are kept as
they are on disk (no universal-newline translation).

A passage is one participant block (a turn, or the part of a turn between two timestamp
headers) of 15-160 words; a longer block is split at sentence ends into pieces of about
60-120 words (as pith's segment stage does) and the pieces in range are candidates.
`question` is the span of the nearest preceding interviewer/host question, for context.

Usage:
    python3 eval/sample.py [--corpus DIR] [--out FILE] [--sheet DIR]

With --sheet DIR it also writes DIR/sheet.md (the labelling sheet with the text; keep it
OUT of the repository) and DIR/README.md (instructions for the labellers).

Python 3 standard library only.
"""

import argparse
import hashlib
import html
import json
import os
import random
import re
import sys

SEED = 20261122
MIN_WORDS = 15
MAX_WORDS = 160
PIECE_MIN = 60
PIECE_MAX = 120
QUESTION_MAX_CHARS = 600

# Source folder (relative to corpus/) -> number of passages drawn from it.
QUOTAS = {
    "ml-quality-practitioner-interviews": 60,
    "rust-unsafe-interviews/transcripts": 60,
    "data-ensemble-interviews/transcripts": 55,
    "lennys-podcast": 55,
    "va-transition-discovery-2024": 50,
    "ladybug-podcast": 50,
}

FAMILIES = ["need", "risk", "reward", "responsibility", "job", "trigger", "ecosystem", "uncertainty"]


def read_text(path):
    """The file decoded as UTF-8 (BOM dropped), or cp1252 when it is not UTF-8."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def lines_with_offsets(text):
    """(start, end_without_newline, line) for every line of the text."""
    out = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        out.append((pos, pos + len(line), line))
        pos += len(raw)
    return out


def trim(text, start, end):
    """The span shrunk to exclude surrounding whitespace (and a leading '*' bullet)."""
    while start < end and (text[start].isspace() or text[start] == "*"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class Block:
    """A run of one speaker's text: role is 'q' (interviewer/host), 'p' (participant) or None."""

    __slots__ = ("role", "start", "end")

    def __init__(self, role, start, end):
        self.role = role
        self.start = start
        self.end = end


def header_blocks(text, header_re, role_of, inline_text=False):
    """Blocks of a format where a header line names the speaker and the text follows.

    `role_of(match)` gives the role; a header whose role is 'same' continues the previous
    speaker (a new block, same role). With inline_text, text may start on the header line
    after the match.
    """
    blocks = []
    current = None
    for start, end, line in lines_with_offsets(text):
        m = header_re.match(line)
        if m:
            if current is not None:
                blocks.append(current)
            role = role_of(m)
            if role == "same":
                role = blocks[-1].role if blocks else None
            body_start = start + m.end() if inline_text else end
            current = Block(role, body_start, body_start)
            if inline_text:
                current.end = end
        elif current is not None and line.strip():
            current.end = end
    if current is not None:
        blocks.append(current)
    out = []
    for b in blocks:
        s, e = trim(text, b.start, b.end)
        if e > s:
            out.append(Block(b.role, s, e))
    return out


ML_LABEL = re.compile(r"^\s*(interviewer\s*\d*|interviewee\s*\d*)\s*:\s*", re.I)


def parse_ml_quality(text, _path):
    def role(m):
        return "q" if m.group(1).lower().startswith("interviewer") else "p"

    return header_blocks(text, ML_LABEL, role, inline_text=True)


RUST_HEADER = re.compile(r"^\*{2,3}(Interviewer|Participant)\*{2,3}\\\s*$")


def parse_rust(text, _path):
    return header_blocks(text, RUST_HEADER, lambda m: "q" if m.group(1) == "Interviewer" else "p")


OTTER_HEADER = re.compile(r"^([A-Z]+)(\d+)\s+\d+:\d{2}(?::\d{2})?\s*$")


def parse_data_ensemble(text, _path):
    return header_blocks(text, OTTER_HEADER, lambda m: "p" if m.group(1) == "P" else "q")


REV_HEADER = re.compile(r"^(?:(.+?) )?\((\d{2}:\d{2}:\d{2})\):\s*$")


def parse_lennys(text, _path):
    m = re.search(r"^guest:\s*(.+)$", text, re.M)
    guest = m.group(1).strip().strip("'\"").lower() if m else ""

    def role(h):
        name = h.group(1)
        if name is None:
            return "same"
        name = name.strip().lower()
        if name.startswith("lenny"):
            return "q"
        first = name.split()[0] if name.split() else ""
        if first and first in re.split(r"[\s&,]+", guest):
            return "p"
        return None  # sponsor reads and other voices

    return header_blocks(text, REV_HEADER, role)


LADYBUG_HEADER = re.compile(r"^(?:\*\*)?([A-Z][A-Za-z .'-]{0,40}?)(?:\*\*)?\s+\[?\d+:\d{2}(?::\d{2})?\]?[ \t]*")


def parse_ladybug(text, _path):
    # A panel of hosts: a block that ends with a question is a question (context only).
    blocks = header_blocks(text, LADYBUG_HEADER, lambda m: "p", inline_text=True)
    for b in blocks:
        if text[b.start : b.end].rstrip().endswith("?"):
            b.role = "q"
    return blocks


def is_heading(line):
    s = line.strip()
    return len(s.split()) < 6 and not re.search(r"[.!?]$", s)


def parse_va_notes(text, _path):
    """Notetaker notes: '- Question? *answer' bullets, answers continue on plain lines."""
    blocks = []
    current = None

    def close():
        nonlocal current
        if current is not None:
            s, e = trim(text, current.start, current.end)
            if e > s:
                blocks.append(Block("p", s, e))
        current = None

    for start, end, line in lines_with_offsets(text):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if stripped.startswith("-"):
            close()
            q = stripped.find("?")
            if q < 0:
                continue
            q_start = start + indent + 1
            blocks.append(Block("q", *trim(text, q_start, start + indent + q + 1)))
            rest = start + indent + q + 1
            if text[rest:end].strip(" \t*"):
                current = Block("p", rest, end)
        elif stripped.startswith("*"):
            close()
            first_sentence = re.split(r"(?<=[.!?])\s", stripped, maxsplit=1)[0]
            if first_sentence.endswith("?"):
                continue  # '*Question? answer' lines: too ambiguous to split
            current = Block("p", start + indent, end)
        elif not stripped or is_heading(line):
            close()
        elif current is not None:
            current.end = end
        # plain lines outside an answer (background paragraphs) have no question: skipped
    close()
    return blocks


PARSERS = {
    "ml-quality-practitioner-interviews": (parse_ml_quality, lambda p: p.endswith(".txt")),
    "rust-unsafe-interviews/transcripts": (parse_rust, lambda p: p.endswith(".md")),
    "data-ensemble-interviews/transcripts": (parse_data_ensemble, lambda p: p.endswith(".txt")),
    "lennys-podcast": (parse_lennys, lambda p: p.endswith(".md") and not p.startswith("README")),
    "va-transition-discovery-2024": (parse_va_notes, lambda p: p.startswith("notes-")),
    "ladybug-podcast": (parse_ladybug, lambda p: not p.startswith("README")),
}

SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")


def words(text):
    return len(text.split())


def pieces(text, start, end):
    """The block itself if short enough, else sentence-aligned pieces of ~60-120 words."""
    if words(text[start:end]) <= MAX_WORDS:
        return [(start, end)]
    cuts = [m.end() for m in SENTENCE_END.finditer(text, start, end)]
    bounds = [start] + [c for c in cuts if c < end] + [end]
    out = []
    piece_start = start
    count = 0
    for a, b in zip(bounds, bounds[1:]):
        n = words(text[a:b])
        if count >= PIECE_MIN and count + n > PIECE_MAX:
            out.append((piece_start, a))
            piece_start, count = a, 0
        count += n
    out.append((piece_start, end))
    return [trim(text, s, e) for s, e in out]


def candidates(corpus, folder):
    parse, keep = PARSERS[folder]
    root = os.path.join(corpus, folder)
    by_file = {}
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if not os.path.isfile(path) or not keep(name):
            continue
        text = read_text(path)
        blocks = parse(text, path)
        if sum(1 for b in blocks if b.role == "p") < 3:
            continue  # format not recognised in this file
        rel = os.path.join(folder, name)
        found = []
        last_q = None
        for b in blocks:
            if b.role == "q":
                last_q = b
                continue
            if b.role != "p":
                continue
            question = None
            if last_q is not None:
                qs = last_q.start
                if last_q.end - qs > QUESTION_MAX_CHARS:
                    # keep the tail, starting at a sentence start
                    tail = last_q.end - QUESTION_MAX_CHARS
                    m = SENTENCE_END.search(text, tail, last_q.end)
                    qs = m.end() if m else tail
                question = {"start": qs, "end": last_q.end}
            for s, e in pieces(text, b.start, b.end):
                if MIN_WORDS <= words(text[s:e]) <= MAX_WORDS:
                    found.append((rel, s, e, question, text[s:e]))
        if found:
            by_file[rel] = found
    return by_file


def draw(by_file, quota, rng):
    files = sorted(by_file)
    rng.shuffle(files)
    pools = {f: rng.sample(by_file[f], len(by_file[f])) for f in files}
    chosen = []
    while len(chosen) < quota and any(pools.values()):
        for f in files:
            if pools[f] and len(chosen) < quota:
                chosen.append(pools[f].pop())
    return chosen


def default_corpus(here):
    """$PITH_CORPUS, else the first `shared/corpus` found beside the repository or its parent."""
    if os.environ.get("PITH_CORPUS"):
        return os.environ["PITH_CORPUS"]
    for up in ("../..", "../../.."):
        path = os.path.normpath(os.path.join(here, up, "shared/corpus"))
        if os.path.isdir(path):
            return path
    return os.path.normpath(os.path.join(here, "../../shared/corpus"))


def write_records(drawn, prefix, out):
    """Writes the drawn passages as JSON lines of references (never the text); gives the records."""
    records = []
    for i, (rel, s, e, question, passage) in enumerate(drawn, 1):
        records.append(
            {
                "id": f"{prefix}{i:03d}",
                "source": rel,
                "start": s,
                "end": e,
                "chars_sha1": hashlib.sha1(passage.encode("utf-8")).hexdigest(),
                "question": question,
            }
        )
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return records


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=default_corpus(here))
    ap.add_argument("--out", default=os.path.join(here, "sample.jsonl"))
    ap.add_argument("--sheet", default=None, help="directory for sheet.md + README.md (outside the repo)")
    args = ap.parse_args()
    if not os.path.isdir(args.corpus):
        sys.exit(f"corpus not found: {args.corpus} (use --corpus)")

    rng = random.Random(SEED)
    drawn = []
    for folder in sorted(QUOTAS):
        by_file = candidates(args.corpus, folder)
        got = draw(by_file, QUOTAS[folder], rng)
        if len(got) < QUOTAS[folder]:
            print(f"warning: {folder}: only {len(got)} of {QUOTAS[folder]}", file=sys.stderr)
        drawn.extend(got)
    rng.shuffle(drawn)

    records = write_records(drawn, "s", args.out)

    counts = {}
    for r in records:
        folder = next(k for k in QUOTAS if r["source"].startswith(k + "/"))
        counts[folder] = counts.get(folder, 0) + 1
    for k in sorted(counts):
        print(f"{counts[k]:4d}  {k}  ({len({r['source'] for r in records if r['source'].startswith(k + '/')})} files)")
    print(f"{len(records):4d}  total -> {args.out}")

    if args.sheet:
        write_sheet(args.corpus, records, args.sheet)


def write_sheet(corpus, records, outdir):
    os.makedirs(outdir, exist_ok=True)
    cache = {}
    parts = [
        "# pith development set: labelling sheet\n\n",
        "Label each passage with the families it expresses (see the coding standard, docs/coding-quality.md); ",
        "the question is context only and is never coded. Write your labels as described in README.md.\n\n",
    ]
    for r in records:
        if r["source"] not in cache:
            cache[r["source"]] = read_text(os.path.join(corpus, r["source"]))
        text = cache[r["source"]]
        passage = text[r["start"] : r["end"]]
        if hashlib.sha1(passage.encode("utf-8")).hexdigest() != r["chars_sha1"]:
            sys.exit(f"{r['id']}: text changed in {r['source']}")
        folder = r["source"].split("/")[0]
        show = html.unescape if folder == "ladybug-podcast" else (lambda t: t)
        parts.append(f"---\n\n## {r['id']}  ({folder})\n\n")
        if r["question"]:
            q = show(text[r["question"]["start"] : r["question"]["end"]]).strip()
            parts.append("**Question (context, do not code):**\n\n")
            parts.append("".join(f"> {line}\n" for line in q.splitlines() if line.strip()) + "\n")
        else:
            parts.append("**Question (context, do not code):** (none)\n\n")
        parts.append(f"**Passage {r['id']} (code this):**\n\n")
        parts.append("".join(f"    {line}\n" if line.strip() else "\n" for line in show(passage).splitlines()))
        parts.append("\n")
    with open(os.path.join(outdir, "sheet.md"), "w", encoding="utf-8") as f:
        f.write("".join(parts))
    with open(os.path.join(outdir, "README.md"), "w", encoding="utf-8") as f:
        f.write(README.format(n=len(records), families=", ".join(FAMILIES), first=records[0]["id"]))


README = """# Labelling the pith development set

You label {n} participant passages (ids s001...) in `sheet.md`, alone: do not discuss
passages with the other labeller until both passes are handed in.

1. Read the coding standard (`../shared/CODEBOOK.md`, summarized in `docs/coding-quality.md`) first, and keep it open.
2. For each passage, decide which families it expresses: {families}.
   A passage may express several families, or none. The question above a passage is
   context only (who asked what); never code the question itself.
3. Write one JSON line per id, in sheet order, to a file named `labels-<your initials>.jsonl`:

       {{"id": "{first}", "families": ["risk", "need"]}}
       {{"id": "s002", "families": []}}

   - `families`: lower-case family names from the list above, each at most once; order
     does not matter; an empty list means "none".
   - Every id in the sheet appears exactly once. Do not skip a passage: if you cannot
     decide, pick the reading the codebook supports best and optionally add
     `"note": "..."` (a short free-text reason); notes help the resolution pass.
4. Hand in the file. After both passes, agreement (Cohen's kappa per family) is computed
   and the disagreements are resolved together against the codebook, not by majority.

The passages are quoted from sources that must not be redistributed: keep this sheet and
your labels' notes outside the repository. Only ids and families go into the repo.
"""


if __name__ == "__main__":
    main()
