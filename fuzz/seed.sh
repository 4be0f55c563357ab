#!/usr/bin/env bash
# Seeds each fuzz target's corpus (fuzz/corpus/TARGET, not committed) from the small test fixtures.
set -euo pipefail
cd "$(dirname "$0")"
fx=../tests/fixtures
for t in text vtt srt json docx odt; do mkdir -p "corpus/fuzz_$t"; done
cp $fx/ingest/*.txt $fx/ingest/*.md "corpus/fuzz_text/"
cp $fx/ingest/*.vtt "corpus/fuzz_vtt/"
cp $fx/ingest/*.srt "corpus/fuzz_srt/"
cp $fx/ingest/*.json "corpus/fuzz_json/"
cp $fx/ingest/*.docx $fx/hostile/not-word.docx "corpus/fuzz_docx/"
mkdir -p corpus/fuzz_detect_and_read corpus/fuzz_manifest corpus/fuzz_lexicon
i=0
for f in $fx/ingest/*; do
  [ "$(stat -c %s "$f")" -lt 65536 ] || continue
  { printf "\\x$(printf %02x $((i % 9)))"; cat "$f"; } > "corpus/fuzz_detect_and_read/seed$i"
  i=$((i + 1))
done
cp ../examples/cooling-study/participants.csv corpus/fuzz_manifest/ 2>/dev/null || true
printf 'transcript,participant,persona,speaker\nzoom.vtt,Dana,Debbie,Dana Lee\n../x,P,Q,\n' > corpus/fuzz_manifest/seed1.csv
cp ../lexicons/*.toml corpus/fuzz_lexicon/
mkdir -p corpus/fuzz_report
../target/debug/pith report ../examples/cooling-study --out corpus/fuzz_report/out --format json -q \
  && mv corpus/fuzz_report/out/report.json corpus/fuzz_report/sample.json && rmdir corpus/fuzz_report/out || true
