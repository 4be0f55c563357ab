//! JSON from speech-to-text services and meeting corpora.
//!
//! The utterances are the arrays found under a known key, anywhere in the tree and in file
//! order: `utterances` (AssemblyAI, Deepgram `results.utterances`), `segments` (Whisper,
//! WhisperX, Podcasting 2.0), `monologues`, `turns`, `meeting_transcripts`, `transcript`,
//! `prepared_remarks`/`q_and_a`; else a top-level array. Each item's text is the first of
//! `text`, `transcript`, `content`, `body`, `speech`, `utterance` (or `text_blocks[].text`); its
//! speaker is `speaker` (a string, a number as `Speaker N`, or an object's `name`),
//! `speaker_label` or `speaker_name`; times are `start`/`end` (or `startTime`, `start_time`,
//! `stop`, `*_ms`).
//!
//! Units: a time field whose name ends in `_ms` or `Ms` is milliseconds. Otherwise times are
//! seconds, unless every time value in the file is an integer and the largest exceeds 1000:
//! services that write seconds write fractions, and AssemblyAI writes integer milliseconds.
//!
//! Text before the first line that opens the JSON (a Markdown heading, as in a pasted API
//! response) is ignored.

use serde_json::{Map, Value};

use super::render::{render, Utterance};
use super::speaker::parse_timestamp;
use super::ReadError;
use crate::model::{TimeRange, Transcript};

const LIST_KEYS: &[&str] = &[
    "utterances",
    "segments",
    "monologues",
    "turns",
    "meeting_transcripts",
    "transcript",
    "prepared_remarks",
    "q_and_a",
];
const TEXT_KEYS: &[&str] = &["text", "transcript", "content", "body", "speech", "utterance", "sentence"];
const SPEAKER_KEYS: &[&str] = &["speaker", "speaker_label", "speaker_name", "speakerName", "name"];
const START_KEYS: &[&str] = &["start", "startTime", "start_time", "begin", "start_ms", "startMs", "offset"];
const END_KEYS: &[&str] = &["end", "endTime", "end_time", "stop", "end_ms", "endMs"];

/// Reads a JSON transcript.
pub(super) fn read(text: &str, max_depth: usize) -> Result<Transcript, ReadError> {
    let from =
        json_start(text).ok_or_else(|| ReadError { line: Some(1), message: "no JSON object or array".into() })?;
    let skipped_lines = text[..from].matches('\n').count();
    let max_depth = max_depth.min(128);
    if super::limits::json_depth(&text[from..], max_depth) > max_depth {
        return Err(ReadError {
            line: None,
            message: format!("JSON is nested deeper than {max_depth} levels (max_json_depth in pith.toml [limits])"),
        });
    }
    let value: Value = serde_json::from_str(&text[from..])
        .map_err(|e| ReadError { line: Some(skipped_lines + e.line()), message: format!("invalid JSON: {e}") })?;
    let mut lists: Vec<&Vec<Value>> = Vec::new();
    find_lists(&value, 0, &mut lists);
    if lists.is_empty() {
        if let Value::Array(items) = &value {
            lists.push(items);
        }
    }
    let items: Vec<&Map<String, Value>> = lists.iter().flat_map(|l| l.iter()).filter_map(Value::as_object).collect();
    if items.is_empty() {
        return Err(ReadError {
            line: None,
            message: "no utterances found (expected `segments`, `utterances` or an array of {speaker, text, start})"
                .into(),
        });
    }
    let millis = integer_times(&items);
    let mut utterances = Vec::with_capacity(items.len());
    for item in items {
        let Some(text) = item_text(item) else { continue };
        let time = field(item, START_KEYS)
            .and_then(|(k, v)| seconds(k, v, millis))
            .map(|start| TimeRange { start, end: field(item, END_KEYS).and_then(|(k, v)| seconds(k, v, millis)) });
        utterances.push(Utterance {
            speaker: speaker(item),
            text,
            time,
            line: 1 + skipped_lines,
            role: None,
            marks: Vec::new(),
        });
    }
    if utterances.is_empty() {
        return Err(ReadError { line: None, message: "the utterances have no text".into() });
    }
    let mut attributes = Vec::new();
    if let Some(title) = value.get("title").and_then(Value::as_str) {
        attributes.push(("title".to_string(), title.to_string()));
    }
    Ok(render(utterances, attributes))
}

/// Byte offset of the first line that starts with `{` or `[`.
fn json_start(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with(['{', '[']) {
            return Some(offset + line.len() - t.len());
        }
        offset += line.len();
    }
    None
}

/// Collects arrays of objects under known keys, in file order, without descending into them.
fn find_lists<'a>(value: &'a Value, depth: usize, out: &mut Vec<&'a Vec<Value>>) {
    if depth > 6 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::Array(items) if LIST_KEYS.contains(&k.as_str()) && items.iter().any(has_text) => {
                        out.push(items);
                    }
                    _ => find_lists(v, depth + 1, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| find_lists(v, depth + 1, out)),
        _ => {}
    }
}

fn has_text(v: &Value) -> bool {
    v.as_object().is_some_and(|m| item_text(m).is_some())
}

fn field<'a>(item: &'a Map<String, Value>, keys: &[&'static str]) -> Option<(&'static str, &'a Value)> {
    keys.iter().find_map(|k| item.get(*k).filter(|v| !v.is_null()).map(|v| (*k, v)))
}

fn item_text(item: &Map<String, Value>) -> Option<String> {
    if let Some((_, Value::String(s))) = field(item, TEXT_KEYS) {
        return Some(s.clone());
    }
    let blocks = item.get("text_blocks")?.as_array()?;
    let parts: Vec<&str> = blocks.iter().filter_map(|b| b.get("text")?.as_str()).collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn speaker(item: &Map<String, Value>) -> Option<String> {
    let s = match field(item, SPEAKER_KEYS)?.1 {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => format!("Speaker {n}"),
        Value::Object(o) => o.get("name")?.as_str()?.trim().to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// Whether every time value is an integer and the largest exceeds 1000 (milliseconds).
fn integer_times(items: &[&Map<String, Value>]) -> bool {
    let mut max = 0.0f64;
    for item in items {
        for key in START_KEYS.iter().chain(END_KEYS) {
            if let Some(Value::Number(n)) = item.get(*key) {
                if !(n.is_i64() || n.is_u64()) {
                    return false;
                }
                max = max.max(n.as_f64().unwrap_or(0.0));
            }
        }
    }
    max > 1000.0
}

fn seconds(key: &str, value: &Value, millis: bool) -> Option<f64> {
    let v = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => parse_timestamp(s)?,
        _ => return None,
    };
    let ms = key.ends_with("_ms") || key.ends_with("Ms") || (millis && value.is_number());
    Some(if ms { v / 1000.0 } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millisecond_rule() {
        let t = read(r#"[{"speaker":"A","text":"Hi?","start":1200,"end":2500}]"#, 128).unwrap_or_default();
        assert_eq!(t.turns[0].time, Some(TimeRange { start: 1.2, end: Some(2.5) }));
        let t = read(r#"[{"speaker":"A","text":"Hi?","start":1200.5,"end":2500}]"#, 128).unwrap_or_default();
        assert_eq!(t.turns[0].time, Some(TimeRange { start: 1200.5, end: Some(2500.0) }));
        let t = read(r#"{"utterances":[{"speaker":0,"transcript":"Hi","start_ms":500}]}"#, 128).unwrap_or_default();
        assert_eq!((t.document.as_str(), t.turns[0].time.map(|t| t.start)), ("Speaker 0: Hi\n", Some(0.5)));
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused_before_parsing() {
        let deep = format!("{{\"segments\": [{{\"text\": \"hi\", \"x\": {}{}}}]}}", "[".repeat(10), "]".repeat(10));
        assert!(read(&deep, 128).is_ok());
        assert!(read(&deep, 8).is_err_and(|e| e.message.contains("deeper than 8")));
        // serde_json's own limit is 128: a configured limit above it is capped.
        let deeper = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(read(&deeper, 1000).is_err_and(|e| e.message.contains("deeper than 128")));
    }
}
