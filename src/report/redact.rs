//! Redaction (`--redact`): takes the study and its coded interviews, gives a [`Redactor`] that
//! rewrites [`Aggregates`] in place so that no participant, speaker or interviewer name the
//! manifest, `pith.toml` or the transcripts know, and no email, phone number or URL, survives in
//! any string the reports print.
//!
//! Pseudonyms: participants (every distinct manifest and interview participant) sorted
//! case-insensitively are `P01`, `P02`, …: stable for the study as long as the participant set
//! is the same, whatever order the files are listed in. A full name's parts (three letters or
//! more) are replaced too, so "Priya" alone becomes Priya Sharma's pseudonym. Interviewers
//! (the study's `interviewers` and speakers placed as interviewers) become `Interviewer`.
//! Interview ids, which come from file names, become `I01`, `I02`, … in sorted order.
//! Emails become `[email]`, phone numbers `[phone]`, URLs `[url]`. Distinctive terms that are
//! or contain a name are dropped. Matching is whole-word and case-insensitive, on text and names
//! folded alike (folded: compatibility forms, accents dropped, apostrophes and dashes of every
//! kind as `'` and `-`), so `O’Brien`, an NFD `Siobhán` and `Siobhan` are all the name given; a
//! name's parts between spaces, apostrophes and hyphens are replaced too.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use regex::{Captures, Regex};
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

use crate::aggregate::{Aggregates, Quote};
use crate::error::{Error, Result};
use crate::ingest::speaker::{is_interviewer_label, is_participant_label, study_id};
use crate::model::CodedInterview;
use crate::model::Role;
use crate::study::Study;

/// What interviewers are called in redacted reports.
pub const INTERVIEWER: &str = "Interviewer";
/// What a name part shared by two people becomes.
const AMBIGUOUS: &str = "[name]";
/// Name parts shorter than this (in chars) are not replaced on their own ("Li" would be, as a
/// full name; as a surname part it would hit too many words).
const MIN_PART: usize = 3;

const URL: &str = r#"(?i)\b(?:https?://|www\.)[^\s<>"'()\[\]{}]*[^\s<>"'()\[\]{}.,;:!?]"#;
const EMAIL: &str = r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b";
const PHONE: &str =
    r"(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\b\d{1,5}(?:[\s.-]\d{2,8}){1,4}\b|(?:\+|\b)\d{10,15}\b";

/// Rewrites report strings; see the module doc.
pub struct Redactor {
    url: Regex,
    email: Regex,
    phone: Regex,
    date: Regex,
    /// Lowercase name or name part -> replacement.
    names: HashMap<String, String>,
    /// The names, longest first, whole-word, case-insensitive; `None` when there are none.
    names_re: Option<Regex>,
    /// Lowercase participant -> pseudonym.
    participants: HashMap<String, String>,
    /// Original interview id -> `I01`, ...
    interviews: HashMap<String, String>,
    /// Lowercase speaker label -> replacement.
    speakers: HashMap<String, String>,
}

/// `text` folded for name matching: compatibility forms, lowercase, accents (combining marks)
/// dropped, apostrophe and dash variants as `'` and `-`; with, for each byte of the folded text,
/// where the original character it came from starts.
fn fold(text: &str) -> (String, Vec<usize>) {
    let mut folded = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        let mut push = |c: char| {
            let c = match c {
                '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '\u{2032}' | '`' | '\u{00B4}' => '\'',
                '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}' => '-',
                c => c,
            };
            for l in c.to_lowercase() {
                folded.push(l);
                origin.extend(std::iter::repeat_n(at, l.len_utf8()));
            }
        };
        decompose_compatible(c, |d| {
            if !is_combining_mark(d) {
                push(d);
            }
        });
    }
    (folded, origin)
}

fn regex(pattern: &str) -> Result<Regex> {
    Regex::new(pattern).map_err(|e| Error::Invalid(format!("redaction pattern: {e}")))
}

/// A label that names a role, not a person (`Interviewer`, `Q`, `P3`, `Speaker 1`).
fn is_generic_label(label: &str) -> bool {
    let l = label.trim();
    let speaker_n = l.to_lowercase().trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ').to_string();
    l.chars().count() < 2
        || is_interviewer_label(l)
        || is_participant_label(l)
        || study_id(l).is_some()
        || speaker_n == "speaker"
        || speaker_n == "unknown"
}

/// What one interview tells redaction: its id, its participant, and its speakers with their
/// roles. Small, so a streaming run can keep one per interview.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Names {
    /// Interview id.
    pub id: String,
    /// Participant.
    pub participant: String,
    /// Distinct speaker labels with their roles.
    pub speakers: Vec<(String, Role)>,
}

impl Names {
    /// The names of a coded interview.
    pub fn of(interview: &CodedInterview) -> Names {
        let mut speakers: Vec<(String, Role)> = Vec::new();
        for p in &interview.passages {
            if let Some(label) = p.passage.speaker.as_deref() {
                if !speakers.iter().any(|(l, r)| l == label && *r == p.passage.role) {
                    speakers.push((label.to_string(), p.passage.role));
                }
            }
        }
        Names { id: interview.meta.id.clone(), participant: interview.meta.participant.clone(), speakers }
    }
}

impl Redactor {
    /// Learns the names from the study (manifest, `pith.toml` interviewers) and the coded
    /// interviews (participants, speaker labels and their roles).
    pub fn new(study: &Study, interviews: &[Names]) -> Result<Redactor> {
        let mut people: BTreeMap<String, String> = BTreeMap::new();
        let mut add_person = |name: &str| {
            let name = name.trim();
            if !name.is_empty() {
                people.entry(name.to_lowercase()).or_insert_with(|| name.to_string());
            }
        };
        for row in &study.manifest {
            if let Some(p) = &row.participant {
                add_person(p);
            }
        }
        for i in interviews {
            add_person(&i.participant);
        }
        let participants: HashMap<String, String> =
            people.keys().enumerate().map(|(n, key)| (key.clone(), format!("P{:02}", n + 1))).collect();

        let mut speakers: HashMap<String, String> = HashMap::new();
        let mut interviewer_names: BTreeSet<String> =
            study.config.interviewers.iter().map(|s| s.trim().to_lowercase()).collect();
        for row in &study.manifest {
            if let (Some(speaker), Some(p)) = (&row.speaker, &row.participant) {
                if let Some(pseudonym) = participants.get(&p.trim().to_lowercase()) {
                    speakers.insert(speaker.trim().to_lowercase(), pseudonym.clone());
                }
            }
        }
        for i in interviews {
            for (label, role) in &i.speakers {
                if *role == Role::Interviewer {
                    interviewer_names.insert(label.trim().to_lowercase());
                }
            }
        }
        let interviewer_parts: BTreeSet<&str> =
            interviewer_names.iter().flat_map(|n| n.split_whitespace()).filter(|p| !is_generic_label(p)).collect();
        let mut others: BTreeSet<String> = BTreeSet::new();
        for i in interviews {
            let own = participants.get(&i.participant.trim().to_lowercase()).cloned();
            for (label, role) in &i.speakers {
                let key = label.trim().to_lowercase();
                if key.is_empty()
                    || is_generic_label(label)
                    || speakers.contains_key(&key)
                    || participants.contains_key(&key)
                    || interviewer_names.contains(&key)
                {
                    continue;
                }
                if interviewer_parts.contains(key.as_str()) {
                    speakers.insert(key, INTERVIEWER.to_string());
                } else if let (Role::Participant, Some(own)) = (*role, &own) {
                    speakers.insert(key, own.clone());
                } else {
                    others.insert(key);
                }
            }
        }
        // Named speakers pith could not place: people all the same, but of unknown identity.
        for key in others {
            speakers.entry(key).or_insert_with(|| AMBIGUOUS.to_string());
        }
        for name in &interviewer_names {
            speakers.entry(name.clone()).or_insert_with(|| INTERVIEWER.to_string());
        }
        for (key, pseudonym) in &participants {
            speakers.entry(key.clone()).or_insert_with(|| pseudonym.clone());
        }

        // Every full name and label, then the parts of each, for the text rewrite. A participant
        // without a manifest name is its interview id (a file path): a pseudonym, but no name.
        let ids: BTreeSet<String> = interviews.iter().map(|i| i.id.trim().to_lowercase()).collect();
        let mut names: HashMap<String, String> = HashMap::new();
        let mut wholes: Vec<(&String, &String)> = speakers.iter().filter(|(k, _)| !ids.contains(*k)).collect();
        wholes.sort();
        let wholes: Vec<(String, &String)> = wholes.into_iter().map(|(n, r)| (fold(n).0, r)).collect();
        for (name, replacement) in &wholes {
            let name = name.trim_matches(|c: char| !c.is_alphanumeric());
            if !name.is_empty() && !is_generic_label(name) {
                names.insert(name.to_string(), (*replacement).clone());
            }
        }
        let mut parts: HashMap<String, String> = HashMap::new();
        for (name, replacement) in &wholes {
            let hyphened = name.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-');
            for part in hyphened.clone().chain(hyphened.flat_map(|w| w.split(['\'', '-']))) {
                let part = part.trim_matches(|c: char| !c.is_alphanumeric());
                if part.chars().count() < MIN_PART || is_generic_label(part) || names.contains_key(part) {
                    continue;
                }
                parts
                    .entry(part.to_string())
                    .and_modify(|r| {
                        if r != *replacement {
                            *r = AMBIGUOUS.to_string();
                        }
                    })
                    .or_insert_with(|| (*replacement).clone());
            }
        }
        names.extend(parts);
        let mut keys: Vec<&String> = names.keys().collect();
        keys.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        let names_re = if keys.is_empty() {
            None
        } else {
            let alternation: Vec<String> = keys.iter().map(|k| regex::escape(k)).collect();
            Some(regex(&format!(r"(?i)\b(?:{})\b", alternation.join("|")))?)
        };

        let mut ids: Vec<&str> = interviews.iter().map(|i| i.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let interviews = ids.iter().enumerate().map(|(n, id)| (id.to_string(), format!("I{:02}", n + 1))).collect();
        Ok(Redactor {
            url: regex(URL)?,
            email: regex(EMAIL)?,
            phone: regex(PHONE)?,
            date: regex(r"^\d{4}-\d{2}-\d{2}$|^(?:19|20)\d{2}[\s.-](?:19|20)\d{2}$")?,
            names,
            names_re,
            participants,
            interviews,
            speakers,
        })
    }

    /// `text` with URLs, emails and phone numbers masked and names replaced.
    pub fn text(&self, text: &str) -> String {
        let s = self.url.replace_all(text, "[url]");
        let s = self.email.replace_all(&s, "[email]");
        let s = self.phone.replace_all(&s, |c: &Captures<'_>| {
            let m = &c[0];
            let digits = m.chars().filter(char::is_ascii_digit).count();
            if digits >= 7 && !self.date.is_match(m) {
                "[phone]".to_string()
            } else {
                m.to_string()
            }
        });
        let Some(re) = &self.names_re else { return s.into_owned() };
        let (folded, origin) = fold(&s);
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for m in re.find_iter(&folded) {
            let start = origin[m.start()];
            // The end of the original character behind the match's last byte, and any combining
            // marks after it (an NFD accent folds to nothing but belongs to the name).
            let mut end = origin[m.end() - 1];
            end += s[end..].chars().next().map_or(0, char::len_utf8);
            end += s[end..].chars().take_while(|&c| is_combining_mark(c)).map(char::len_utf8).sum::<usize>();
            if start < last {
                continue;
            }
            out.push_str(&s[last..start]);
            out.push_str(self.names.get(m.as_str()).map_or(AMBIGUOUS, String::as_str));
            last = end;
        }
        out.push_str(&s[last..]);
        out
    }

    fn participant(&self, name: &str) -> String {
        self.participants.get(&name.trim().to_lowercase()).cloned().unwrap_or_else(|| self.text(name))
    }

    fn interview(&self, id: &str) -> String {
        self.interviews.get(id).cloned().unwrap_or_else(|| self.text(id))
    }

    fn speaker(&self, label: &str) -> String {
        self.speakers.get(&label.trim().to_lowercase()).cloned().unwrap_or_else(|| self.text(label))
    }

    fn quote(&self, q: &mut Quote) {
        q.interview = self.interview(&q.interview);
        q.participant = self.participant(&q.participant);
        q.speaker = q.speaker.as_deref().map(|s| self.speaker(s));
        let marked: Option<String> = q.highlight.map(|[s, e]| q.text.chars().skip(s).take(e - s).collect());
        q.text = self.text(&q.text);
        q.highlight = marked.and_then(|m| crate::aggregate::locate(&q.text, &self.text(&m)));
    }

    /// Whether a term is, or contains, a name or something masked.
    fn is_identifying(&self, term: &str) -> bool {
        self.text(term) != term || term.split_whitespace().any(|w| self.names.contains_key(&fold(w).0))
    }

    /// Rewrites every string of `agg` that comes from the transcripts or the manifest.
    pub fn apply(&self, agg: &mut Aggregates) {
        agg.study = self.text(&agg.study);
        for p in &mut agg.buying_map.personas {
            p.persona = self.text(&p.persona);
            p.because = p.because.as_deref().map(|b| self.text(b));
        }
        for l in &mut agg.buying_map.links {
            (l.from, l.to) = (self.text(&l.from), self.text(&l.to));
        }
        for persona in &mut agg.personas {
            persona.name = self.text(&persona.name);
            for code in &mut persona.codes {
                code.quotes.iter_mut().for_each(|q| self.quote(q));
            }
            persona.known_unknowns.iter_mut().for_each(|q| self.quote(q));
            persona.journey.iter_mut().filter_map(|s| s.quote.as_mut()).for_each(|q| self.quote(q));
            for role in &mut persona.buying_unit {
                role.quotes.iter_mut().for_each(|q| self.quote(q));
                role.named_in = role.named_in.iter().map(|id| self.interview(id)).collect();
            }
            for job in &mut persona.jobs {
                job.interview = self.interview(&job.interview);
                job.participant = self.participant(&job.participant);
                job.situation = job.situation.as_deref().map(|s| self.text(s));
                job.motivation = self.text(&job.motivation);
                job.outcome = job.outcome.as_deref().map(|s| self.text(s));
            }
            persona.distinctive.terms.retain(|t| !self.is_identifying(&t.term) && !self.is_identifying(&t.stem));
            persona.saturation.order = persona.saturation.order.iter().map(|id| self.interview(id)).collect();
        }
        for b in &mut agg.brief {
            b.redact(|s| self.text(s), |id| self.interview(id), |q| self.quote(q));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bare() -> Redactor {
        let mut names = HashMap::new();
        names.insert("priya sharma".to_string(), "P01".to_string());
        names.insert("priya".to_string(), "P01".to_string());
        names.insert("sam".to_string(), INTERVIEWER.to_string());
        Redactor {
            url: regex(URL).unwrap(),
            email: regex(EMAIL).unwrap(),
            phone: regex(PHONE).unwrap(),
            date: regex(r"^\d{4}-\d{2}-\d{2}$|^(?:19|20)\d{2}[\s.-](?:19|20)\d{2}$").unwrap(),
            names_re: Some(regex(r"(?i)\b(?:priya sharma|priya|sam)\b").unwrap()),
            names,
            participants: HashMap::new(),
            interviews: HashMap::new(),
            speakers: HashMap::new(),
        }
    }

    #[test]
    fn masks_contacts_and_names_but_not_numbers_or_words_containing_names() {
        let r = bare();
        assert_eq!(
            r.text("Mail priya.sharma@brightline.io or call +44 20 7946 0958, Priya Sharma said to SAM."),
            "Mail [email] or call [phone], P01 said to Interviewer."
        );
        assert_eq!(r.text("US: (555) 123-4567 and 555.123.4567"), "US: [phone] and [phone]");
        assert_eq!(r.text("Berlin 030 12345678, +4930123456789."), "Berlin [phone], [phone].");
        assert_eq!(r.text("Tokyo +81 3-1234-5678; 3 racks, 1 500 kW"), "Tokyo [phone]; 3 racks, 1 500 kW");
        assert_eq!(r.text("see https://example.com/a?b=1 and www.x.org."), "see [url] and [url].");
        assert_eq!(
            r.text("In 2019 we had 12 racks, 40 kW, 2019-2020, on 2026-03-02; samples from priyanka."),
            "In 2019 we had 12 racks, 40 kW, 2019-2020, on 2026-03-02; samples from priyanka."
        );
    }
}
