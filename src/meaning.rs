//! meaning: takes a passage's text, gives the canvas families a classifier over its
//! pooled token embedding finds there, a second opinion beside the lexicon rule for passages that
//! share no cue word with any lexicon.
//!
//! The embedding is static: every WordPiece token of all-MiniLM-L6-v2 was run once through the
//! encoder and the outputs reduced to 256 int8 dimensions (`lexicons/meaning/tokens.i8`, made by
//! `eval/distill.py`), so coding needs no model runtime. A passage's vector is the mean of its
//! tokens' rows, L2-normalized; per family, a logistic regression fitted on the labelled passages
//! of `eval/` (`lexicons/meaning/weights.txt`, written by `cargo run --release --example eval --
//! --fit-meaning`) says whether the passage is about the family.
//!
//! Tokens are found as BERT uncased finds them: control characters dropped, accents stripped,
//! lowercased, split at whitespace and punctuation (each punctuation character alone, each CJK
//! ideograph alone), then each word cut greedily into the longest vocabulary pieces from its start
//! (continuations spelled `##piece`); a word that cannot be cut, or longer than 100 characters, is
//! unknown and left out of the mean.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use unicode_normalization::UnicodeNormalization;

use crate::analyze::{Analysis, Vocabulary};
use crate::model::{Family, FamilySet};

const VOCAB: &str = include_str!("../lexicons/meaning/vocab.txt");
const TABLE: &[u8] = include_bytes!("../lexicons/meaning/tokens.i8");
/// The fitted classifiers: a data file a reviewer can read.
pub const WEIGHTS: &str = include_str!("../lexicons/meaning/weights.txt");

/// Dimensions pooled at a time.
const BLOCK: usize = 32;

/// Characters beyond which a word is unknown, as in BERT's WordPiece.
const MAX_WORD_CHARS: usize = 100;

/// The vocabulary and its int8 rows (`u32` rows, `u32` dims, then per row an `f32` scale and
/// `dims` int8 values, little-endian).
pub struct Embeddings {
    dims: usize,
    tokens: Vec<&'static str>,
    /// Row of each token that starts a word.
    initial: FxHashMap<&'static str, u32>,
    /// Row of each continuation piece, without its `##`.
    continuation: FxHashMap<&'static str, u32>,
    /// The int8 values, row after row.
    values: Vec<i8>,
    /// Each row's scale.
    scales: Vec<f32>,
    /// Bytes of the longest token (continuations without their `##`).
    longest: usize,
    /// Which table this is, for the threads' word caches.
    id: u64,
    /// The row of each one-byte ASCII token, lowercased ([`NO_ROW`]: none).
    ascii: [u32; 128],
}

/// [`Embeddings::ascii`] of a byte that has no row.
const NO_ROW: u32 = u32::MAX;

impl Embeddings {
    /// The built-in table.
    pub fn builtin() -> &'static Embeddings {
        static BUILTIN: OnceLock<Embeddings> = OnceLock::new();
        BUILTIN.get_or_init(|| match Embeddings::from_parts(VOCAB, TABLE) {
            Ok(e) => e,
            Err(e) => panic!("built-in token table: {e}"),
        })
    }

    /// Reads a vocabulary and its table; errors say what does not fit.
    pub fn from_parts(vocab: &'static str, table: &[u8]) -> Result<Embeddings, String> {
        let header = |at: usize| {
            table
                .get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                .ok_or("table too short")
        };
        let (rows, dims) = (header(0)?, header(4)?);
        if table.len() != 8 + rows * (4 + dims) {
            return Err(format!("table of {} bytes does not hold {rows} rows of {dims}", table.len()));
        }
        let tokens: Vec<&'static str> = vocab.lines().collect();
        if tokens.len() != rows {
            return Err(format!("{} vocabulary tokens for {rows} table rows", tokens.len()));
        }
        let (mut initial, mut continuation) = (FxHashMap::default(), FxHashMap::default());
        for (row, token) in tokens.iter().enumerate() {
            match token.strip_prefix("##") {
                Some(rest) if !rest.is_empty() => continuation.insert(rest, row as u32),
                _ => initial.insert(*token, row as u32),
            };
        }
        let longest = initial.keys().chain(continuation.keys()).map(|t| t.len()).max().unwrap_or(0);
        let (mut values, mut scales) = (Vec::with_capacity(rows * dims), Vec::with_capacity(rows));
        for row in table[8..].chunks_exact(4 + dims) {
            scales.push(f32::from_le_bytes([row[0], row[1], row[2], row[3]]));
            values.extend(row[4..].iter().map(|&v| v as i8));
        }
        static TABLES: AtomicU64 = AtomicU64::new(0);
        let id = TABLES.fetch_add(1, Ordering::Relaxed);
        let mut ascii = [NO_ROW; 128];
        for (b, row) in ascii.iter_mut().enumerate() {
            let c = char::from(b as u8).to_ascii_lowercase();
            if !c.is_ascii_control() {
                *row = initial.get(c.encode_utf8(&mut [0; 4]) as &str).copied().unwrap_or(NO_ROW);
            }
        }
        Ok(Embeddings { dims, tokens, initial, continuation, values, scales, longest, id, ascii })
    }

    /// The dimensions of a row.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The vocabulary token of `row` (continuations spelled `##piece`).
    pub fn token(&self, row: u32) -> &str {
        self.tokens.get(row as usize).copied().unwrap_or("")
    }

    /// The rows of `text`'s tokens, in order (unknown words left out).
    pub fn token_rows(&self, text: &str, out: &mut Vec<u32>) {
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut Vec<u32>| {
            if !word.is_empty() {
                self.pieces(word, out);
                word.clear();
            }
        };
        for c in text.chars() {
            if c.is_ascii() {
                match c {
                    'A'..='Z' => word.push(c.to_ascii_lowercase()),
                    'a'..='z' | '0'..='9' => word.push(c),
                    ' ' | '\t' | '\n' | '\r' => flush(&mut word, out),
                    _ if c.is_ascii_control() => {}
                    _ => {
                        flush(&mut word, out);
                        word.push(c);
                        flush(&mut word, out);
                    }
                }
                continue;
            }
            if c == '\u{fffd}' || is_control(c) {
                continue;
            }
            if is_space(c) {
                flush(&mut word, out);
            } else if is_punctuation(c) || is_cjk(c) {
                flush(&mut word, out);
                push_folded(c, &mut word);
                flush(&mut word, out);
            } else {
                push_folded(c, &mut word);
            }
        }
        flush(&mut word, out);
    }

    /// [`Embeddings::token_rows`] of `text`, read through its analysis: the analyzer's tokens are
    /// the BERT pre-tokenizer's (whitespace between them), so the text's rows are its tokens' rows
    /// in order, and an ASCII word's rows (a function of its lowercase form, which its id names)
    /// are worked out once per thread.
    pub fn analyzed_rows(&self, text: &str, analysis: &Analysis, out: &mut Vec<u32>) {
        // Where BERT does not split at the analyzer's whitespace: control characters it drops
        // and line separators it reads as letters, both joining the tokens around them.
        let joins = |text: &str| text.contains(['\x0b', '\x0c', '\u{85}', '\u{2028}', '\u{2029}']);
        let vocabulary = match analysis.vocabulary() {
            Some(v) if !joins(text) => v,
            _ => return self.token_rows(text, out),
        };
        WORD_ROWS.with(|cell| {
            let mut cache = cell.borrow_mut();
            let WordRows { owner, spans, rows } = &mut *cache;
            if *owner != Some((vocabulary, self.id)) || rows.len() > WORD_ROWS_LIMIT {
                *owner = Some((vocabulary, self.id));
                spans.clear();
                rows.clear();
            }
            for t in &analysis.tokens {
                let surface = &text[t.bytes.clone()];
                if let &[b] = surface.as_bytes() {
                    if let Some(&row) = self.ascii.get(usize::from(b)) {
                        out.extend((row != NO_ROW).then_some(row));
                        continue;
                    }
                }
                let Some(id) = analysis.word_id(t).filter(|_| surface.is_ascii()) else {
                    self.token_rows(surface, out);
                    continue;
                };
                let id = id as usize;
                if spans.len() <= id {
                    spans.resize(id + 1, None);
                }
                let (start, end) = *spans[id].get_or_insert_with(|| {
                    let start = rows.len();
                    self.token_rows(surface, rows);
                    (start as u32, rows.len() as u32)
                });
                out.extend_from_slice(&rows[start as usize..end as usize]);
            }
        });
    }

    /// Greedy longest-match-first WordPiece of one normalized word.
    fn pieces(&self, word: &str, out: &mut Vec<u32>) {
        if word.len() > MAX_WORD_CHARS && word.chars().count() > MAX_WORD_CHARS {
            return;
        }
        let first = out.len();
        let mut start = 0;
        while start < word.len() {
            let map = if start == 0 { &self.initial } else { &self.continuation };
            // No piece is longer than the longest token.
            let mut end = (start + self.longest).min(word.len());
            while !word.is_char_boundary(end) {
                end -= 1;
            }
            let found = loop {
                if let Some(&row) = map.get(&word[start..end]) {
                    break Some(row);
                }
                match word[start..end].char_indices().next_back() {
                    Some((i, _)) if i > 0 => end = start + i,
                    _ => break None,
                }
            };
            match found {
                Some(row) => {
                    out.push(row);
                    start = end;
                }
                None => {
                    out.truncate(first);
                    return;
                }
            }
        }
    }

    /// The embedding of vocabulary token `row` (its int8 values times its scale).
    pub fn row(&self, row: u32) -> Vec<f32> {
        let at = row as usize * self.dims;
        let scale = self.scales[row as usize];
        self.values[at..at + self.dims].iter().map(|&v| scale * f32::from(v)).collect()
    }

    /// The mean of `text`'s token rows, L2-normalized; all zeros when no token is known.
    pub fn pool(&self, text: &str) -> Vec<f32> {
        let mut rows = Vec::new();
        self.token_rows(text, &mut rows);
        self.pool_rows(&rows).0
    }

    /// The normalized sum of `rows` and the norm it was divided by (0 when there is none).
    fn pool_rows(&self, rows: &[u32]) -> (Vec<f32>, f32) {
        let mut sum = vec![0f32; self.dims];
        sum_rows(&self.values, &self.scales, self.dims, rows, &mut sum);
        // Summed in order, as when the weights were fitted: a refit gives the weights file byte for byte.
        let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            sum.iter_mut().for_each(|x| *x /= norm);
        }
        (sum, norm)
    }
}

/// Adds the rows `rows` of `values` (`dims` wide, each times its scale) into `sum`, a block of
/// dimensions at a time, its sums held in registers over all the rows. Each dimension adds its
/// rows' products in the same order as one row after another would, so every build gives the same
/// sums; the int8 table is a quarter of the memory an f32 one would read.
#[multiversion::multiversion(targets("x86_64+avx512f", "x86_64+avx2"))]
fn sum_rows(values: &[i8], scales: &[f32], dims: usize, rows: &[u32], sum: &mut [f32]) {
    let blocks = dims / BLOCK * BLOCK;
    for (b, out) in sum[..blocks].chunks_exact_mut(BLOCK).enumerate() {
        let mut acc = [0f32; BLOCK];
        for &row in rows {
            let (at, scale) = (row as usize * dims + b * BLOCK, scales[row as usize]);
            for (a, &v) in acc.iter_mut().zip(&values[at..at + BLOCK]) {
                *a += scale * f32::from(v);
            }
        }
        out.copy_from_slice(&acc);
    }
    for &row in rows {
        let (at, scale) = (row as usize * dims, scales[row as usize]);
        for (s, &v) in sum[blocks..].iter_mut().zip(&values[at + blocks..at + dims]) {
            *s += scale * f32::from(v);
        }
    }
}

/// Past this many rows a thread's word cache starts over.
const WORD_ROWS_LIMIT: usize = 1 << 20;

/// A thread's rows of ASCII words by their id in one vocabulary of one table.
#[derive(Default)]
struct WordRows {
    owner: Option<(Vocabulary, u64)>,
    /// By word id: its rows' range in `rows`, once worked out.
    spans: Vec<Option<(u32, u32)>>,
    rows: Vec<u32>,
}

thread_local! {
    static WORD_ROWS: RefCell<WordRows> = RefCell::default();
}

/// One family's classifier: the passage is about `family` when the logistic of `bias` plus
/// `weights` times its pooled vector reaches `threshold`.
#[derive(Debug, Clone, PartialEq)]
pub struct Classifier {
    /// The family it decides.
    pub family: Family,
    /// The probability from which the family is coded.
    pub threshold: f32,
    /// The intercept.
    pub bias: f32,
    /// One weight per embedding dimension.
    pub weights: Vec<f32>,
}

impl Classifier {
    /// The log-odds at which the family is coded.
    fn logit_threshold(&self) -> f32 {
        (self.threshold / (1.0 - self.threshold)).ln()
    }
}

/// A family's score on one passage, for `pith lexicon explain`.
#[derive(Debug, Clone)]
pub struct Explained {
    /// The family.
    pub family: Family,
    /// Its probability on the passage.
    pub probability: f32,
    /// The probability from which it is coded.
    pub threshold: f32,
    /// The vocabulary tokens that moved the log-odds most, with what each added (all tokens'
    /// shares and the intercept sum to the log-odds).
    pub tokens: Vec<(String, f32)>,
}

/// The token table and the fitted classifiers.
pub struct Meaning {
    embeddings: &'static Embeddings,
    classifiers: Vec<Classifier>,
}

impl Meaning {
    /// The built-in layer: the token table and `lexicons/meaning/weights.txt`.
    pub fn builtin() -> &'static Meaning {
        static BUILTIN: OnceLock<Meaning> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let embeddings = Embeddings::builtin();
            match parse_weights(WEIGHTS, embeddings.dims()) {
                Ok(classifiers) => Meaning { embeddings, classifiers },
                Err(e) => panic!("lexicons/meaning/weights.txt: {e}"),
            }
        })
    }

    /// The classifiers, one per family.
    pub fn classifiers(&self) -> &[Classifier] {
        &self.classifiers
    }

    /// The families the classifiers find in `text`.
    pub fn families(&self, text: &str) -> FamilySet {
        let mut rows = Vec::new();
        self.embeddings.token_rows(text, &mut rows);
        self.classify(&rows)
    }

    /// [`Meaning::families`] of `text`, analyzed as `analysis`: the same families, found faster.
    pub fn families_analyzed(&self, text: &str, analysis: &Analysis) -> FamilySet {
        let mut rows = Vec::new();
        self.embeddings.analyzed_rows(text, analysis, &mut rows);
        self.classify(&rows)
    }

    fn classify(&self, rows: &[u32]) -> FamilySet {
        if rows.is_empty() {
            return FamilySet::default();
        }
        let (pooled, _) = self.embeddings.pool_rows(rows);
        self.classifiers
            .iter()
            .filter(|c| c.bias + dot(&c.weights, &pooled) >= c.logit_threshold())
            .map(|c| c.family)
            .collect()
    }

    /// Each family's probability on `text` and the `top` tokens that moved it most.
    pub fn explain(&self, text: &str, top: usize) -> Vec<Explained> {
        let mut rows = Vec::new();
        self.embeddings.token_rows(text, &mut rows);
        let (pooled, norm) = self.embeddings.pool_rows(&rows);
        self.classifiers
            .iter()
            .map(|c| {
                let logit = c.bias + dot(&c.weights, &pooled);
                // The pooled vector is the rows' sum over its norm, so each token adds its row's
                // dot product with the weights over that norm.
                let mut shares: Vec<(u32, f32)> = Vec::new();
                if norm > 0.0 {
                    for &row in &rows {
                        let share = dot(&self.embeddings.row(row), &c.weights) / norm;
                        match shares.iter_mut().find(|(r, _)| *r == row) {
                            Some((_, s)) => *s += share,
                            None => shares.push((row, share)),
                        }
                    }
                }
                shares.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
                shares.truncate(top);
                Explained {
                    family: c.family,
                    probability: 1.0 / (1.0 + (-logit).exp()),
                    threshold: c.threshold,
                    tokens: shares.into_iter().map(|(r, s)| (self.embeddings.token(r).to_string(), s)).collect(),
                }
            })
            .collect()
    }
}

impl std::fmt::Debug for Meaning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let families: Vec<Family> = self.classifiers.iter().map(|c| c.family).collect();
        f.debug_struct("Meaning").field("dims", &self.embeddings.dims).field("families", &families).finish()
    }
}

/// Lanes of the sums below: eight running sums, added up at the end, vectorize where one does not.
const LANES: usize = 8;

fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; LANES];
    let (a_blocks, b_blocks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = a_blocks.remainder().iter().zip(b_blocks.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a_blocks.zip(b_blocks) {
        for ((l, x), y) in lanes.iter_mut().zip(x).zip(y) {
            *l += x * y;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Reads the weights file: `#` comments, then one line per family: its name, the threshold, the
/// intercept and `dims` weights, separated by spaces.
pub fn parse_weights(text: &str, dims: usize) -> Result<Vec<Classifier>, String> {
    let mut out: Vec<Classifier> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |what: &str| format!("line {}: {what}", n + 1);
        let mut fields = line.split_ascii_whitespace();
        let name = fields.next().unwrap_or_default();
        let family = Family::parse(name).ok_or_else(|| at(&format!("unknown family {name:?}")))?;
        if !family.is_canvas() || out.iter().any(|c| c.family == family) {
            return Err(at(&format!("{name} is not a canvas family or comes twice")));
        }
        let numbers = fields
            .map(|f| f.parse::<f32>().ok().filter(|v| v.is_finite()))
            .collect::<Option<Vec<f32>>>()
            .ok_or_else(|| at("a number that is not a finite decimal"))?;
        if numbers.len() != dims + 2 {
            return Err(at(&format!(
                "{} numbers, expected the threshold, the intercept and {dims} weights",
                numbers.len()
            )));
        }
        if !(numbers[0] > 0.0 && numbers[0] < 1.0) {
            return Err(at("the threshold is a probability between 0 and 1"));
        }
        out.push(Classifier { family, threshold: numbers[0], bias: numbers[1], weights: numbers[2..].to_vec() });
    }
    Ok(out)
}

/// Lowercase with accents stripped (canonical decomposition, nonspacing marks dropped).
fn push_folded(c: char, word: &mut String) {
    for l in c.to_lowercase() {
        for d in std::iter::once(l).nfd() {
            if !unicode_normalization::char::is_combining_mark(d) {
                word.push(d);
            }
        }
    }
}

/// BERT's control characters (dropped): the C* categories.
fn is_control(c: char) -> bool {
    use unicode_categories::UnicodeCategories;
    c.is_other()
}

/// BERT's whitespace beyond ASCII: the Zs category.
fn is_space(c: char) -> bool {
    use unicode_categories::UnicodeCategories;
    c.is_separator_space()
}

fn is_punctuation(c: char) -> bool {
    use unicode_categories::UnicodeCategories;
    c.is_punctuation()
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F | 0x2B820..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Greedy longest-match-first, checked against the vocabulary itself: the pieces spell the
    /// folded word, each is a vocabulary token, and no longer token starts where each piece does.
    #[test]
    fn words_are_cut_into_the_longest_vocabulary_pieces() {
        let e = Embeddings::builtin();
        let vocab: std::collections::HashSet<&str> = VOCAB.lines().collect();
        for (text, word) in [
            ("Unaffordable", "unaffordable"),
            ("kubernetes", "kubernetes"),
            ("Café", "cafe"),
            ("DOWNTIME", "downtime"),
            ("re-provisioning", "re"),
            ("antidisestablishmentarianism", "antidisestablishmentarianism"),
        ] {
            let mut rows = Vec::new();
            e.token_rows(text, &mut rows);
            let pieces: Vec<&str> = rows.iter().map(|&r| e.token(r)).collect();
            let mut spelled = String::new();
            for (i, p) in pieces.iter().enumerate() {
                assert!(vocab.contains(p), "{p} not in the vocabulary");
                let piece = p.strip_prefix("##").unwrap_or(p);
                if i > 0 && !p.starts_with("##") {
                    break;
                }
                let rest = &word[spelled.len()..];
                assert!(rest.starts_with(piece), "{text}: {pieces:?}");
                let longer = (piece.len() + 1..=rest.len()).filter(|&n| rest.is_char_boundary(n)).any(|n| {
                    let candidate = &rest[..n];
                    if spelled.is_empty() {
                        vocab.contains(candidate)
                    } else {
                        vocab.contains(format!("##{candidate}").as_str())
                    }
                });
                assert!(!longer, "{text}: a longer piece than {p} fits");
                spelled.push_str(piece);
            }
            assert_eq!(spelled, word, "{text}: {pieces:?}");
        }
    }

    /// What makes a refit of the weights byte-identical on any CPU: whichever build of the sum
    /// runs, each dimension is the f32 sum of the rows' products in order, bit for bit.
    #[test]
    fn sums_are_bit_for_bit_those_of_one_row_after_another() {
        let (dims, n) = (2 * BLOCK + 7, 40usize);
        let values: Vec<i8> = (0..n * dims).map(|i| ((i * 7919 % 251) as i16 - 125) as i8).collect();
        let scales: Vec<f32> = (0..n).map(|r| 0.0037 + 0.00113 * (r * r % 17) as f32).collect();
        let rows: Vec<u32> = (0..300u32).map(|i| i * 13 % n as u32).collect();
        let mut sum = vec![0f32; dims];
        sum_rows(&values, &scales, dims, &rows, &mut sum);
        let mut plain = vec![0f32; dims];
        for &r in &rows {
            for (d, p) in plain.iter_mut().enumerate() {
                *p += scales[r as usize] * f32::from(values[r as usize * dims + d]);
            }
        }
        for (d, (a, b)) in sum.iter().zip(&plain).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "dimension {d}: {a} vs {b}");
        }
    }

    /// Pooling by blocks of dimensions gives each dimension's plain sum, whatever the table's width.
    #[test]
    fn pooling_sums_every_dimension_of_every_row() {
        let dims = BLOCK + 5;
        let vocab: &'static str = "a\nb\n##c";
        let mut table = Vec::new();
        table.extend(3u32.to_le_bytes());
        table.extend((dims as u32).to_le_bytes());
        let value = |row: usize, d: usize| (((row * 37 + d * 11) % 255) as i16 - 127) as i8;
        for row in 0..3 {
            table.extend(0.5f32.to_le_bytes());
            table.extend((0..dims).map(|d| value(row, d) as u8));
        }
        let e = Embeddings::from_parts(vocab, &table).expect("a valid table");
        let mut rows = Vec::new();
        e.token_rows("a b, bc", &mut rows);
        assert_eq!(rows, [0, 1, 1, 2], "a, b, then b and ##c (the comma is not in the vocabulary)");
        let (pooled, norm) = e.pool_rows(&rows);
        let plain: Vec<f32> =
            (0..dims).map(|d| rows.iter().map(|&r| 0.5 * f32::from(value(r as usize, d))).sum()).collect();
        let plain_norm = plain.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - plain_norm).abs() < 1e-3 * plain_norm, "{norm} vs {plain_norm}");
        for (d, (p, q)) in pooled.iter().zip(&plain).enumerate() {
            assert!((p - q / plain_norm).abs() < 1e-5, "dimension {d}: {p} vs {}", q / plain_norm);
        }
    }

    /// Reading rows through the analyzer's tokens gives the text's own rows: for every line of the
    /// sample studies' transcripts, twice (the second time from the thread's word cache), and
    /// for the characters where the analyzer's whitespace and BERT's differ.
    #[test]
    fn analyzed_rows_are_the_texts_rows() {
        use crate::analyze::{Analyzer, Language};
        let e = Embeddings::builtin();
        let analyzer = Analyzer::new(Language::English);
        let mut texts: Vec<String> = [
            "DON'T panic, don't; Don\u{2019}t. Caf\u{e9} CAF\u{c9} na\u{ef}ve \u{fb01}le 3.5% $20 e-mail",
            "tab\tline\nfeed\x0bvertical\x0cform\u{85}next\u{2028}line\u{2029}para end",
            "zero\u{200b}width \u{4e2d}\u{6587}text \u{fffd}replaced \u{00a0}nbsp kubernetes",
            "",
        ]
        .map(String::from)
        .into();
        let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("a sample folder") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|x| x == "txt") {
                    let text = std::fs::read_to_string(&path).expect("a sample transcript");
                    texts.extend(text.lines().map(String::from));
                }
            }
        }
        assert!(texts.len() > 100, "the sample transcripts' lines");
        let mut analysis = Analysis::default();
        for _ in 0..2 {
            for text in &texts {
                analyzer.analyze_into(text, &mut analysis);
                let (mut direct, mut analyzed) = (Vec::new(), Vec::new());
                e.token_rows(text, &mut direct);
                e.analyzed_rows(text, &analysis, &mut analyzed);
                assert_eq!(analyzed, direct, "{text:?}");
            }
        }
    }

    #[test]
    fn punctuation_stands_alone_and_unknown_words_are_left_out() {
        let e = Embeddings::builtin();
        let mut rows = Vec::new();
        e.token_rows("don't", &mut rows);
        let pieces: Vec<&str> = rows.iter().map(|&r| e.token(r)).collect();
        assert_eq!(pieces, ["don", "'", "t"]);
        rows.clear();
        e.token_rows(&"x".repeat(MAX_WORD_CHARS + 1), &mut rows);
        assert!(rows.is_empty());
    }

    /// What `pith lexicon explain` shows adds up: the intercept and every token's share are the
    /// log-odds behind the probability.
    #[test]
    fn token_shares_sum_to_the_log_odds() {
        let m = Meaning::builtin();
        let text = "Honestly my biggest worry is that the migration fails and we lose a week of orders.";
        for e in m.explain(text, usize::MAX) {
            let c = m.classifiers().iter().find(|c| c.family == e.family).expect("a classifier per family");
            let logit = c.bias + e.tokens.iter().map(|(_, s)| s).sum::<f32>();
            let p = 1.0 / (1.0 + (-logit).exp());
            assert!((p - e.probability).abs() < 1e-4, "{:?}: {p} vs {}", e.family, e.probability);
            assert_eq!(e.probability >= e.threshold, m.families(text).contains(e.family));
        }
    }

    #[test]
    fn the_weights_file_is_checked_line_by_line() {
        let line = |family: &str, n: usize| format!("{family} 0.3 -1 {}\n", vec!["0.5"; n].join(" "));
        let ok = parse_weights(&format!("# comment\n{}{}", line("need", 4), line("risk", 4)), 4).expect("valid");
        assert_eq!(ok.iter().map(|c| c.family).collect::<Vec<_>>(), [Family::Need, Family::Risk]);
        assert_eq!(ok[0].weights, [0.5; 4]);
        for (text, error) in [
            (line("needs", 4), "line 1: unknown family"),
            (line("need", 3), "line 1: 5 numbers"),
            (format!("{}{}", line("need", 4), line("need", 4)), "line 2: need is not a canvas family or comes twice"),
            (line("journey", 4), "not a canvas family"),
            ("need 1.5 0 0 0 0 0\n".to_string(), "threshold is a probability"),
            ("need 0.5 NaN 0 0 0 0\n".to_string(), "not a finite decimal"),
        ] {
            let got = parse_weights(&text, 4).expect_err(&text);
            assert!(got.contains(error), "{text:?}: {got}");
        }
    }
}
