//! The buying unit: takes the `role` and `relation` families' tags passage by passage, gives
//! per persona the roles its interviews name as taking part in a purchase, with the relation
//! stated beside each mention and a quote, and across personas who takes part in whose buying.
//!
//! A role mention's relation is the nearest relation mention in the same sentence, at most
//! [`MAX_GAP`] words away ("the CFO signs", "procurement runs the RFP"); a negated one ("the CFO
//! doesn't sign") is counted as negated. A persona stands for the role whose id, label or plain
//! term its interviews' manifest `role` column (the most common value), or else its name,
//! contains: the longest such text wins ("Data Center Debbie" is `role.data_center`). A persona
//! whose interviews name another persona's role is linked to it.

use super::*;

/// Words at most between a role and the relation read as its own.
pub const MAX_GAP: usize = 6;
/// Quotes kept per role and group.
const QUOTES_PER_ROLE: usize = 2;
/// The manifest column that says which buying role a persona's participants hold.
pub const ROLE_COLUMN: &str = "role";

/// One interview's buying unit.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(super) struct Seen {
    interview: String,
    role_column: Option<String>,
    roles: BTreeMap<usize, RoleSeen>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RoleSeen {
    /// (relation code, negated) stated beside a mention.
    relations: BTreeSet<(usize, bool)>,
    score: f64,
    quote: Quote,
}

impl Seen {
    /// An interview's buying unit, seen in its evidence passages.
    pub(super) fn of(lexicon: &Lexicon, interview: &CodedInterview) -> Seen {
        let mut roles: BTreeMap<usize, RoleSeen> = BTreeMap::new();
        for cp in interview.passages.iter().filter(|cp| cp.passage.role.is_evidence()) {
            let family = |t: &&Tag| lexicon.codes()[t.code].family();
            if !cp.tags.iter().any(|t| family(&t) == Family::Role) {
                continue;
            }
            let text = interview.text(&cp.passage);
            let relations: Vec<(usize, &Mention)> = cp
                .tags
                .iter()
                .filter(|t| family(t) == Family::Relation)
                .flat_map(|t| t.mentions.iter().filter(|m| m.vetoed_by.is_none()).map(move |m| (t.code, m)))
                .collect();
            for tag in cp.tags.iter().filter(|t| family(t) == Family::Role) {
                for mention in tag.mentions.iter().filter(|m| m.counts()) {
                    let sentence = sentence_of(text, &mention.bytes);
                    let stated = nearest(text, &sentence, &mention.bytes, &relations);
                    let score = f64::from(u8::from(stated.is_some())) * 2.0 + f64::from(u8::from(!tag.prompted));
                    let seen = roles.entry(tag.code).or_insert_with(|| RoleSeen {
                        relations: BTreeSet::new(),
                        score: f64::NEG_INFINITY,
                        quote: quote(interview, &cp.passage, tag, "", ""),
                    });
                    if let Some((code, m)) = stated {
                        seen.relations.insert((code, m.negation.is_some()));
                    }
                    if score > seen.score {
                        seen.score = score;
                        seen.quote = quote(interview, &cp.passage, tag, &text[sentence], &text[mention.bytes.clone()]);
                    }
                }
            }
        }
        Seen {
            interview: interview.meta.id.clone(),
            role_column: interview.meta.attribute(ROLE_COLUMN).map(str::to_string),
            roles,
        }
    }
}

/// The byte range of the sentence of `text` holding `at`.
fn sentence_of(text: &str, at: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    crate::words::sentences(text).into_iter().map(|(r, _)| r).find(|r| r.end > at.start).unwrap_or(0..text.len())
}

/// The relation mention in `sentence` nearest the role mention at `at`, if one is at most
/// [`MAX_GAP`] words away.
fn nearest<'m>(
    text: &str,
    sentence: &std::ops::Range<usize>,
    at: &std::ops::Range<usize>,
    relations: &[(usize, &'m Mention)],
) -> Option<(usize, &'m Mention)> {
    relations
        .iter()
        .filter(|(_, m)| m.bytes.start >= sentence.start && m.bytes.end <= sentence.end)
        .filter_map(|&(code, m)| {
            let gap = if m.bytes.start >= at.end {
                &text[at.end..m.bytes.start]
            } else if m.bytes.end <= at.start {
                &text[m.bytes.end..at.start]
            } else {
                ""
            };
            let words = crate::words::word_count(gap);
            // After the role first ("the CFO signs"), then before it ("signed off by the CFO").
            (words <= MAX_GAP).then_some(((words, m.bytes.start < at.start), code, m))
        })
        .min_by_key(|(key, ..)| *key)
        .map(|(_, code, m)| (code, m))
}

/// The quote of a role: its `sentence`, with the words that named it (`named`) highlighted.
fn quote(interview: &CodedInterview, passage: &crate::model::Passage, tag: &Tag, sentence: &str, named: &str) -> Quote {
    let text = quotes::tidy(sentence);
    Quote {
        highlight: quotes::locate(&text, named),
        interview: interview.meta.id.clone(),
        participant: interview.meta.participant.clone(),
        passage: passage.index,
        speaker: passage.speaker.clone(),
        text,
        start: passage.span.chars.start,
        end: passage.span.chars.end,
        time: passage.time.map(|t| t.start),
        prompted: tag.prompted,
        score: 0.0,
    }
}

/// A group's buying unit so far.
#[derive(Debug, Default)]
pub(super) struct Acc {
    roles: BTreeMap<usize, RoleAcc>,
    role_column: BTreeMap<String, usize>,
}

#[derive(Debug, Default)]
struct RoleAcc {
    named_in: Vec<String>,
    /// Per relation code: interviews stating it, interviews stating it negated.
    relations: BTreeMap<usize, (usize, usize)>,
    quotes: Vec<Quote>,
}

impl Acc {
    pub(super) fn add(&mut self, seen: Seen) {
        if let Some(value) = seen.role_column {
            *self.role_column.entry(value).or_default() += 1;
        }
        for (code, r) in seen.roles {
            let acc = self.roles.entry(code).or_default();
            acc.named_in.push(seen.interview.clone());
            let mut stated: BTreeMap<usize, (bool, bool)> = BTreeMap::new();
            for (relation, negated) in r.relations {
                let s = stated.entry(relation).or_default();
                if negated {
                    s.1 = true;
                } else {
                    s.0 = true;
                }
            }
            for (relation, (held, negated)) in stated {
                let n = acc.relations.entry(relation).or_default();
                n.0 += usize::from(held);
                n.1 += usize::from(negated);
            }
            acc.quotes.push(Quote { score: r.score, ..r.quote });
            if acc.quotes.len() > QUOTES_PER_ROLE {
                sort_quotes(&mut acc.quotes);
                acc.quotes.truncate(QUOTES_PER_ROLE);
            }
        }
    }

    /// The roles named, most interviews first, for a group of `n` interviews.
    pub(super) fn roles(&self, lexicon: &Lexicon, n: usize) -> Vec<BuyingRole> {
        let codes = lexicon.codes();
        let mut out: Vec<BuyingRole> = self
            .roles
            .iter()
            .map(|(&c, acc)| {
                let mut quotes = acc.quotes.clone();
                sort_quotes(&mut quotes);
                let mut named_in = acc.named_in.clone();
                named_in.sort();
                let mut relations: Vec<StatedRelation> = acc
                    .relations
                    .iter()
                    .map(|(&r, &(interviews, negated))| StatedRelation {
                        relation: codes[r].id.to_string(),
                        label: codes[r].label.clone(),
                        interviews,
                        negated,
                    })
                    .collect();
                relations.sort_by(|a, b| b.interviews.cmp(&a.interviews).then(a.relation.cmp(&b.relation)));
                BuyingRole {
                    role: codes[c].id.to_string(),
                    label: codes[c].label.clone(),
                    interviews: named_in.len(),
                    prevalence: finish::ratio(named_in.len(), n),
                    named_in,
                    relations,
                    quotes,
                }
            })
            .collect();
        out.sort_by(|a, b| b.interviews.cmp(&a.interviews).then(a.role.cmp(&b.role)));
        out
    }

    /// The manifest's `role` value most of the group's interviews give, if any.
    fn role_column(&self) -> Option<&str> {
        let most = self.role_column.values().copied().max()?;
        self.role_column.iter().find(|(_, n)| **n == most).map(|(v, _)| v.as_str())
    }
}

/// The role code a persona stands for, and the text that says so: see the module docs.
fn persona_role(lexicon: &Lexicon, name: &str, column: Option<&str>) -> Option<(usize, String)> {
    let (source, text) = match column {
        Some(v) => (ROLE_COLUMN, v),
        None => ("name", name),
    };
    let folded = format!(" {} ", words_of(text));
    let mut best: Option<(usize, usize, String)> = None;
    for (i, code) in lexicon.codes().iter().enumerate().filter(|(_, c)| c.family() == Family::Role) {
        let id_name = code.id.as_str().rsplit('.').next().unwrap_or_default().replace(['_', '-'], " ");
        let plain = code.terms.iter().map(|t| t.source.as_str()).filter(|s| !s.contains(['*', '/', '~']));
        for candidate in [id_name, code.label.clone()].into_iter().chain(plain.map(str::to_string)) {
            let candidate = words_of(&candidate.replace('=', ""));
            if candidate.is_empty() || !folded.contains(&format!(" {candidate} ")) {
                continue;
            }
            if best.as_ref().is_none_or(|(len, ..)| candidate.len() > *len) {
                best = Some((candidate.len(), i, format!("{source} \"{text}\" contains \"{candidate}\"")));
            }
        }
    }
    best.map(|(_, i, why)| (i, why))
}

/// `text` lowercased, its words one space apart, punctuation dropped.
fn words_of(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Who takes part in whose buying, across groups.
pub(super) fn unit_map(lexicon: &Lexicon, groups: &BTreeMap<String, GroupAcc>) -> BuyingMap {
    let codes = lexicon.codes();
    let personas: Vec<PersonaRole> = groups
        .iter()
        .map(|(name, g)| {
            let found = persona_role(lexicon, name, g.buying.role_column());
            PersonaRole {
                persona: name.clone(),
                role: found.as_ref().map(|(c, _)| codes[*c].id.to_string()),
                because: found.map(|(_, why)| why),
            }
        })
        .collect();
    let mut links = Vec::new();
    for (naming, g) in groups {
        for stands in personas.iter().filter(|p| &p.persona != naming) {
            let Some(role) = &stands.role else { continue };
            let Some((_, acc)) = g.buying.roles.iter().find(|(c, _)| codes[**c].id.as_str() == role) else {
                continue;
            };
            let relations =
                acc.relations.iter().filter(|(_, (held, _))| *held > 0).map(|(r, _)| codes[*r].label.clone()).collect();
            links.push(InfluenceLink {
                from: stands.persona.clone(),
                to: naming.clone(),
                role: role.clone(),
                interviews: acc.named_in.len(),
                relations,
            });
        }
    }
    BuyingMap { personas, links }
}

/// A role named in a group's interviews.
#[derive(Debug, Clone, Serialize)]
pub struct BuyingRole {
    /// The role's code (`role.finance`).
    pub role: String,
    /// Its label.
    pub label: String,
    /// Interviews that name it.
    pub interviews: usize,
    /// interviews / group interviews.
    pub prevalence: f64,
    /// The ids of the interviews that name it.
    pub named_in: Vec<String>,
    /// The relations stated beside it, most interviews first.
    pub relations: Vec<StatedRelation>,
    /// The sentences that name it, best first (one per interview; a stated relation first).
    pub quotes: Vec<Quote>,
}

/// A relation stated beside a role.
#[derive(Debug, Clone, Serialize)]
pub struct StatedRelation {
    /// The relation's code (`relation.approves`).
    pub relation: String,
    /// Its label.
    pub label: String,
    /// Interviews that state it.
    pub interviews: usize,
    /// Interviews that state it negated ("doesn't sign").
    pub negated: usize,
}

/// Who takes part in whose buying.
#[derive(Debug, Clone, Serialize)]
pub struct BuyingMap {
    /// Each group and the role it stands for.
    pub personas: Vec<PersonaRole>,
    /// A group named, as its role, in another group's interviews.
    pub links: Vec<InfluenceLink>,
}

/// The role a group stands for.
#[derive(Debug, Clone, Serialize)]
pub struct PersonaRole {
    /// Group name.
    pub persona: String,
    /// The role code, when one matched.
    pub role: Option<String>,
    /// What matched.
    pub because: Option<String>,
}

/// `from`, as its role, is named in `interviews` of `to`'s interviews.
#[derive(Debug, Clone, Serialize)]
pub struct InfluenceLink {
    /// The group named.
    pub from: String,
    /// The group whose interviews name it.
    pub to: String,
    /// The role code `from` stands for.
    pub role: String,
    /// Interviews of `to` that name it.
    pub interviews: usize,
    /// Labels of the relations they state.
    pub relations: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{Analyzer, Language};

    #[test]
    fn a_persona_stands_for_the_role_its_role_column_or_else_its_name_contains() {
        let lexicon = Lexicon::load(&Analyzer::new(Language::English), &[]).unwrap_or_else(|e| panic!("{e:?}"));
        let role = |name: &str, column: Option<&str>| {
            persona_role(&lexicon, name, column).map(|(c, _)| lexicon.codes()[c].id.to_string())
        };
        assert_eq!(role("Data Center Debbie", None).as_deref(), Some("role.data_center"));
        assert_eq!(role("Facilities Frank", None).as_deref(), Some("role.facilities"));
        assert_eq!(role("Procurement Pat", None).as_deref(), Some("role.procurement"));
        assert_eq!(role("Ursula", None), None);
        // The column decides over the name.
        assert_eq!(role("Facilities Frank", Some("Head of procurement")).as_deref(), Some("role.procurement"));
        assert_eq!(role("Ops", Some("the data center team")).as_deref(), Some("role.data_center"));
        // Whole words only: "it" is not in "Kitty", "cio" not in "Ciora".
        assert_eq!(role("Kitty Ciora", None), None);
        let (_, because) = persona_role(&lexicon, "Ops", Some("facilities")).unwrap_or_default();
        assert_eq!(because, "role \"facilities\" contains \"facilities\"");
    }
}
