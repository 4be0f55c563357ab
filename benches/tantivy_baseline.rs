//! Baseline for the whole-program benchmark (`benches/corpus.sh`): tantivy alone indexing the
//! same passages with its own `en_stem` analyzer and 2 threads, to commit, text stored; the
//! schema of `../shared/bench/limits` (file, speaker, passage number, text). Reading the files
//! is inside the timed region, as it is for `pith run`.
//!
//! It runs on the allocator `pith` runs on (mimalloc), so that the two differ only in what pith does.
//!
//! Usage: `cargo run --release --example tantivy_baseline -- CORPUS_DIR`
//! Prints `tantivy en_stem 2 threads: X MB/s (N passages, B bytes in S s)`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions, STORED, STRING};
use tantivy::{doc, Index, IndexWriter};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "txt") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let corpus = std::env::args().nth(1).ok_or("usage: tantivy_baseline CORPUS_DIR")?;
    let mut paths = Vec::new();
    files(Path::new(&corpus), &mut paths)?;
    paths.sort();

    let mut sb = Schema::builder();
    let f_file = sb.add_text_field("file", STRING | STORED);
    let f_speaker = sb.add_text_field("speaker", STRING | STORED);
    let f_passage = sb.add_u64_field("passage", STORED);
    let text_options = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("en_stem")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let f_text = sb.add_text_field("text", text_options);
    let dir = tempfile::tempdir()?;
    let index = Index::create_in_dir(dir.path(), sb.build())?;

    let start = Instant::now();
    let mut writer: IndexWriter = index.writer_with_num_threads(2, 400_000_000)?;
    let (mut bytes, mut passages) = (0usize, 0u64);
    for path in &paths {
        let text = std::fs::read_to_string(path)?;
        bytes += text.len();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // A passage is one non-empty line; the speaker is the text before ": " within 40 bytes.
        for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
            let (speaker, body) = match line.find(": ") {
                Some(k) if k <= 40 => (&line[..k], &line[k + 2..]),
                _ => ("", line),
            };
            writer.add_document(
                doc!(f_file => name.as_str(), f_speaker => speaker, f_passage => i as u64, f_text => body),
            )?;
            passages += 1;
        }
    }
    writer.commit()?;
    let secs = start.elapsed().as_secs_f64();
    writer.wait_merging_threads()?;
    println!(
        "tantivy en_stem 2 threads: {:.2} MB/s ({passages} passages, {bytes} bytes in {secs:.2} s)",
        bytes as f64 / 1e6 / secs
    );
    Ok(())
}
