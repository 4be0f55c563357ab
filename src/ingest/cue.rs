//! Subtitle cues, shared by WebVTT and SubRip: blocks separated by blank lines, each with an
//! optional id, a timing line (`00:00:01.000 --> 00:00:04.000`, SRT commas, short `0.000`) and
//! text lines. The speaker comes from a `<v Name>` voice tag or a `Name:` prefix; a cue without
//! one continues the previous cue's speaker. Inline tags are dropped, a few entities decoded.
//! WebVTT `NOTE`, `STYLE` and `REGION` blocks and the `WEBVTT` header are not speech.

use super::render::{render, Utterance};
use super::speaker::{cue_timing, inline_label};
use super::ReadError;
use crate::model::Transcript;

/// Which subtitle format (the grammar is shared; only the header differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    /// WebVTT: `WEBVTT` header, voice tags, NOTE/STYLE/REGION blocks.
    Vtt,
    /// SubRip: numbered cues.
    Srt,
}

/// Reads subtitle cues into a transcript (pith's `Speaker: text` rendering).
pub(super) fn read(text: &str, dialect: Dialect) -> Result<Transcript, ReadError> {
    if dialect == Dialect::Vtt && !text.trim_start().starts_with("WEBVTT") {
        return Err(ReadError { line: Some(1), message: "a WebVTT file must start with `WEBVTT`".into() });
    }
    let mut utterances = Vec::new();
    let mut speaker: Option<String> = None;
    let mut block: Vec<(usize, &str)> = Vec::new();
    let mut any_timing = false;
    let lines = text.lines().enumerate().map(|(i, l)| (i + 1, l)).chain(std::iter::once((0, "")));
    for (no, line) in lines {
        if !line.trim().is_empty() {
            block.push((no, line));
            continue;
        }
        if block.is_empty() {
            continue;
        }
        let first = block[0].1.trim_start();
        let skip = ["WEBVTT", "NOTE", "STYLE", "REGION"].iter().any(|k| first.starts_with(k));
        if !skip {
            if let Some(pos) = block.iter().take(2).position(|(_, l)| l.contains("-->")) {
                any_timing = true;
                let (line, timing) = block[pos];
                let time = cue_timing(timing);
                let mut words: Vec<String> = Vec::new();
                for (_, text) in &block[pos + 1..] {
                    let (voice, clean) = strip_tags(text);
                    if let Some(v) = voice {
                        speaker = Some(v);
                    }
                    let clean = clean.trim();
                    let clean = clean.strip_prefix("- ").unwrap_or(clean);
                    let clean = match inline_label(clean) {
                        Some(label) if words.is_empty() => {
                            speaker = Some(label.name.to_string());
                            &clean[label.text_start..]
                        }
                        _ => clean,
                    };
                    if !clean.trim().is_empty() {
                        words.push(clean.trim().to_string());
                    }
                }
                utterances.push(Utterance {
                    speaker: speaker.clone(),
                    text: words.join(" "),
                    time,
                    line,
                    role: None,
                    marks: Vec::new(),
                });
            }
        }
        block.clear();
    }
    if !any_timing {
        return Err(ReadError { line: None, message: "no cues with a timing line (`00:00:01.000 --> ...`)".into() });
    }
    Ok(render(utterances, Vec::new()))
}

/// Drops inline tags (`<i>`, `<c.x>`, `<00:00:01.000>`), returns the `<v Name>` voice if any,
/// and decodes the common entities.
fn strip_tags(line: &str) -> (Option<String>, String) {
    let mut voice = None;
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = &rest[open + 1..open + close];
        if let Some(v) = tag.strip_prefix('v').filter(|v| v.starts_with([' ', '.'])) {
            // `<v Name>` or `<v.loud Name>`: the name follows the first space.
            let name = v.split_once(' ').map_or("", |(_, n)| n).trim();
            if !name.is_empty() {
                voice = Some(name.to_string());
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    if !out.contains('&') {
        return (voice, out);
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    (voice, decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voice_tags_and_inline_markup() {
        assert_eq!(strip_tags("<v Ann Lee><i>Hi</i> &amp; bye</v>"), (Some("Ann Lee".into()), "Hi & bye".into()));
        assert_eq!(strip_tags("<c.yellow>plain</c>"), (None, "plain".into()));
    }

    #[test]
    fn srt_name_prefix_carries_over() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nAnn: Hello there\n\n2\n00:00:02,500 --> 00:00:04,000\nhow are you?\n\n3\n00:00:04,000 --> 00:00:05,000\nBo: Fine.\n";
        let t = read(srt, Dialect::Srt).unwrap_or_default();
        assert_eq!(t.document, "Ann: Hello there how are you?\nBo: Fine.\n");
        assert_eq!(t.turns[0].time.map(|t| (t.start, t.end)), Some((1.0, Some(4.0))));
    }
}
