//! The persona brief: takes the finished [`Persona`] tables and the fold's per-group evidence,
//! gives per group a [`PersonaBrief`] in the order of the persona canvas (ecosystem,
//! responsibilities, rewards, risks, needs, jobs, known unknowns).
//!
//! Every statement is a template filled from counts, never generated prose: "5 of 6 Data Center
//! Debbies fear “downtime” (Downtime and reliability)", with the interviews and passages that
//! count for it, one or two quotes, and a qualifier when Fisher's test called the difference.
//! Only codes that can code their family alone are stated; a weak code is never a statement.

use serde::Serialize;

use super::quotes::locate;
use super::*;
use crate::lexicon::Code;

/// Statements per canvas section, at most.
pub const SECTION_STATEMENTS: usize = 3;
/// Quotes per statement, at most.
pub const STATEMENT_QUOTES: usize = 2;
/// Words a brief's quote is cut to.
const QUOTE_WORDS: usize = 20;
/// User stories per persona, at most.
pub const STORIES: usize = 3;
/// Questions to ask next, per persona, at most.
pub const QUESTIONS: usize = 5;
/// Distinct values of an attribute the fold keeps per group.
pub(super) const LAYER_VALUES: usize = 200;
/// Values of an attribute the brief names; more are summed up.
const LAYER_SHOWN: usize = 4;

/// One group's brief.
#[derive(Debug, Clone, Serialize)]
pub struct PersonaBrief {
    /// The group's name.
    pub persona: String,
    /// Its interviews.
    pub interviews: usize,
    /// The manifest's columns over its interviews (segment, role, …).
    pub layers: Vec<Layer>,
    /// What sets it apart from every other group (Fisher's exact test, q below [`DIFFERENCE_Q`]).
    pub differences: Vec<Difference>,
    /// Canvas sections in order, each with its statements.
    pub sections: Vec<Section>,
    /// Its top jobs as user stories.
    pub stories: Vec<Story>,
    /// The method's unknowns: what to ask next.
    pub questions: Vec<Question>,
}

impl PersonaBrief {
    /// Rewrites every string from the transcripts or the manifest: `text` for text, `id` for
    /// interview ids, `quote` for quotes.
    pub fn redact(&mut self, text: impl Fn(&str) -> String, id: impl Fn(&str) -> String, quote: impl Fn(&mut Quote)) {
        self.persona = text(&self.persona);
        for l in &mut self.layers {
            l.attribute = text(&l.attribute);
            l.values.iter_mut().for_each(|v| v.value = text(&v.value));
            if let Some(r) = &mut l.range {
                r.iter_mut().for_each(|v| *v = text(v));
            }
        }
        for d in &mut self.differences {
            d.text = text(&d.text);
            d.others.iter_mut().for_each(|o| o.persona = text(&o.persona));
        }
        let evidence = |e: &mut Vec<EvidenceRef>| e.iter_mut().for_each(|e| e.interview = id(&e.interview));
        for s in &mut self.sections {
            for st in &mut s.statements {
                st.text = text(&st.text);
                st.phrase = st.phrase.as_deref().map(&text);
                evidence(&mut st.evidence);
                st.quotes.iter_mut().for_each(&quote);
            }
        }
        for s in &mut self.stories {
            s.text = text(&s.text);
            evidence(&mut s.evidence);
        }
        self.questions.iter_mut().for_each(|q| q.text = text(&q.text));
    }
}

/// A manifest column over a group's interviews.
#[derive(Debug, Clone, Serialize)]
pub struct Layer {
    /// The column.
    pub attribute: String,
    /// Its most frequent values with their interviews.
    pub values: Vec<LayerValue>,
    /// Distinct values.
    pub distinct: usize,
    /// Lowest and highest value, when every value is a number or an ISO date.
    pub range: Option<[String; 2]>,
}

/// One value of a [`Layer`].
#[derive(Debug, Clone, Serialize)]
pub struct LayerValue {
    /// The value.
    pub value: String,
    /// Interviews with it.
    pub interviews: usize,
}

/// Interviews of another group with evidence of a code.
#[derive(Debug, Clone, Serialize)]
pub struct GroupCount {
    /// The other group.
    pub persona: String,
    /// Its interviews with evidence.
    pub interviews: usize,
    /// Its interviews.
    pub of: usize,
}

/// A core difference: a code this group speaks of more than the rest.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// `family.name`.
    pub code: String,
    /// Interviews of the group with evidence.
    pub interviews: usize,
    /// Interviews of the group.
    pub of: usize,
    /// The same count in every other group.
    pub others: Vec<GroupCount>,
    /// No other group's interview has evidence of it.
    pub only: bool,
    /// Benjamini–Hochberg q of Fisher's exact test against the rest.
    pub q_value: f64,
    /// The statement.
    pub text: String,
}

/// A canvas section of the brief.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// The section's family (triggers are stated under responsibilities, as the canvas asks
    /// "what's the trigger" there).
    pub section: Family,
    /// Its heading.
    pub title: String,
    /// Its statements, by prevalence × (1 − passage share), as golden themes are ranked.
    pub statements: Vec<Statement>,
}

/// Where a statement's evidence is: an interview and the passages in it.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceRef {
    /// Interview id.
    pub interview: String,
    /// Passages (indexes) where the code is evidence.
    pub passages: Vec<usize>,
}

/// An insight statement.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    /// `family.name`.
    pub code: String,
    /// The code's label.
    pub label: String,
    /// The words that counted in most interviews.
    pub phrase: Option<String>,
    /// Interviews of the group with evidence: `evidence.len()`.
    pub interviews: usize,
    /// Interviews of the group.
    pub of: usize,
    /// Which way the group differs from the rest, when Fisher's test called it.
    pub difference: Option<Direction>,
    /// q of that test, when called.
    pub q_value: Option<f64>,
    /// The statement.
    pub text: String,
    /// Every interview that counts for it, with its passages.
    pub evidence: Vec<EvidenceRef>,
    /// One or two quotes, from different interviews.
    pub quotes: Vec<Quote>,
}

/// A job as a user story.
#[derive(Debug, Clone, Serialize)]
pub struct Story {
    /// "When …, I want to …, so that …" or "I want to … in order to …".
    pub text: String,
    /// The interviews that state it, with the passage.
    pub evidence: Vec<EvidenceRef>,
}

/// A question to ask next: a section or code the interviews asked about or another group spoke
/// of, with little evidence here.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    /// The canvas section.
    pub section: Family,
    /// The code, when it is about one.
    pub code: Option<String>,
    /// The question, with the counts behind it.
    pub text: String,
}

/// The canvas sections in order, each with the families it states.
const SECTIONS: [(Family, &[Family]); 7] = [
    (Family::Ecosystem, &[Family::Ecosystem]),
    (Family::Responsibility, &[Family::Responsibility, Family::Trigger]),
    (Family::Reward, &[Family::Reward]),
    (Family::Risk, &[Family::Risk]),
    (Family::Need, &[Family::Need]),
    (Family::Job, &[Family::Job]),
    (Family::Uncertainty, &[Family::Uncertainty]),
];

/// What a group does with a code of `family`, for a statement.
fn verb(family: Family) -> &'static str {
    match family {
        Family::Ecosystem => "deal with",
        Family::Responsibility => "are responsible for",
        Family::Trigger => "were set moving by",
        Family::Reward => "win on",
        Family::Risk => "fear",
        Family::Need => "need",
        Family::Job => "name the job:",
        Family::Uncertainty => "voice uncertainty:",
        Family::Journey | Family::Role | Family::Relation => "speak of",
    }
}

/// How a statement names a group's interviewees: "Data Center Debbies", or "interviewees with
/// segment enterprise" when grouped by another attribute.
pub fn members(name: &str, by: &str) -> String {
    if by != "persona" || name == crate::model::UNASSIGNED {
        return format!("interviewees with {by} {name}");
    }
    if name.ends_with(['s', 'S']) {
        name.to_string()
    } else {
        format!("{name}s")
    }
}

/// The words joining a job statement's motivation to its `outcome` in the statement's text.
pub(super) fn link(statement: &str, outcome: &str) -> Option<String> {
    let before = statement[..statement.rfind(outcome)?].trim_end().trim_end_matches(',').trim_end();
    let lower = before.to_lowercase();
    ["so that", "in order to", "because", "so"]
        .into_iter()
        .find(|l| lower.ends_with(&format!(" {l}")))
        .map(str::to_string)
}

/// Words a part of a job statement cannot end on: it was cut mid-phrase.
const DANGLING: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "because", "but", "by", "for", "from", "if", "in", "is", "it's", "like",
    "my", "of", "on", "or", "our", "so", "than", "that", "the", "their", "then", "to", "was", "we", "what", "when",
    "which", "with", "your", "i", "you", "they",
];

/// Whether a part of a job statement reads as a whole phrase: two words or more, not ending on
/// a word that needs more, quotes balanced.
fn whole(part: &str) -> bool {
    let words: Vec<&str> = part.split_whitespace().collect();
    let last = words.last().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'').to_lowercase());
    let quotes = part.matches('"').count().is_multiple_of(2) && part.matches('“').count() == part.matches('”').count();
    words.len() >= 2 && last.is_some_and(|w| !w.is_empty() && !DANGLING.contains(&w.as_str())) && quotes
}

/// The shape a job statement needs to be shown: a motivation (with or without its situation)
/// leading to an outcome ("so that", "so", "in order to"; a "because" gives a reason, not an
/// outcome), each part a whole phrase of the participant's words. Others are dropped.
pub fn is_job_shaped(row: &JobRow) -> bool {
    let outcome = row.outcome.as_deref().unwrap_or_default();
    let linked = row.link.as_deref().is_some_and(|l| l != "because");
    linked
        && whole(&row.motivation)
        && whole(outcome)
        && outcome.chars().count() < 160
        && row.situation.as_deref().is_none_or(whole)
}

/// Builds the brief of every group. `groups` are the fold's, in the order of `personas`.
pub(super) fn build(
    personas: &[Persona],
    groups: &[(&String, &GroupAcc)],
    codes: &[Code],
    by: &str,
    share: &HashMap<String, f64>,
) -> Vec<PersonaBrief> {
    personas.iter().zip(groups).map(|(p, (_, g))| persona(p, g, personas, codes, by, share)).collect()
}

fn persona(
    p: &Persona,
    g: &GroupAcc,
    all: &[Persona],
    codes: &[Code],
    by: &str,
    share: &HashMap<String, f64>,
) -> PersonaBrief {
    let who = members(&p.name, by);
    let by_id = |id: &str| codes.iter().position(|c| c.id.as_str() == id);
    let acc = |id: &str| by_id(id).and_then(|c| g.codes.get(&c));
    // What the persona does with the code: the lexicon's own wording, else a verb for the family
    // and the label; the phrase most often matched follows where it adds something.
    let predicate = |c: &CodeStats| {
        let says = by_id(&c.code).and_then(|i| codes[i].says.clone());
        let words = says.unwrap_or_else(|| format!("{} {}", verb(c.family), lower_first(&c.label)));
        match acc(&c.code).and_then(phrase) {
            Some(ph) if !words.to_lowercase().contains(&ph.to_lowercase()) => format!("{words} (“{ph}”)"),
            _ => words,
        }
    };
    let others = |code: &str| -> Vec<GroupCount> {
        all.iter()
            .filter(|o| o.name != p.name)
            .map(|o| GroupCount {
                persona: o.name.clone(),
                interviews: o.codes.iter().find(|c| c.code == code).map_or(0, |c| c.interviews),
                of: o.interviews,
            })
            .collect()
    };
    let against = |counts: &[GroupCount]| -> String {
        let parts: Vec<String> =
            counts.iter().map(|o| format!("{} of {} {}", o.interviews, o.of, members(&o.persona, by))).collect();
        parts.join(", ")
    };
    let differences: Vec<Difference> = p
        .distinctive
        .codes
        .iter()
        .filter(|d| d.significant && d.direction == Direction::Higher)
        .filter_map(|d| {
            let c = p.codes.iter().find(|c| c.code == d.code && !c.weak)?;
            let counts = others(&d.code);
            let only = d.rest_interviews == 0;
            let text = format!(
                "{} {who} {}: {} of {}, against {} (q = {:.3}).",
                if only { "Only" } else { "More" },
                predicate(c),
                c.interviews,
                p.interviews,
                against(&counts),
                d.q_value
            );
            Some(Difference {
                code: d.code.clone(),
                interviews: c.interviews,
                of: p.interviews,
                others: counts,
                only,
                q_value: d.q_value,
                text,
            })
        })
        .collect();
    let support = if p.interviews <= 2 { 1 } else { 2 };
    let sections = SECTIONS
        .iter()
        .map(|&(section, families)| {
            let mut used: Vec<(String, usize)> = Vec::new();
            // As golden themes: prevalence × (1 − the code's share of the study's passages), so a
            // code said everywhere ("I need") gives way to one that says what is needed.
            let score = |c: &CodeStats| c.prevalence * (1.0 - share.get(&c.code).copied().unwrap_or(0.0));
            let mut chosen: Vec<&CodeStats> = p
                .codes
                .iter()
                .filter(|c| families.contains(&c.family) && c.is_theme() && c.interviews >= support)
                .collect();
            chosen.sort_by(|a, b| score(b).total_cmp(&score(a)).then(a.code.cmp(&b.code)));
            let statements = chosen
                .into_iter()
                .take(SECTION_STATEMENTS)
                .map(|c| {
                    let d = p.distinctive.codes.iter().find(|d| d.code == c.code && d.significant);
                    let qualifier = d.map_or(String::new(), |d| {
                        let side = match (d.direction, d.rest_interviews) {
                            (Direction::Higher, 0) => "only this persona",
                            (Direction::Higher, _) => "more than the rest",
                            (Direction::Lower, _) => "fewer than the rest",
                        };
                        format!(", {side}: {} (q = {:.3})", against(&others(&c.code)), d.q_value)
                    });
                    let evidence: Vec<EvidenceRef> = acc(&c.code)
                        .map(|a| {
                            a.evidence_by_interview()
                                .map(|(place, passages)| EvidenceRef {
                                    interview: g.ids.get(place as usize).cloned().unwrap_or_default(),
                                    passages,
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    Statement {
                        code: c.code.clone(),
                        label: c.label.clone(),
                        phrase: acc(&c.code).and_then(phrase),
                        interviews: evidence.len(),
                        of: p.interviews,
                        difference: d.map(|d| d.direction),
                        q_value: d.map(|d| d.q_value),
                        text: format!("{} of {} {who} {}{qualifier}.", c.interviews, p.interviews, predicate(c)),
                        quotes: pick_quotes(&c.quotes, &mut used),
                        evidence,
                    }
                })
                .collect();
            Section { section, title: section.title().to_string(), statements }
        })
        .collect();
    PersonaBrief {
        persona: p.name.clone(),
        interviews: p.interviews,
        layers: layers(g),
        differences,
        sections,
        stories: stories(&p.jobs),
        questions: questions(p, g, all, &who, by),
    }
}

/// A label as the object of a sentence: its first letter lowercased, unless it starts an
/// acronym ("KPIs").
fn lower_first(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(label.chars().skip(1)).collect()
        }
        _ => label.to_string(),
    }
}

/// The matched words used in most interviews (ties: the longer, then the first in order), when
/// they are said in at least half of the code's interviews and carry a content word without
/// speaking of the speaker ("i need", "in order to" say nothing of the code itself).
fn phrase(acc: &CodeAcc) -> Option<String> {
    let (words, n) =
        acc.phrases.iter().max_by(|a, b| a.1.cmp(b.1).then(a.0.len().cmp(&b.0.len())).then(b.0.cmp(a.0)))?;
    let person = |w: &str| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        matches!(w, "i" | "i'm" | "i’m" | "me" | "my" | "we" | "our" | "us" | "you")
    };
    let content = words.split_whitespace().any(|w| is_content_word(w.trim_matches(|c: char| !c.is_alphanumeric())));
    (n * 2 >= acc.interviews && content && !words.split_whitespace().any(person)).then(|| words.clone())
}

/// Up to [`STATEMENT_QUOTES`] of `quotes` whose passage the section has not quoted yet,
/// interviews it has not quoted first, each cut to [`QUOTE_WORDS`] around its match.
fn pick_quotes(quotes: &[Quote], used: &mut Vec<(String, usize)>) -> Vec<Quote> {
    let fresh = |q: &&Quote, used: &[(String, usize)]| !used.iter().any(|(i, _)| *i == q.interview);
    let mut ordered: Vec<&Quote> = quotes.iter().filter(|q| fresh(q, used)).collect();
    ordered.extend(quotes.iter().filter(|q| !fresh(q, used)));
    let mut out = Vec::new();
    for q in ordered {
        if out.len() == STATEMENT_QUOTES {
            break;
        }
        if used.iter().any(|(i, k)| *i == q.interview && *k == q.passage) {
            continue;
        }
        used.push((q.interview.clone(), q.passage));
        out.push(shorten(q));
    }
    out
}

/// A quote cut to about [`QUOTE_WORDS`] words from its start (which is the sentence of its
/// match), or around the match when it lies further in.
fn shorten(q: &Quote) -> Quote {
    let words: Vec<(usize, &str)> =
        q.text.split_whitespace().map(|w| (w.as_ptr() as usize - q.text.as_ptr() as usize, w)).collect();
    if words.len() <= QUOTE_WORDS + 8 {
        return q.clone();
    }
    let marked: String = q.highlight.map_or(String::new(), |[s, e]| q.text.chars().skip(s).take(e - s).collect());
    let at_byte = q.highlight.and_then(|[s, _]| q.text.char_indices().nth(s).map(|(b, _)| b)).unwrap_or(0);
    let at_word = words.iter().rposition(|(b, _)| *b <= at_byte).unwrap_or(0);
    let from = if at_word + 4 < QUOTE_WORDS { 0 } else { at_word.saturating_sub(6) };
    let to = (from + QUOTE_WORDS).min(words.len());
    let body: Vec<&str> = words[from..to].iter().map(|(_, w)| *w).collect();
    let mut text = body.join(" ");
    if from > 0 && !text.starts_with('…') {
        text = format!("… {text}");
    }
    if to < words.len() && !text.ends_with('…') {
        text.push_str(" …");
    }
    let highlight = locate(&text, &marked);
    Quote { text, highlight, ..q.clone() }
}

fn layers(g: &GroupAcc) -> Vec<Layer> {
    g.layers
        .iter()
        .filter(|(k, _)| !matches!(k.to_ascii_lowercase().as_str(), "title" | "speaker" | "speaker_label"))
        .filter_map(|(k, values)| {
            let numbers: Option<Vec<f64>> = values.keys().map(|v| v.trim().parse::<f64>().ok()).collect();
            let dates = values.keys().all(|v| {
                let b = v.as_bytes();
                b.len() == 10 && b[4] == b'-' && b[7] == b'-' && v.replace('-', "").bytes().all(|c| c.is_ascii_digit())
            });
            let range = match numbers {
                Some(ns) if !ns.is_empty() => {
                    let (lo, hi) =
                        ns.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &n| (a.min(n), b.max(n)));
                    Some([lo.to_string(), hi.to_string()])
                }
                _ if dates => Some([values.keys().next()?.clone(), values.keys().next_back()?.clone()]),
                _ => None,
            };
            let mut sorted: Vec<(&String, &usize)> = values.iter().collect();
            sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            Some(Layer {
                attribute: k.clone(),
                distinct: values.len(),
                range,
                values: sorted
                    .into_iter()
                    .take(LAYER_SHOWN)
                    .map(|(v, n)| LayerValue { value: v.clone(), interviews: *n })
                    .collect(),
            })
        })
        .collect()
}

/// The group's jobs as user stories: statements with the same first words of motivation are one
/// story, the one stated in most interviews first.
fn stories(jobs: &[JobRow]) -> Vec<Story> {
    let key = |j: &JobRow| -> String {
        j.motivation.split_whitespace().take(4).map(str::to_lowercase).collect::<Vec<_>>().join(" ")
    };
    let mut grouped: Vec<(String, &JobRow, Vec<EvidenceRef>)> = Vec::new();
    for j in jobs {
        let k = key(j);
        let at = EvidenceRef { interview: j.interview.clone(), passages: vec![j.passage] };
        match grouped.iter_mut().find(|(g, ..)| *g == k) {
            Some((_, _, ev)) => match ev.iter_mut().find(|e| e.interview == j.interview) {
                Some(e) => e.passages.push(j.passage),
                None => ev.push(at),
            },
            None => grouped.push((k, j, vec![at])),
        }
    }
    grouped.sort_by_key(|g| std::cmp::Reverse(g.2.len()));
    grouped.into_iter().take(STORIES).map(|(_, j, evidence)| Story { text: story(j), evidence }).collect()
}

/// A job statement written as a user story.
pub fn story(j: &JobRow) -> String {
    let outcome = j.outcome.as_deref().unwrap_or_default();
    let link = if j.link.as_deref() == Some("in order to") { "in order to" } else { "so that" };
    match &j.situation {
        Some(s) => format!("When {s}, I want to {}, {link} {outcome}.", j.motivation),
        None => format!("I want to {} {link} {outcome}.", j.motivation),
    }
}

/// The method's unknowns: canvas sections the questions named but few interviews gave evidence
/// of, then codes another group spoke of in half its interviews or more and this one in at most
/// one, in a section the questions named.
fn questions(p: &Persona, g: &GroupAcc, all: &[Persona], who: &str, by: &str) -> Vec<Question> {
    let n = p.interviews;
    let asked = |f: Family| g.asked.get(&f).copied().unwrap_or(0);
    let evidence = |f: Family| p.families.iter().find(|s| s.family == f).map_or(0, |s| s.interviews);
    let mut out: Vec<Question> = SECTIONS
        .iter()
        .filter(|(f, _)| asked(*f) > 0 && evidence(*f) * 2 < n)
        .map(|&(f, _)| Question {
            section: f,
            code: None,
            text: format!(
                "What are their {}? The questions named them in {} of {n} interviews; {} of {n} {who} gave evidence.",
                f.title().to_lowercase(),
                asked(f),
                evidence(f)
            ),
        })
        .collect();
    for o in all.iter().filter(|o| o.name != p.name) {
        for c in o.codes.iter().filter(|c| c.is_theme() && c.interviews * 2 >= o.interviews && asked(c.family) > 0) {
            let here = p.codes.iter().find(|m| m.code == c.code).map_or(0, |m| m.interviews);
            if here <= 1 && !out.iter().any(|q| q.code.as_deref() == Some(&c.code)) {
                out.push(Question {
                    section: c.family,
                    code: Some(c.code.clone()),
                    text: format!(
                        "Do {who} speak of {}? {} of {} {} did, {here} of {n} here.",
                        lower_first(&c.label),
                        c.interviews,
                        o.interviews,
                        members(&o.name, by)
                    ),
                });
            }
        }
    }
    out.truncate(QUESTIONS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(situation: Option<&str>, motivation: &str, outcome: Option<&str>, link: Option<&str>) -> JobRow {
        JobRow {
            interview: "i".into(),
            participant: "p".into(),
            passage: 0,
            situation: situation.map(str::to_string),
            motivation: motivation.into(),
            outcome: outcome.map(str::to_string),
            link: link.map(str::to_string),
        }
    }

    #[test]
    fn jobs_need_a_whole_motivation_and_an_outcome() {
        let shaped = row(
            None,
            "know within a day whether that row can take it",
            Some("sales can promise a date"),
            Some("so that"),
        );
        assert!(is_job_shaped(&shaped));
        assert_eq!(
            story(&shaped),
            "I want to know within a day whether that row can take it so that sales can promise a date."
        );
        // Narration: a situation and what happens, no outcome.
        assert!(!is_job_shaped(&row(Some("I allocate memory"), "need to pass in this alignment", None, None)));
        // Cut mid-phrase.
        assert!(!is_job_shaped(&row(
            None,
            "deploy servers to the remaining three hundred or",
            Some("stores open"),
            Some("so")
        )));
        // A reason is not an outcome.
        assert!(!is_job_shaped(&row(None, "see the closets", Some("right now I hear nothing"), Some("because"))));
        // Unbalanced quotes.
        assert!(!is_job_shaped(&row(None, "say \"yes, row F", Some("we win the deal"), Some("so that"))));
        let when = row(Some("a rack comes in"), "know where it goes", Some("give sales a date"), Some("in order to"));
        assert_eq!(story(&when), "When a rack comes in, I want to know where it goes, in order to give sales a date.");
    }

    #[test]
    fn the_link_is_read_from_the_statement() {
        assert_eq!(link("I want to X, so that we win", "we win").as_deref(), Some("so that"));
        assert_eq!(link("I need to X in order to win", "win").as_deref(), Some("in order to"));
        assert_eq!(link("we need to X because it broke", "it broke").as_deref(), Some("because"));
        assert_eq!(link("we need to X so it works", "it works").as_deref(), Some("so"));
        assert_eq!(link("we need to X", "nothing"), None);
    }

    #[test]
    fn members_pluralize_persona_names_only() {
        assert_eq!(members("Data Center Debbie", "persona"), "Data Center Debbies");
        assert_eq!(members("Facilities Frank", "persona"), "Facilities Franks");
        assert_eq!(members("enterprise", "segment"), "interviewees with segment enterprise");
    }

    #[test]
    fn shortened_quotes_keep_their_match_highlighted() {
        let text = format!("{} downtime scares me {}", "word ".repeat(40).trim_end(), "more ".repeat(40).trim_end());
        let start = text.find("downtime").unwrap_or(0);
        let q = Quote {
            interview: "i".into(),
            participant: "p".into(),
            passage: 1,
            speaker: None,
            text: text.clone(),
            start: 0,
            end: 0,
            time: None,
            prompted: false,
            highlight: Some([start, start + 8]),
            score: 0.0,
        };
        let short = shorten(&q);
        assert!(short.text.starts_with("… ") && short.text.ends_with(" …"), "{}", short.text);
        let [s, e] = short.highlight.unwrap_or_default();
        assert_eq!(short.text.chars().skip(s).take(e - s).collect::<String>(), "downtime");
        assert!(short.text.split_whitespace().count() <= QUOTE_WORDS + 2);
    }
}
