//! `pith search STUDY QUERY`: passages ranked by BM25 with highlighted snippets, or counts
//! per group with `--count-by`.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use serde::Serialize;

use pith::index::{self, Filters, GroupBy, Hit, SearchRequest};
use pith::model::{CodeId, Role};

use super::{Context, Outcome};

/// Arguments of `pith search`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder (indexed by `pith index` or `pith run`).
    study: PathBuf,
    /// Words (all required, stemmed as in coding), "phrases", OR, NOT or -word, field:value, *.
    /// A query may start with `-word`: options come before it or after a word.
    #[arg(allow_hyphen_values = true)]
    query: String,
    /// Only passages of this persona (exact name).
    #[arg(long)]
    persona: Option<String>,
    /// Only passages coded with this code or a code under it (`risk`, `risk.downtime`).
    #[arg(long)]
    code: Option<String>,
    /// Only passages of this role: participant, interviewer, unknown, note or any.
    #[arg(long, default_value = "participant")]
    role: String,
    /// Only this interview (its id: the transcript path without extension).
    #[arg(long)]
    interview: Option<String>,
    /// Only interviews whose manifest attribute KEY is VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    attr: Vec<String>,
    /// Most hits to print.
    #[arg(long, short = 'n', default_value_t = 20)]
    limit: usize,
    /// Count matching passages and interviews per persona, code, interview or ATTRIBUTE.
    #[arg(long, value_name = "GROUP")]
    count_by: Option<String>,
    /// One JSON object per hit (or per group), snippets with `**` around matched words.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct HitRow<'a> {
    interview: &'a str,
    passage: usize,
    participant: &'a str,
    persona: &'a str,
    speaker: Option<&'a str>,
    role: Role,
    time: Option<f64>,
    score: f32,
    codes: &'a [CodeId],
    text: &'a str,
    snippet: String,
}

#[derive(Serialize)]
struct GroupRow<'a> {
    group: &'a str,
    key: &'a str,
    passages: u64,
    interviews: u64,
    total_interviews: u64,
}

pub fn run(_ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    let request = request(&args)?;
    let idx = index::open(&args.study)?;
    let mut out = BufWriter::new(io::stdout().lock());
    let tty = io::stdout().is_terminal();
    if let Some(by) = &args.count_by {
        let by = GroupBy::parse(by);
        let groups = idx.count_by(&request, &by)?;
        let name = group_name(&by);
        for g in &groups {
            if args.json {
                let row = GroupRow {
                    group: &name,
                    key: &g.key,
                    passages: g.passages,
                    interviews: g.interviews,
                    total_interviews: g.total_interviews,
                };
                serde_json::to_writer(&mut out, &row)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "{}\t{}\t{} of {}",
                    g.key,
                    pith::words::counted(g.passages as usize, "passage"),
                    g.interviews,
                    pith::words::counted(g.total_interviews as usize, "interview")
                )?;
            }
        }
    } else {
        let hits = idx.search(&request)?;
        if hits.is_empty() && request.filters.role == Some(Role::Participant) {
            let mut unknown = request.clone();
            unknown.filters.role = Some(Role::Unknown);
            unknown.limit = 1;
            if !idx.search(&unknown)?.is_empty() {
                let _ = writeln!(
                    io::stderr(),
                    "pith: no participant passage matches, but passages whose speaker role is unknown do: add --role any"
                );
            }
        }
        for hit in &hits {
            if args.json {
                serde_json::to_writer(&mut out, &hit_row(hit))?;
                writeln!(out)?;
            } else {
                print_hit(&mut out, hit, tty)?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Done)
}

fn request(args: &Args) -> anyhow::Result<SearchRequest> {
    let role = match args.role.trim().to_lowercase().as_str() {
        "any" | "all" => None,
        r => Some(Role::parse(r).ok_or_else(|| {
            anyhow::anyhow!("unknown role {:?} (participant, interviewer, unknown, note or any)", args.role)
        })?),
    };
    let code =
        match &args.code {
            Some(c) => Some(CodeId::parse(c.trim()).ok_or_else(|| {
                anyhow::anyhow!("{c:?} is not a code or family (for example `risk` or `risk.downtime`)")
            })?),
            None => None,
        };
    let mut attrs = Vec::new();
    for a in &args.attr {
        let (k, v) = a.split_once('=').ok_or_else(|| anyhow::anyhow!("--attr {a:?}: expected KEY=VALUE"))?;
        attrs.push((k.to_string(), v.to_string()));
    }
    Ok(SearchRequest {
        query: args.query.clone(),
        filters: Filters { persona: args.persona.clone(), code, role, interview: args.interview.clone(), attrs },
        limit: args.limit,
    })
}

fn group_name(by: &GroupBy) -> String {
    match by {
        GroupBy::Persona => "persona".into(),
        GroupBy::Code => "code".into(),
        GroupBy::Interview => "interview".into(),
        GroupBy::Participant => "participant".into(),
        GroupBy::Attribute(a) => a.clone(),
    }
}

fn hit_row(hit: &Hit) -> HitRow<'_> {
    HitRow {
        interview: &hit.interview,
        passage: hit.passage,
        participant: &hit.participant,
        persona: &hit.persona,
        speaker: hit.speaker.as_deref(),
        role: hit.role,
        time: hit.time,
        score: hit.score,
        codes: &hit.codes,
        text: &hit.text,
        snippet: hit.snippet.marked("**", "**"),
    }
}

fn print_hit(out: &mut impl Write, hit: &Hit, tty: bool) -> io::Result<()> {
    let snippet = if tty { hit.snippet.marked("\x1b[1;31m", "\x1b[0m") } else { hit.snippet.marked("**", "**") };
    let time = hit.time.map(clock).map(|t| format!(" [{t}]")).unwrap_or_default();
    // An unlabelled passage is the interview's participant's, unless its layout said otherwise.
    let speaker = match (hit.speaker.as_deref(), hit.role) {
        (Some(speaker), _) => speaker,
        (None, Role::Participant | Role::Unknown) => &hit.participant,
        (None, role) => role.as_str(),
    };
    writeln!(out, "{}#{}  {} ({}){}  score {:.2}", hit.interview, hit.passage, speaker, hit.persona, time, hit.score)?;
    writeln!(out, "    {}", snippet.split_whitespace().collect::<Vec<_>>().join(" "))?;
    writeln!(out)
}

/// Seconds as `h:mm:ss` or `m:ss`.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}
