//! `pith init DIR`: scaffold a study folder. A new folder gets `transcripts/`, a commented
//! `pith.toml`, a `participants.csv` header with its example row commented out, and an example
//! transcript in `examples/` (outside `transcripts/`, so never coded); a folder that already holds
//! transcripts gets only the missing settings files, which change nothing as written.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::Outcome;

/// Arguments of `pith init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to create (or fill).
    dir: PathBuf,
}

const CONFIG: &str = r#"# pith study settings. Every key is optional.

# Title shown at the top of the reports (default: the folder name).
# title = "Cooling discovery interviews, spring"

# Stemming language (default english): french, german, spanish, italian, portuguese, dutch, ...
# language = "english"

# Speaker names of the interviewers. Without this, labels such as Interviewer, Moderator,
# Researcher or Q are interviewers, else the speaker who asks most of the questions.
# interviewers = ["Maya"]

# Folders (or files) of study lexicons, relative to this file. They add codes to the built-in
# lexicons, replace built-in codes with the same id, or switch them off (disabled = true).
# lexicons = ["lexicons"]

# Limits that keep a file dropped in by mistake (a 40 MB log, a zip bomb) from exhausting the
# machine: a file over a limit is skipped with a message naming it. The defaults are far above
# any real interview; raise one only for a file you know is a transcript.
# [limits]
# max_transcript_bytes = 67108864   # 64 MB per transcript file
# max_line_bytes = 1048576          # 1 MB per line
# max_passage_bytes = 65536         # a longer passage is cut at whitespace (nothing is dropped)
# max_passages = 50000              # passages in one transcript
# max_words = 1000000               # words in one transcript
# max_docx_xml_bytes = 209715200    # 200 MB of decompressed word/document.xml (.odt: content.xml)
# max_docx_entries = 10000          # entries in a .docx or .odt zip
# max_json_depth = 128              # JSON nesting (128 at most)

# Also code the families a classifier over each passage's meaning finds (static token embeddings
# of all-MiniLM-L6-v2): more of what people say without a lexicon's words, for about 1.4x the
# coding time and 42 MB of memory; off by default (docs/coding-quality.md).
# [coding]
# meaning = true

# The product this study is about and the codes of the needs it addresses, for the persona
# portfolio across studies (pith report STUDY1 STUDY2 ... --out DIR; docs/portfolio.md).
# [study]
# product = "Coolara Watch"
# addresses = ["need.visibility", "need.energy_cost"]
"#;

const MANIFEST: &str = "transcript,participant,persona,speaker
# One row per transcript. transcript: the file under transcripts/ (extension optional);
# participant: a name or code; persona: the proto-persona the reports group by; speaker: the
# participant's label in the transcript. More columns become attributes (segment, site_count...).
# The example row below is for examples/interview.txt once it is copied into transcripts/:
# remove the # in front of it then. Lines starting with # are ignored.
# interview,P01,Operations lead,Alex
";

const EXAMPLE: &str = "Interviewer: Thanks for joining. What are you responsible for day to day?
Alex: I run operations for our two sites, so capacity, the on-call rota and the change windows.
Interviewer: What keeps you up at night?
Alex: Downtime, honestly. An outage in the middle of quarter close would be on me.
";

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let dir = &args.dir;
    let mut err = std::io::stderr().lock();
    let existing = match pith::study::Study::open(dir) {
        Ok(study) => study.transcripts.len(),
        Err(pith::error::Error::NoTranscripts { .. }) => 0,
        Err(pith::error::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(e.into()),
    };
    let mut files = vec![(dir.join("pith.toml"), CONFIG), (dir.join("participants.csv"), MANIFEST)];
    if existing > 0 {
        let held = pith::words::counted(existing, "transcript");
        let _ = writeln!(err, "pith: {} already holds {held}: left as they are", dir.display());
    } else {
        std::fs::create_dir_all(dir.join("transcripts"))
            .with_context(|| format!("cannot create {}", dir.join("transcripts").display()))?;
        std::fs::create_dir_all(dir.join("examples"))
            .with_context(|| format!("cannot create {}", dir.join("examples").display()))?;
        files.push((dir.join("examples/interview.txt"), EXAMPLE));
    }
    for (path, text) in files {
        if path.exists() {
            let _ = writeln!(err, "pith: kept existing {}", path.display());
            continue;
        }
        write_new(&path, text)?;
        let _ = writeln!(err, "pith: wrote {}", path.display());
    }
    if existing == 0 {
        let _ = writeln!(
            err,
            "pith: next: put transcripts in {} (to try pith, copy {} there), then `pith run {}`",
            dir.join("transcripts").display(),
            dir.join("examples/interview.txt").display(),
            dir.display()
        );
    }
    Ok(Outcome::Done)
}

fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    pith::fsutil::write_atomic(path, text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))
}
