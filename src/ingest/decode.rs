//! Bytes → text: UTF-8 (a BOM is dropped), else Windows-1252 with a warning.

use super::ReadError;

/// Decodes `bytes`; the second value is a warning when the bytes were not UTF-8.
pub fn decode(bytes: &[u8]) -> (String, Option<ReadError>) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(e) => {
            let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (
                text.into_owned(),
                Some(ReadError {
                    line: Some(line),
                    message: "not UTF-8: decoded as Windows-1252 (save the file as UTF-8 to silence this)".into(),
                }),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_bom() {
        assert_eq!(decode(b"\xEF\xBB\xBFhi").0, "hi");
        assert!(decode(b"hi").1.is_none());
    }

    #[test]
    fn windows_1252_with_warning_naming_the_line() {
        let (text, warning) = decode(b"ok\nWe\x92re \x93fine\x94");
        assert_eq!(text, "ok\nWe\u{2019}re \u{201C}fine\u{201D}");
        assert_eq!(warning.map(|w| w.line), Some(Some(2)));
    }
}
