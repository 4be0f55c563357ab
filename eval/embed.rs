//! Static token embeddings (distilled by `eval/distill.py`) and a passage's mean-pooled vector.
//!
//! Takes a vocabulary (`vocab.txt`, one WordPiece token a line) and its table (`tokens.i8`: u32
//! rows, u32 dims, then per row an f32 scale and `dims` int8 values); gives, for a text, the
//! mean of its tokens' rows, L2-normalized. Tokens are found as BERT uncased finds them: control
//! characters dropped, accents stripped, lowercased, split at whitespace and punctuation (each
//! punctuation character alone, each CJK ideograph alone), then each word cut greedily into the
//! longest vocabulary pieces from its start (continuations spelled `##piece`); a word that
//! cannot be cut, or longer than 100 characters, is unknown and left out of the mean.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

/// Characters beyond which a word is unknown, as in BERT's WordPiece.
const MAX_WORD_CHARS: usize = 100;

/// The vocabulary and its int8 rows.
pub struct Embeddings {
    dims: usize,
    /// Row of each token that starts a word.
    initial: HashMap<String, u32>,
    /// Row of each continuation piece, without its `##`.
    continuation: HashMap<String, u32>,
    scales: Vec<f32>,
    values: Vec<i8>,
}

impl Embeddings {
    /// Reads a vocabulary and its table; errors say what does not fit.
    pub fn from_bytes(vocab: &str, table: &[u8]) -> Result<Embeddings, String> {
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
        let tokens: Vec<&str> = vocab.lines().collect();
        if tokens.len() != rows {
            return Err(format!("{} vocabulary tokens for {rows} table rows", tokens.len()));
        }
        let (mut initial, mut continuation) = (HashMap::new(), HashMap::new());
        for (row, token) in tokens.iter().enumerate() {
            match token.strip_prefix("##") {
                Some(rest) if !rest.is_empty() => continuation.insert(rest.to_string(), row as u32),
                _ => initial.insert(token.to_string(), row as u32),
            };
        }
        let mut scales = Vec::with_capacity(rows);
        let mut values = Vec::with_capacity(rows * dims);
        for chunk in table[8..].chunks_exact(4 + dims) {
            scales.push(f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]));
            values.extend(chunk[4..].iter().map(|&b| b as i8));
        }
        Ok(Embeddings { dims, initial, continuation, scales, values })
    }

    pub fn dims(&self) -> usize {
        self.dims
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

    /// Greedy longest-match-first WordPiece of one normalized word.
    fn pieces(&self, word: &str, out: &mut Vec<u32>) {
        if word.chars().count() > MAX_WORD_CHARS {
            return;
        }
        let first = out.len();
        let mut start = 0;
        while start < word.len() {
            let map = if start == 0 { &self.initial } else { &self.continuation };
            let mut end = word.len();
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

    /// The mean of `text`'s token rows, L2-normalized; all zeros when no token is known.
    pub fn pool(&self, text: &str) -> Vec<f32> {
        let mut rows = Vec::new();
        self.token_rows(text, &mut rows);
        let mut sum = vec![0f32; self.dims];
        for &row in &rows {
            let row = row as usize;
            let scale = self.scales[row];
            for (s, &v) in sum.iter_mut().zip(&self.values[row * self.dims..(row + 1) * self.dims]) {
                *s += scale * f32::from(v);
            }
        }
        let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            sum.iter_mut().for_each(|x| *x /= norm);
        }
        sum
    }
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
