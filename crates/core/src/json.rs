//! Pieces of compact JSON written straight into a buffer, byte for byte as
//! serde_json writes them.
//!
//! The large outputs (`proposals.jsonl`, `roadmap.json`) are mostly Russian
//! text that needs no escaping. serde_json looks at every byte of a string
//! through its escape table and writes it in small pieces; here a string
//! with nothing to escape (checked many bytes at a time) is copied whole,
//! and one with something to escape gets serde_json's escapes (a property
//! test compares the two).

use crate::Provenance;

/// Appends `text` as a JSON string.
pub fn string(o: &mut Vec<u8>, text: &str) {
    o.push(b'"');
    contents(o, text);
    o.push(b'"');
}

/// Appends `text` escaped as inside a JSON string, without the quotes: a
/// string made of several pieces (`file#record`) is written piece by piece.
pub fn contents(o: &mut Vec<u8>, text: &str) {
    // No early exit: the compiler checks many bytes at a time.
    let escape = text
        .bytes()
        .fold(false, |e, b| e | (b < 0x20) | (b == b'"') | (b == b'\\'));
    if !escape {
        o.extend_from_slice(text.as_bytes());
        return;
    }
    // serde_json's escapes: the short ones, `\u00XX` (lowercase) for the
    // other control characters, everything else as it is.
    let mut from = 0;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            0..0x20 => b'u',
            _ => continue,
        };
        o.extend_from_slice(&text.as_bytes()[from..i]);
        o.push(b'\\');
        o.push(short);
        if short == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            o.extend_from_slice(&[
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]);
        }
        from = i + 1;
    }
    o.extend_from_slice(&text.as_bytes()[from..]);
}

/// Appends the id of the proposal from `source` (`FILE#RECORD`, or
/// `FILE#SHEET#RECORD`, as `ProposalId::new` makes it) escaped as inside a
/// JSON string, without the quotes.
pub fn id_contents(o: &mut Vec<u8>, source: &Provenance) {
    contents(o, &source.file);
    o.push(b'#');
    if let Some(sheet) = &source.sheet {
        contents(o, sheet);
        o.push(b'#');
    }
    number(o, source.record);
}

/// Appends `text` as a JSON string, or `null`.
pub fn optional(o: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => string(o, text),
        None => o.extend_from_slice(b"null"),
    }
}

/// Appends `n`.
pub fn number(o: &mut Vec<u8>, n: u64) {
    o.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Appends `n`, or `null`.
pub fn optional_number(o: &mut Vec<u8>, n: Option<u64>) {
    match n {
        Some(n) => number(o, n),
        None => o.extend_from_slice(b"null"),
    }
}

/// Appends `value` as serde_json writes it: for the rare parts of an output
/// not worth writing by hand.
pub fn value<T: serde::Serialize + ?Sized>(o: &mut Vec<u8>, value: &T) {
    // Writing to memory cannot fail; our values always serialize.
    let _ = serde_json::to_writer(o, value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for text in [
            "",
            "Создать центры «серебряного» волонтёрства",
            "кавычки \" и \\ обратная черта",
            "строка\nи\tтабуляция\r\u{1}\u{1f}",
            "\u{7f}\u{2028}😀",
        ] {
            let mut o = Vec::new();
            string(&mut o, text);
            assert_eq!(o, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn any_string_is_written_as_serde_json_writes_it(text in "\\PC*|[\"\\\\\n\r\t\u{0}-\u{1f}а-я]*") {
            let mut o = Vec::new();
            string(&mut o, &text);
            prop_assert_eq!(o, serde_json::to_vec(&text).unwrap());
        }
    }

    #[test]
    fn ids_are_written_as_proposal_id_makes_them() {
        for sheet in [None, Some("Лист \"1\"")] {
            let source = Provenance {
                file: "папка/файл.csv".into(),
                record: 42,
                line: 43,
                sheet: sheet.map(str::to_string),
                source_id: None,
            };
            let mut o = Vec::new();
            o.push(b'"');
            id_contents(&mut o, &source);
            o.push(b'"');
            let want = serde_json::to_vec(&crate::ProposalId::new(&source)).unwrap();
            assert_eq!(o, want, "{sheet:?}");
        }
    }

    #[test]
    fn numbers_and_nulls() {
        let mut o = Vec::new();
        optional(&mut o, None);
        o.push(b',');
        optional_number(&mut o, Some(18_446_744_073_709_551_615));
        o.push(b',');
        optional_number(&mut o, None);
        o.push(b',');
        number(&mut o, 0);
        assert_eq!(o, b"null,18446744073709551615,null,0");
    }
}
