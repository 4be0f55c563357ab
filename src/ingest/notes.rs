//! Interview notes: takes a text document (Markdown, plain text, or the paragraphs of a `.docx`
//! or `.odt`, one per line) and gives its turns with their roles when its structure is a notes
//! layout, `None` otherwise (the text reader's rules apply then).
//!
//! In notes, the interviewer's questions are lines: bullets with a question (`- Could you tell
//! us…?`, `1. Why…?`), bold bullets (`- **Tell me about…**`), bold lines or headings that are
//! questions, or `Q:` lines. The lines under a question, until the next one, are the
//! participant's answer (an answer may start on the question's own line, after the `?` or a
//! `*`; `A:` starts one too). Notetaker and moderator lines (`Notetaker: …`, `***[moves the
//! card]***`, `[moderator clicks Next]`) are notes. Text before the first question (a title, a
//! link list) and short unpunctuated section titles just before a question are notes too.
//!
//! A Zoom transcript with cue timing lines but no speaker names, annotated with `Notetaker:`
//! lines, is read as notes as well: each cue is a turn, the interviewer's when it asks a
//! question (it holds a `?`), the participant's otherwise.
//!
//! A document is notes only when it has at least [`MIN_QUESTIONS`] question lines (or as many cue
//! timing lines and a notetaker line), and at most one line with another speaker's label
//! (`Ana: …`, `- P1: "…"`) per [`LABELS_PER_QUESTION`] questions; interviewer labels (`Q:`,
//! `MODERATOR:`) are questions, `A:` and notetaker labels are part of the layout.

use std::ops::Range;

use super::speaker::{classify, inline_label, is_interviewer_label, Line};
use crate::model::{Role, TimeRange, Turn};

/// Question lines (or cues) a document needs before it is read as notes.
pub const MIN_QUESTIONS: usize = 3;

/// Notes may hold a stray `Word: text` line, but a transcript with a speaker label for every
/// few questions is a labelled one.
const LABELS_PER_QUESTION: usize = 4;

/// Labels after which a document with fewer than [`LABELS_PER_QUESTION`] questions per label so
/// far is taken for a labelled transcript without reading on.
const EARLY_LABELS: usize = 8;

/// What one line of a notes document is (ranges are byte offsets into the document).
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Blank,
    /// A heading or rule that is not a question.
    Markup,
    /// A cue timing line.
    Timing(TimeRange),
    /// A question (or an interviewer's labelled line), and the start of an answer on its line.
    Question {
        speaker: Option<String>,
        question: Range<usize>,
        answer: Option<Range<usize>>,
    },
    /// The start of an answer (`A: …`, `*answer`).
    Answer {
        speaker: Option<String>,
        text: Range<usize>,
    },
    /// A notetaker's remark or a moderator's action, and speech after it on the same line.
    Note {
        note: Range<usize>,
        speaker: Option<String>,
        rest: Option<Range<usize>>,
    },
    /// A line with a speaker label that is not an interviewer's, `A` or a notetaker's (counted
    /// against notes; within notes, text).
    Label(Range<usize>),
    /// Speech, or its continuation.
    Text(Range<usize>),
}

struct Classified {
    kind: Kind,
    line: usize,
}

/// Labels of notetakers and observers, whose lines are notes.
fn is_note_label(name: &str) -> bool {
    let n = name.trim().trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ').to_lowercase();
    matches!(n.as_str(), "notetaker" | "note taker" | "note-taker" | "notes" | "observer")
}

/// Bullet markers a question line may start with (`*` only in bold bullets: alone it marks an answer).
fn strip_bullet(s: &str) -> Option<&str> {
    for marker in ["- ", "-\t", "+ ", "• ", "– "] {
        if let Some(rest) = s.strip_prefix(marker) {
            return Some(rest.trim_start());
        }
    }
    if let Some(rest) = s.strip_prefix('-').filter(|r| r.starts_with(|c: char| c.is_alphabetic() || c == '*')) {
        return Some(rest);
    }
    // `1.`, `2)`, and guide numbering such as `1 `, `1.a `, `3.b)`.
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=2).contains(&digits) {
        return None;
    }
    let mut rest = &s[digits..];
    if let Some(sub) = rest.strip_prefix('.') {
        let n = sub.bytes().take_while(u8::is_ascii_alphanumeric).count();
        rest = if (1..=2).contains(&n) { &sub[n..] } else { rest };
    }
    let rest = rest.strip_prefix(['.', ')']).unwrap_or(rest);
    rest.starts_with([' ', '\t']).then(|| rest.trim_start())
}

/// The range of `inner` (a subslice of `line`) as document offsets, without `<br>` and
/// whitespace at either end and without a leading `*` answer mark; `None` when nothing is left.
fn speech(line: &str, start: usize, inner: &str) -> Option<Range<usize>> {
    let mut s = inner.trim();
    loop {
        let before = s.len();
        s = s.strip_suffix("<br>").unwrap_or(s).trim_end();
        s = s.strip_prefix("<br>").unwrap_or(s).trim_start();
        if s.len() == before {
            break;
        }
    }
    let s = s.strip_prefix('*').filter(|r| !r.starts_with('*') && !r.contains('*')).unwrap_or(s).trim();
    if s.is_empty() {
        return None;
    }
    let at = s.as_ptr() as usize - line.as_ptr() as usize;
    Some(start + at..start + at + s.len())
}

/// Byte offsets of the `?`s in `s` that end a question (followed by the end, a space or markup;
/// not the `?` of a URL's query).
fn question_marks(s: &str) -> impl Iterator<Item = usize> + '_ {
    s.match_indices('?').map(|(i, _)| i).filter(|&i| {
        s[i + 1..].chars().next().is_none_or(|c| c.is_whitespace() || matches!(c, '*' | '<' | '"' | '\u{201D}' | ')'))
    })
}

/// A question and the answer after it on one line: split at a `*` after the first `?`, else
/// after the last `?`.
fn split_question(line: &str, start: usize, content: &str) -> Option<Kind> {
    let first = question_marks(content).next()?;
    let cut = match content[first..].find(" *") {
        Some(star) => first + star,
        None => question_marks(content).last().map_or(content.len(), |q| q + 1),
    };
    let question = speech(line, start, &content[..cut])?;
    Some(Kind::Question { speaker: None, question, answer: speech(line, start, &content[cut..]) })
}

/// `**…**` at the start of `s` (two or three stars): the bold text and what follows it.
fn bold(s: &str) -> Option<(&str, &str)> {
    let stars = s.bytes().take_while(|&b| b == b'*').count();
    if !(2..=3).contains(&stars) {
        return None;
    }
    let body = &s[stars..];
    let close = body.find("**")?;
    let after = body[close..].trim_start_matches('*');
    Some((&body[..close], after))
}

/// A moderator's action in brackets at the start of `s` (`***[moves a card]***`,
/// `[moderator clicks Next]`): the action and what follows it.
fn action(s: &str) -> Option<(&str, &str)> {
    let stars = s.bytes().take_while(|&b| b == b'*').count();
    let body = s[stars..].strip_prefix('[')?;
    let close = body.find(']')?;
    let after = body[close + 1..].trim_start_matches('*');
    let inside = &body[..close];
    let first = inside.split_whitespace().next().unwrap_or("").to_lowercase();
    let actor = matches!(first.as_str(), "moderator" | "participant" | "notetaker" | "interviewer" | "facilitator");
    (stars > 0 || after.trim().is_empty() || actor).then_some((inside, after))
}

fn label(line: &str, start: usize, body: &str) -> Kind {
    speech(line, start, body).map_or(Kind::Blank, Kind::Label)
}

fn classify_line(line: &str, start: usize) -> Kind {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return Kind::Blank;
    }
    let lead = line.len() - line.trim_start().len();
    let body = &line[lead..];
    if let Some((inside, after)) = action(body) {
        if let Some(note) = speech(line, start, inside) {
            return Kind::Note { note, speaker: None, rest: speech(line, start, after) };
        }
    }
    let direction = body.trim_end().strip_prefix('(').and_then(|b| b.strip_suffix(')'));
    if let Some(note) = direction.and_then(|d| speech(line, start, d)) {
        return Kind::Note { note, speaker: None, rest: None };
    }
    if let Some(heading) = body.strip_prefix('#') {
        let text = heading.trim_start_matches('#').trim().trim_matches('*');
        if text.ends_with('?') {
            return speech(line, start, text).map_or(Kind::Markup, |q| Kind::Question {
                speaker: None,
                question: q,
                answer: None,
            });
        }
    }
    if let Some(item) = strip_bullet(body) {
        // `- P1: "a quote"`: a speaker's line in a list (a code book), not a question.
        if inline_label(item).is_some_and(|l| !is_interviewer_label(l.name) && !is_note_label(l.name)) {
            return label(line, start, body);
        }
        if let Some((q, after)) = bold(item) {
            if let Some(question) = speech(line, start, q) {
                return Kind::Question { speaker: None, question, answer: speech(line, start, after) };
            }
        }
        if let Some(kind) = split_question(line, start, item) {
            return kind;
        }
    }
    if let Some((q, after)) = bold(body).filter(|(q, _)| q.trim_end_matches([' ', '<', 'b', 'r', '>']).ends_with('?')) {
        if let Some(question) = speech(line, start, q) {
            return Kind::Question { speaker: None, question, answer: speech(line, start, after) };
        }
    }
    if let Some(first) = question_marks(body).next().filter(|&q| body[q + 1..].starts_with(" *")) {
        if let Some(question) = speech(line, start, &body[..=first]) {
            return Kind::Question { speaker: None, question, answer: speech(line, start, &body[first + 1..]) };
        }
    }
    if body.starts_with('*') && !body.starts_with("**") {
        return speech(line, start, body).map_or(Kind::Blank, |text| Kind::Answer { speaker: None, text });
    }
    match classify(line) {
        Line::Markup => Kind::Markup,
        Line::Timing(t) => Kind::Timing(t),
        Line::Inline { name, text_start, .. } => {
            let rest = &line[text_start..];
            let speaker = Some(name.to_string());
            if is_note_label(name) {
                speech(line, start, rest).map_or(Kind::Blank, |note| Kind::Note { note, speaker, rest: None })
            } else if is_interviewer_label(name) {
                speech(line, start, rest).map_or(Kind::Blank, |question| Kind::Question {
                    speaker,
                    question,
                    answer: None,
                })
            } else if let Some(answer) = rest.strip_prefix('*').filter(|r| !r.starts_with('*')) {
                // `Reserves: *answer`: a topic the notetaker asked about, then the answer.
                let question = speech(line, start, &line[..text_start]).map(|q| q.start..q.end - 1);
                match question {
                    Some(question) => Kind::Question { speaker: None, question, answer: speech(line, start, answer) },
                    None => label(line, start, body),
                }
            } else if matches!(name.to_ascii_lowercase().as_str(), "a" | "answer") {
                speech(line, start, rest).map_or(Kind::Blank, |text| Kind::Answer { speaker, text })
            } else {
                label(line, start, body)
            }
        }
        Line::Header { name: Some(name), .. } if !is_note_label(name) => label(line, start, body),
        Line::Header { .. } => Kind::Blank,
        Line::Timed { .. } => label(line, start, body),
        Line::Text => speech(line, start, body).map_or(Kind::Blank, Kind::Text),
    }
}

/// The turns of `document` from byte `from` on, when it is a notes layout; `None` when it is not.
pub(super) fn turns(document: &str, from: usize) -> Option<Vec<Turn>> {
    let first_line = document[..from].matches('\n').count();
    let mut lines = Vec::new();
    let (mut questions, mut cues, mut notetakers, mut labels) = (0, 0, 0, 0);
    let mut offset = from;
    for (i, raw) in document[from..].split_inclusive('\n').enumerate() {
        let kind = classify_line(raw.trim_end_matches(['\n', '\r']), offset);
        offset += raw.len();
        match &kind {
            Kind::Label(_) => {
                labels += 1;
                // A labelled transcript shows itself within a few turns: stop reading it as notes.
                if labels > EARLY_LABELS && labels * LABELS_PER_QUESTION > questions {
                    return None;
                }
            }
            Kind::Question { .. } => questions += 1,
            Kind::Timing(_) => cues += 1,
            Kind::Note { speaker: Some(_), .. } => notetakers += 1,
            _ => {}
        }
        lines.push(Classified { kind, line: first_line + i + 1 });
    }
    let notes = (questions >= MIN_QUESTIONS || (cues >= MIN_QUESTIONS && notetakers > 0))
        && labels * LABELS_PER_QUESTION <= questions;
    notes.then(|| Builder::default().build(document, &lines))
}

/// Whether the text line at `i` is a section title: short, unpunctuated, after a blank line
/// (or first) and right before a question.
fn is_title(document: &str, lines: &[Classified], i: usize, text: &Range<usize>) -> bool {
    let after_blank = i == 0 || matches!(lines[i - 1].kind, Kind::Blank | Kind::Markup);
    let next = lines[i + 1..].iter().find(|l| l.kind != Kind::Blank);
    after_blank && is_heading(&document[text.clone()]) && next.is_some_and(|l| matches!(l.kind, Kind::Question { .. }))
}

/// Whether text before the first question is a document's heading rather than speech: a title
/// (short, unpunctuated) or a link.
fn is_heading(text: &str) -> bool {
    let t = text.trim_start_matches(['-', '*', '+', ' ']);
    let link = t.starts_with('[') && t.contains("](") && t.ends_with(')');
    link || (t.split_whitespace().count() <= 6 && !t.ends_with(['.', '!', '?', ',', ';', ':', '"', '\u{201D}']))
}

/// A turn being built; its role is decided when it closes where it is `None` (a cue: the
/// interviewer's when it asks a question).
struct Open {
    role: Option<Role>,
    speaker: Option<String>,
    text: Range<usize>,
    time: Option<TimeRange>,
    line: usize,
}

#[derive(Default)]
struct Builder {
    turns: Vec<Turn>,
    current: Option<Open>,
    /// A question or a cue has been seen: text is speech from here on, not the header's.
    started: bool,
    /// The current stretch is a cue of a timed transcript.
    cue: bool,
    time: Option<TimeRange>,
}

impl Builder {
    fn close(&mut self, document: &str) {
        if let Some(open) = self.current.take() {
            let asks = || question_marks(&document[open.text.clone()]).next().is_some();
            let role = open.role.unwrap_or_else(|| if asks() { Role::Interviewer } else { Role::Participant });
            self.push(open.speaker, open.text, role, open.line, open.time);
        }
    }

    fn push(&mut self, speaker: Option<String>, text: Range<usize>, role: Role, line: usize, time: Option<TimeRange>) {
        self.turns.push(Turn { speaker, text, time, line, role: Some(role), marks: Vec::new() });
    }

    fn open(&mut self, role: Option<Role>, text: Range<usize>, line: usize) {
        self.current = Some(Open { role, speaker: None, text, time: self.time.take(), line });
    }

    fn build(mut self, document: &str, lines: &[Classified]) -> Vec<Turn> {
        for (i, l) in lines.iter().enumerate() {
            match &l.kind {
                Kind::Blank => {}
                Kind::Markup => self.close(document),
                Kind::Timing(t) => {
                    self.close(document);
                    (self.time, self.started, self.cue) = (Some(*t), true, true);
                }
                Kind::Question { speaker, question, answer } => {
                    self.close(document);
                    let time = self.time.take();
                    self.push(speaker.clone(), question.clone(), Role::Interviewer, l.line, time);
                    (self.started, self.cue) = (true, false);
                    if let Some(a) = answer {
                        self.open(Some(Role::Participant), a.clone(), l.line);
                    }
                }
                Kind::Answer { speaker, text } => {
                    self.close(document);
                    self.open(Some(Role::Participant), text.clone(), l.line);
                    if let Some(open) = self.current.as_mut() {
                        open.speaker.clone_from(speaker);
                    }
                }
                Kind::Note { note, speaker, rest } => {
                    self.close(document);
                    self.push(speaker.clone(), note.clone(), Role::Note, l.line, None);
                    if let Some(r) = rest {
                        self.open(Some(Role::Participant), r.clone(), l.line);
                    }
                }
                Kind::Text(t) | Kind::Label(t) if is_title(document, lines, i, t) => {
                    self.close(document);
                    self.push(None, t.clone(), Role::Note, l.line, None);
                }
                Kind::Text(t) | Kind::Label(t) => match self.current.as_mut() {
                    Some(open) => open.text.end = t.end,
                    None => {
                        let role = match (self.started, self.cue) {
                            (false, _) if is_heading(&document[t.clone()]) => Some(Role::Note),
                            (false, _) => Some(Role::Unknown),
                            (true, true) => None,
                            (true, false) => Some(Role::Participant),
                        };
                        self.open(role, t.clone(), l.line);
                    }
                },
            }
        }
        self.close(document);
        self.turns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(doc: &str) -> Option<Vec<(Role, String)>> {
        let turns = turns(doc, 0)?;
        Some(turns.iter().map(|t| (t.role.unwrap_or(Role::Unknown), doc[t.text.clone()].to_string())).collect())
    }

    fn owned(v: &[(Role, &str)]) -> Vec<(Role, String)> {
        v.iter().map(|(r, s)| (*r, s.to_string())).collect()
    }

    #[test]
    fn bullet_questions_with_answers_on_their_line_and_under_it() {
        let doc = "Questions for Veterans\n\nBackground\n- Could you tell us about your service? *I was a pilot.\n\
                   More about it.\n\n-TAPS? It was long.\n  - Where did you learn about it?\n* From a friend.\n\n\
                   Transition\n1. What was hardest? Leaving.\n";
        use Role::*;
        let want = [
            (Note, "Questions for Veterans"),
            (Note, "Background"),
            (Interviewer, "Could you tell us about your service?"),
            (Participant, "I was a pilot.\nMore about it."),
            (Interviewer, "TAPS?"),
            (Participant, "It was long."),
            (Interviewer, "Where did you learn about it?"),
            (Participant, "From a friend."),
            (Note, "Transition"),
            (Interviewer, "What was hardest?"),
            (Participant, "Leaving."),
        ];
        assert_eq!(read(doc), Some(owned(&want)));
    }

    #[test]
    fn bold_bullets_moderator_actions_and_notetaker_lines() {
        let doc = "# Participant 1\n\n- **Have you used VA benefits? <br>**\nThe GI Bill.<br>\n  - **Tell me more.** <br>\n  \
                   It was easy.\n- **Anything else?**\nNo.\n\n***[moves TAP card]*** TAP goes here.\n\
                   [moderator clicks Next]\nNotetaker: P liked it.\n";
        use Role::*;
        let want = [
            (Interviewer, "Have you used VA benefits?"),
            (Participant, "The GI Bill."),
            (Interviewer, "Tell me more."),
            (Participant, "It was easy."),
            (Interviewer, "Anything else?"),
            (Participant, "No."),
            (Note, "moves TAP card"),
            (Participant, "TAP goes here."),
            (Note, "moderator clicks Next"),
            (Note, "P liked it."),
        ];
        assert_eq!(read(doc), Some(owned(&want)));
    }

    #[test]
    fn q_and_a_lines_and_question_headings() {
        let doc = "## Why did you switch?\nThe old one broke.\nQ: What then?\nA: We moved.\nQ: And now? Fine.\n";
        use Role::*;
        let want = [
            (Interviewer, "Why did you switch?"),
            (Participant, "The old one broke."),
            (Interviewer, "What then?"),
            (Participant, "We moved."),
            (Interviewer, "And now? Fine."),
        ];
        assert_eq!(read(doc), Some(owned(&want)));
    }

    #[test]
    fn unlabelled_cues_with_notetaker_lines() {
        let doc =
            "Session 6\n- [Plan](https://x.org/p?page=2)\n\n00:00:01.000 --> 00:00:04.000\nDo you read your notes?\n\n\
                   00:00:05.000 --> 00:00:09.000\nYes, always.\nNotetaker: reads them.\n00:00:10.000 --> 00:00:12.000\n\
                   Great. Next task.\n";
        let turns = turns(doc, 0).unwrap_or_default();
        let got: Vec<_> = turns.iter().map(|t| (t.role, &doc[t.text.clone()], t.time.map(|t| t.start))).collect();
        use Role::*;
        assert_eq!(
            got,
            [
                (Some(Note), "Session 6\n- [Plan](https://x.org/p?page=2)", None),
                (Some(Interviewer), "Do you read your notes?", Some(1.0)),
                (Some(Participant), "Yes, always.", Some(5.0)),
                (Some(Note), "reads them.", None),
                (Some(Participant), "Great. Next task.", Some(10.0)),
            ]
        );
    }

    #[test]
    fn every_cut_keeps_turns_inside_ascending_and_trimmed() {
        let doc = "Title\n- **Why? <br>**\nBecause.<br>\n***[clicks]*** Here.\n- How? *Slowly. \n(pause)\nQ: When?\nA: Now.\n";
        for cut in (0..=doc.len()).filter(|&c| doc.is_char_boundary(c)) {
            let mut last = 0;
            for t in turns(&doc[..cut], 0).unwrap_or_default() {
                let text = &doc[t.text.clone()];
                assert!(t.text.start >= last && t.text.end <= cut && !text.is_empty(), "cut {cut}: {t:?}");
                assert_eq!(text.trim(), text, "cut {cut}");
                last = t.text.end;
            }
        }
    }

    #[test]
    fn labelled_transcripts_and_few_questions_are_not_notes() {
        assert_eq!(read("- Why?\nAna: Because.\n- How?\n- When?\n"), None);
        assert_eq!(read("- Why? Because.\n- How? Slowly.\n"), None);
        assert_eq!(read("Some text.\n\nMore text? Yes.\n"), None);
    }
}
