#!/usr/bin/env bash
# The screenshots of docs/brief.md: the sample study's two briefs, and the briefs of the Rust
# interviews and the VA discovery notes of ../shared/corpus (personas from their SOURCES.md
# descriptions) with each quote's words elided (its citation kept), so that no corpus text enters
# the repository. Needs chromium and node, as .ci/run does.
#
# usage: tests/browser/brief_shots.sh            (from the repository; writes docs/brief-*.png)
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus="${PITH_SHARED:-../shared}/corpus"
[ -d "$corpus" ] || { echo "brief_shots: $corpus is not there" >&2; exit 1; }
cargo build --quiet --bin pith
pith=target/debug/pith
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

shot() { # shot STUDY PERSONA_INDEX PNG [elide]
  "$pith" report "$1" --out "$work/out" --format html -q
  node tests/browser/check_html.mjs "$work/out/report.html" "$2" "brief=$3${4:+,$4}" >/dev/null
  rm -rf "$work/out"
}

shot examples/cooling-study docs/brief-debbie.png 0
shot examples/cooling-study docs/brief-frank.png 1

mkdir -p "$work/rust/transcripts"
echo "transcript,persona" > "$work/rust/participants.csv"
for f in "$corpus"/rust-unsafe-interviews/transcripts/*; do
  cp "$f" "$work/rust/transcripts/"
  echo "$(basename "$f"),Rust developer" >> "$work/rust/participants.csv"
done
shot "$work/rust" docs/brief-rust.png 0 elide

mkdir -p "$work/va/transcripts"
echo "transcript,persona" > "$work/va/participants.csv"
for f in "$corpus"/va-transition-discovery-2024/*; do
  [ -f "$f" ] || continue
  name="$(basename "$f")"
  case "$name" in *.*) ;; *) name="$name.md" ;; esac  # notes without an extension are Markdown
  case "$name" in notes-p19*|notes-p20*|notes-p21*) persona="Commanding officer" ;; *) persona="Transitioning servicemember" ;; esac
  cp "$f" "$work/va/transcripts/$name"
  echo "$name,$persona" >> "$work/va/participants.csv"
done
# Personas are reported in name order: the officers first.
shot "$work/va" docs/brief-va-officer.png 0 elide
shot "$work/va" docs/brief-va-servicemember.png 1 elide
