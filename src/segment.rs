//! segment: takes a [`Transcript`] and the study's role rules, gives `Vec<Passage>`.
//!
//! One passage per speaker turn; a turn longer than [`SPLIT_ABOVE`] words is split at
//! sentence boundaries into passages of about 60–120 words, so that a quote stays quotable.
//! Roles come from the study's interviewer names, then the manifest's participant speaker
//! label, then the transcript's own front matter (`host:`, `guest:`), then label conventions (`Interviewer 1`, `Q`, `MODERATOR`, `Host` are interviewers;
//! `Participant`, `Interviewee` are participants; beside `P1`-style participant ids, `A1` or
//! `R1` are the research team), then, when no interviewer is found
//! that way, the speaker who asks the most questions. Every other speaker is a participant, so
//! group interviews (several participants) need nothing special. Turns without a speaker have
//! role unknown. A role the reader found in the layout (interview notes: question, answer,
//! note) decides over all of these.
//!
//! A passage's time is where it starts: the turn's for a whole turn; for each piece of a split
//! turn, the start of the cue or segment it starts in (when cues were merged into the turn),
//! interpolated by characters up to the next cue or the turn's end (else the next turn's start),
//! since the sources give no finer times than that.
//!
//! Invariant: passages are disjoint spans in source order; their char spans count the same
//! text as their byte spans; slicing the document text by either gives the passage text.

use std::collections::HashMap;
use std::ops::Range;

use crate::ingest::speaker::{is_interviewer_label, is_participant_label, study_id};
use crate::ingest::Limits;
use crate::model::{Passage, Role, Span, TimeRange, Transcript, Turn};
use crate::words::{sentences, word_count};

/// Turns longer than this many words are split.
pub const SPLIT_ABOVE: usize = 150;
/// Smallest piece a long turn is split into, in words.
const PIECE_MIN: usize = 60;
/// Largest piece a long turn is split into, in words (unless one sentence is longer).
const PIECE_MAX: usize = 120;

/// What decides who is the interviewer.
#[derive(Debug, Clone, Default)]
pub struct RoleRules {
    /// Speaker names the study says are interviewers (case-insensitive).
    pub interviewers: Vec<String>,
    /// Speaker labels the manifest says are the participant(s) (case-insensitive).
    pub participants: Vec<String>,
}

/// Assigns a role to every speaker label of the transcript.
pub fn assign_roles(transcript: &Transcript, rules: &RoleRules) -> HashMap<String, Role> {
    let eq = |list: &[String], name: &str| list.iter().any(|n| n.trim().eq_ignore_ascii_case(name.trim()));
    // Front matter may name them too (`guest: April Dunford`, `host: Lenny`).
    let named = |keys: &[&str]| -> Vec<String> {
        let attrs = transcript.attributes.iter();
        attrs.filter(|(k, _)| keys.iter().any(|key| k.eq_ignore_ascii_case(key))).map(|(_, v)| v.clone()).collect()
    };
    let source_interviewers = named(&["host", "interviewer", "moderator"]);
    let source_participants = named(&["guest", "participant", "interviewee"]);
    // `A1`/`R1` are the research team only where participants are `P1`, `P2`, ...
    let study_ids = transcript.turns.iter().any(|t| t.speaker.as_deref().and_then(study_id) == Some(false));
    let role_of = |name: &str| {
        if eq(&rules.interviewers, name) {
            Role::Interviewer
        } else if eq(&rules.participants, name) {
            Role::Participant
        } else if eq(&source_interviewers, name) {
            Role::Interviewer
        } else if eq(&source_participants, name) {
            Role::Participant
        } else if is_interviewer_label(name) {
            Role::Interviewer
        } else if is_participant_label(name) {
            Role::Participant
        } else if let Some(team) = study_id(name).filter(|_| study_ids) {
            if team {
                Role::Interviewer
            } else {
                Role::Participant
            }
        } else {
            Role::Unknown
        }
    };
    // Each speaker's role, turns and turns that end in a question.
    let mut speakers: HashMap<&str, (Role, usize, usize)> = HashMap::new();
    for turn in transcript.turns.iter().filter(|t| t.role.is_none()) {
        let Some(name) = turn.speaker.as_deref() else { continue };
        let text = transcript.document[turn.text.clone()].trim_end();
        let e = speakers.entry(name).or_insert_with(|| (role_of(name), 0, 0));
        e.1 += 1;
        // A question turn ends with its question; answers may ask rhetorical ones midway.
        e.2 += usize::from(text.trim_end_matches(['"', '\'', ')', '\u{201D}', ' ']).ends_with('?'));
    }
    let has_interviewer = speakers.values().any(|s| s.0 == Role::Interviewer);
    if !has_interviewer && speakers.len() >= 2 {
        // The speaker with the most turns that end in a question (then the largest share of
        // such turns), if any asks at all.
        let asker = speakers
            .iter()
            .filter(|(_, (role, _, q))| *q > 0 && *role == Role::Unknown)
            .max_by(|a, b| {
                let share = |(_, n, q): (Role, usize, usize)| q as f64 / n.max(1) as f64;
                a.1 .2.cmp(&b.1 .2).then(share(*a.1).total_cmp(&share(*b.1))).then(b.0.cmp(a.0))
            })
            .map(|(&name, _)| name);
        if let Some(s) = asker.and_then(|name| speakers.get_mut(name)) {
            s.0 = Role::Interviewer;
        }
    }
    let known = |role: Role| if role == Role::Unknown { Role::Participant } else { role };
    speakers.into_iter().map(|(name, (role, ..))| (name.to_string(), known(role))).collect()
}

/// Splits the transcript into passages.
pub fn segment(transcript: &Transcript, rules: &RoleRules) -> Vec<Passage> {
    segment_with(transcript, rules, Limits::default().max_passage_bytes)
}

/// [`segment`], with passages of at most `max_passage_bytes` (a longer piece is cut at the
/// last whitespace before the limit, else at a char boundary).
pub fn segment_with(transcript: &Transcript, rules: &RoleRules, max_passage_bytes: usize) -> Vec<Passage> {
    let max_passage_bytes = max_passage_bytes.max(64);
    let roles = assign_roles(transcript, rules);
    let doc = &transcript.document;
    let mut passages: Vec<Passage> = Vec::new();
    let mut chars = CharCounter::default();
    let mut last_question: Option<usize> = None;
    for (i, turn) in transcript.turns.iter().enumerate() {
        let role = turn.role.or_else(|| turn.speaker.as_ref().and_then(|s| roles.get(s)).copied());
        let role = role.unwrap_or(Role::Unknown);
        let question = if matches!(role, Role::Interviewer | Role::Note) { None } else { last_question };
        let pieces: Vec<Range<usize>> =
            split_turn(doc, turn.text.clone()).into_iter().flat_map(|p| cap(doc, p, max_passage_bytes)).collect();
        let clock = (pieces.len() > 1).then(|| Clock::new(turn, transcript.turns.get(i + 1)));
        for piece in pieces {
            let time = clock.as_ref().map_or(turn.time, |c| c.range(doc, &piece));
            let span = Span { chars: chars.to(doc, piece.start)..chars.to(doc, piece.end), bytes: piece };
            passages.push(Passage { index: passages.len(), speaker: turn.speaker.clone(), role, span, time, question });
        }
        if role == Role::Interviewer {
            last_question = passages.len().checked_sub(1);
        }
    }
    passages
}

/// The times within one turn that is split into several passages: the turn's start, the starts
/// of the cues merged into it, and its end (or the next turn's start). A passage starts at the
/// time interpolated by characters between the two points around its first byte.
struct Clock {
    /// (byte offset, seconds), ascending.
    points: Vec<(usize, f64)>,
    /// The turn's time, for a turn whose end is unknown.
    time: Option<TimeRange>,
}

impl Clock {
    fn new(turn: &Turn, next: Option<&Turn>) -> Clock {
        let Some(time) = turn.time else { return Clock { points: Vec::new(), time: None } };
        let mut points = vec![(turn.text.start, time.start)];
        points.extend(turn.marks.iter().copied().filter(|&(at, _)| at > turn.text.start && at < turn.text.end));
        let last = points.last().map_or(time.start, |p| p.1);
        if let Some(end) = time.end.or_else(|| next.and_then(|n| n.time).map(|t| t.start)).filter(|&e| e >= last) {
            points.push((turn.text.end, end));
        }
        Clock { points, time: Some(time) }
    }

    /// Seconds at byte `at` of the turn, if the turn has times.
    fn at(&self, doc: &str, at: usize) -> Option<f64> {
        let k = self.points.iter().rposition(|&(b, _)| b <= at)?;
        let (from, t0) = self.points[k];
        let Some(&(to, t1)) = self.points.get(k + 1) else { return Some(t0) };
        let (done, all) = (doc[from..at].chars().count(), doc[from..to].chars().count());
        Some(t0 + (t1 - t0) * done as f64 / all.max(1) as f64)
    }

    fn range(&self, doc: &str, piece: &Range<usize>) -> Option<TimeRange> {
        let start = self.at(doc, piece.start)?;
        let end = if self.points.len() > 1 { self.at(doc, piece.end) } else { self.time.and_then(|t| t.end) };
        Some(TimeRange { start, end })
    }
}

/// Converts ascending byte offsets to char offsets without rescanning.
#[derive(Default)]
struct CharCounter {
    byte: usize,
    char: usize,
}

impl CharCounter {
    fn to(&mut self, doc: &str, byte: usize) -> usize {
        if byte < self.byte {
            *self = CharCounter::default();
        }
        self.char += doc[self.byte..byte].chars().count();
        self.byte = byte;
        self.char
    }
}

/// Cuts `range` into pieces of at most `max` bytes, at whitespace where there is some.
fn cap(doc: &str, range: Range<usize>, max: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = range.start;
    while range.end - start > max {
        let mut end = start + max;
        while !doc.is_char_boundary(end) {
            end -= 1;
        }
        let cut = doc[start..end].rfind(char::is_whitespace).filter(|&i| i > 0).map_or(end, |i| start + i);
        out.push(start..start + doc[start..cut].trim_end().len());
        start = cut;
        let rest = &doc[start..range.end];
        start += rest.len() - rest.trim_start().len();
    }
    if start < range.end {
        out.push(start..range.end);
    }
    out
}

/// Byte ranges of the pieces of one turn (the whole turn when it is short).
fn split_turn(doc: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let text = &doc[range.clone()];
    // Words are a byte long at least and a byte apart: a short turn needs no count.
    if text.len().div_ceil(2) <= SPLIT_ABOVE || word_count(text) <= SPLIT_ABOVE {
        return vec![range];
    }
    let sentences = sentences(text);
    let mut pieces: Vec<Range<usize>> = Vec::new();
    let mut current: Option<(Range<usize>, usize)> = None;
    let mut remaining: usize = sentences.iter().map(|x| x.1).sum();
    for (k, (s, n)) in sentences.iter().enumerate() {
        remaining -= n;
        let (r, count) = current.get_or_insert((s.start..s.end, 0));
        r.end = s.end;
        *count += n;
        let next = sentences.get(k + 1).map_or(0, |x| x.1);
        if *count >= PIECE_MIN && (*count + next > PIECE_MAX) && remaining >= PIECE_MIN / 2 {
            pieces.push(r.clone());
            current = None;
        }
    }
    if let Some((r, _)) = current {
        pieces.push(r);
    }
    pieces
        .into_iter()
        .filter_map(|r| {
            let piece = &text[r.clone()];
            let lead = piece.len() - piece.trim_start().len();
            let trail = piece.len() - piece.trim_end().len();
            (lead + trail < piece.len()).then(|| range.start + r.start + lead..range.start + r.end - trail)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transcript(doc: &str, turns: &[(&str, Range<usize>)]) -> Transcript {
        Transcript {
            document: doc.to_string(),
            turns: turns
                .iter()
                .map(|(s, r)| Turn {
                    speaker: Some(s.to_string()),
                    text: r.clone(),
                    time: None,
                    line: 1,
                    role: None,
                    marks: Vec::new(),
                })
                .collect(),
            attributes: Vec::new(),
        }
    }

    #[test]
    fn long_pieces_are_capped_at_whitespace_or_char_boundary() {
        let doc = format!("{} {}", "é".repeat(100), "word ".repeat(30));
        let pieces = cap(&doc, 0..doc.len(), 64);
        assert!(pieces.iter().all(|r| r.len() <= 64 && doc.is_char_boundary(r.start) && doc.is_char_boundary(r.end)));
        assert_eq!(pieces.iter().map(|r| &doc[r.clone()]).collect::<String>().replace(' ', ""), doc.replace(' ', ""));
        assert!(pieces.windows(2).all(|w| w[0].end <= w[1].start));
    }

    #[test]
    fn roles_from_rules_labels_and_questions() {
        let doc = "Why? Because. How so? Like this.";
        let t = transcript(doc, &[("Ann", 0..4), ("Bo", 5..13), ("Ann", 14..21), ("Bo", 22..32)]);
        let roles = assign_roles(&t, &RoleRules::default());
        assert_eq!(roles["Ann"], Role::Interviewer);
        assert_eq!(roles["Bo"], Role::Participant);
        let rules = RoleRules { interviewers: vec!["bo".into()], participants: vec![] };
        assert_eq!(assign_roles(&t, &rules)["Bo"], Role::Interviewer);
        assert_eq!(assign_roles(&t, &rules)["Ann"], Role::Participant);
    }

    #[test]
    fn front_matter_names_the_guest() {
        // Bo asks more questions, but the front matter says Bo is the guest.
        let doc = "Ready? Who? What? Yes. Fine?";
        let mut t = transcript(doc, &[("Ann", 0..6), ("Bo", 7..11), ("Bo", 12..17), ("Ann", 18..22), ("Bo", 23..28)]);
        assert_eq!(assign_roles(&t, &RoleRules::default())["Bo"], Role::Interviewer);
        t.attributes.push(("guest".into(), "bo".into()));
        let roles = assign_roles(&t, &RoleRules::default());
        assert_eq!((roles["Ann"], roles["Bo"]), (Role::Interviewer, Role::Participant));
    }

    #[test]
    fn research_team_ids_beside_participant_ids() {
        // P2 asks more questions than A1, but A1 is the researcher by the study's id scheme.
        let doc = "Ready? Who? What? Yes. Fine?";
        let t = transcript(doc, &[("A1", 0..6), ("P2", 7..11), ("P2", 12..17), ("A1", 18..22), ("P2", 23..28)]);
        let roles = assign_roles(&t, &RoleRules::default());
        assert_eq!((roles["A1"], roles["P2"]), (Role::Interviewer, Role::Participant));
        // Without P ids, A1 is just a label and the questions decide.
        let t = transcript(doc, &[("A1", 0..6), ("B2", 7..11), ("B2", 12..17), ("A1", 18..22), ("B2", 23..28)]);
        let roles = assign_roles(&t, &RoleRules::default());
        assert_eq!((roles["A1"], roles["B2"]), (Role::Participant, Role::Interviewer));
    }

    #[test]
    fn passages_slice_back_and_carry_their_question() {
        let doc = "Q: Was it hard?\nÉmile: Très dur, oui.";
        let answer = doc.find("Très").unwrap_or(0);
        let t = transcript(doc, &[("Q", 3..15), ("Émile", answer..doc.len())]);
        let p = segment(&t, &RoleRules::default());
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].role, Role::Interviewer);
        assert_eq!(p[1].question, Some(0));
        let chars: Vec<char> = doc.chars().collect();
        let by_chars: String = chars[p[1].span.chars.clone()].iter().collect();
        assert_eq!(by_chars, &doc[p[1].span.bytes.clone()]);
        assert_eq!(by_chars, "Très dur, oui.");
    }

    #[test]
    fn long_turns_split_at_sentences_into_quotable_pieces() {
        let sentence = "We had to move twelve racks over one weekend and nobody slept much at all. ";
        let body = sentence.repeat(30); // 30 sentences x 15 words = 450 words
        let doc = format!("Tom: {}", body.trim_end());
        let t = transcript(&doc, &[("Tom", 5..doc.len())]);
        let p = segment(&t, &RoleRules::default());
        assert!(p.len() >= 4, "{} pieces", p.len());
        let mut total = 0;
        for x in &p {
            let text = &doc[x.span.bytes.clone()];
            let n = text.split_whitespace().count();
            total += n;
            assert!((PIECE_MIN..=PIECE_MAX).contains(&n), "{n} words");
            assert!(text.ends_with('.') && text.starts_with("We"));
        }
        assert_eq!(total, 450);
    }

    #[test]
    fn a_turn_is_split_from_one_word_past_the_limit_however_densely_written() {
        // One-letter words a space apart, a sentence every five: about as many words as a
        // splittable turn's bytes can hold. The turns that skip counting are the ones too short
        // to pass the limit.
        for (words, split) in [(SPLIT_ABOVE, false), (SPLIT_ABOVE + 1, true)] {
            let body: Vec<&str> = (1..=words).map(|i| if i % 5 == 0 || i == words { "a." } else { "a" }).collect();
            let doc = format!("Tom: {}", body.join(" "));
            assert!(doc.len() - 5 < 2 * words + words / 5 + 1, "dense: {} bytes", doc.len() - 5);
            let p = segment(&transcript(&doc, &[("Tom", 5..doc.len())]), &RoleRules::default());
            assert_eq!(p.len() > 1, split, "{words} words");
        }
    }
}
