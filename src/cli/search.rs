//! `pith search STUDY QUERY`: passages ranked by BM25 with highlighted snippets, or counts
//! per group with `--count-by`.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use serde::Serialize;

use pith::index::{self, Empty, Filters, GroupBy, Hit, Mode, Plan, QueryMode, SearchRequest, StudyIndex};
use pith::model::{CodeId, Role};

use super::{Context, Outcome};

/// Arguments of `pith search`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The study folder (indexed by `pith index` or `pith run`).
    study: PathBuf,
    /// A question or words (any may match, ranked), or the exact syntax: "phrases", OR, AND,
    /// NOT or -word, field:value, *. A query may start with `-word`: options come before it or
    /// after a word.
    #[arg(allow_hyphen_values = true)]
    query: String,
    /// Read the query as the exact syntax only (every word required); an error if it does not parse.
    #[arg(long)]
    exact: bool,
    /// Do not add the lexicon terms of a code a query word names.
    #[arg(long)]
    no_expand: bool,
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
    /// One line per match: left context, the match, right context, INTERVIEW:N, aligned.
    #[arg(long, conflicts_with = "count_by")]
    kwic: bool,
    /// One JSON object per hit (or per group), snippets with `**` around matched words.
    #[arg(long)]
    json: bool,
}

/// Characters of context on each side of a `--kwic` match.
const KWIC_WIDTH: usize = 40;

#[derive(Serialize)]
struct HitRow<'a> {
    id: String,
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
    /// Character ranges of the matched words in `text`.
    matches: Vec<[usize; 2]>,
    mode: Mode,
}

#[derive(Serialize)]
struct GroupRow<'a> {
    group: &'a str,
    key: &'a str,
    passages: u64,
    interviews: u64,
    total_interviews: u64,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<Outcome> {
    let request = request(&args)?;
    let mut idx = index::open(&args.study)?;
    if !args.no_expand || request.filters.code.is_some() {
        // Expansion and code names come from the study's lexicons; a search without them still runs.
        if let Ok(opened) = super::open_study(&Context { quiet: true, ..*ctx }, &args.study) {
            idx.set_lexicon(&opened.lexicon);
        }
    }
    idx.check(&request)?;
    let mut out = BufWriter::new(io::stdout().lock());
    let tty = io::stdout().is_terminal();
    if let Some(by) = &args.count_by {
        let by = GroupBy::parse(by);
        idx.check_group(&by)?;
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
                serde_json::to_writer(&mut out, &row).map_err(io::Error::from)?;
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
        if groups.is_empty() {
            why_empty(&idx, &request)?;
        } else if by == GroupBy::Persona && groups.iter().all(|g| g.key == pith::model::UNASSIGNED) {
            note("every passage's persona is unassigned: participants.csv gives each transcript a persona");
        }
    } else {
        let found = idx.search(&request)?;
        explain_plan(ctx, &found.plan);
        for hit in &found.hits {
            if args.json {
                serde_json::to_writer(&mut out, &hit_row(hit, found.plan.mode)).map_err(io::Error::from)?;
                writeln!(out)?;
            } else if args.kwic {
                print_kwic(&mut out, hit, tty)?;
            } else {
                print_hit(&mut out, hit, tty)?;
            }
        }
        if found.hits.is_empty() {
            why_empty(&idx, &request)?;
        }
    }
    out.flush()?;
    Ok(Outcome::Done)
}

fn note(message: &str) {
    let _ = writeln!(io::stderr(), "pith: {message}");
}

/// Says on stderr how the query was read when that is not plain: syntax that did not parse,
/// names boosted, words expanded.
fn explain_plan(ctx: &Context, plan: &Plan) {
    if ctx.quiet {
        return;
    }
    if let Some(why) = &plan.not_syntax {
        note(&format!("not valid query syntax ({why}); searched as any-word text (--exact to insist)"));
    }
    if !plan.names.is_empty() {
        note(&format!("ranked higher: passages of {}", plan.names.join(", ")));
    }
    for e in &plan.expanded {
        let terms = if e.terms.is_empty() { "passages coded with it".to_string() } else { e.terms.join(", ") };
        note(&format!("expanded {:?} with code {}: {terms} (--no-expand to search the word only)", e.word, e.code));
    }
}

/// Says on stderr why a search found nothing, and what to try.
fn why_empty(idx: &StudyIndex, request: &SearchRequest) -> anyhow::Result<()> {
    note(match idx.why_empty(request)? {
        Empty::OtherRoles => {
            "no participant passage matches, but interviewer or unknown-role passages do: add --role any"
        }
        Empty::NotEveryWord => {
            "no passage matches the query exactly (every word required); without the syntax or --exact, \
             passages with any of its words are ranked"
        }
        Empty::Filters => {
            "no passage matches with these filters; without --persona, --code, --interview and --attr some do"
        }
        Empty::NoWords => "the query has no words to search",
        Empty::NoMatch => "no passage has any of these words; try other words, or a code with --code",
    });
    Ok(())
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
        mode: if args.exact { QueryMode::Exact } else { QueryMode::Auto },
        expand: !args.no_expand,
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

fn hit_row(hit: &Hit, mode: Mode) -> HitRow<'_> {
    HitRow {
        id: hit.id(),
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
        matches: hit.matches.iter().map(|m| [m.chars.start, m.chars.end]).collect(),
        mode,
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
    writeln!(out, "{}  {} ({}){}  score {:.2}", hit.id(), speaker, hit.persona, time, hit.score)?;
    writeln!(out, "    {}", snippet.split_whitespace().collect::<Vec<_>>().join(" "))?;
    writeln!(out)
}

/// One line per match: the left context right-aligned, the match, the right context padded.
fn print_kwic(out: &mut impl Write, hit: &Hit, tty: bool) -> io::Result<()> {
    let (open, close) = if tty { ("\x1b[1;31m", "\x1b[0m") } else { ("", "") };
    for k in hit.kwic(KWIC_WIDTH) {
        let pad = |s: &str| " ".repeat(KWIC_WIDTH.saturating_sub(s.chars().count()));
        writeln!(
            out,
            "{}{}  {open}{}{close}  {}{}  {}",
            pad(&k.left),
            k.left,
            k.matched,
            k.right,
            pad(&k.right),
            hit.id()
        )?;
    }
    Ok(())
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
