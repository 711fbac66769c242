//! JSON: an array of flat objects, one per record.

use serde_json::Value;

use sborka_core::{Catalog, Provenance, Quarantined, Reason};

use crate::{Column, FileOutcome, Input, RecordBuilder};

pub(crate) fn read(
    input: &Input,
    text: &str,
    catalog: &Catalog,
    mut out: FileOutcome,
) -> FileOutcome {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return out.fail(format!("invalid JSON: {e}")),
    };
    let Value::Array(items) = value else {
        return out.fail("expected a JSON array of records");
    };
    let starts = element_starts(text);
    let line_of = |k: usize| -> u64 {
        match starts.get(k) {
            Some(&at) if starts.len() == items.len() => {
                1 + text.as_bytes()[..at]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count() as u64
            }
            _ => 0,
        }
    };

    // Columns in order of first appearance, for the report.
    let mut seen: Vec<String> = Vec::new();
    let builder = RecordBuilder::new(catalog);
    for (k, item) in items.iter().enumerate() {
        let source = Provenance {
            file: input.name.clone(),
            record: k as u64 + 1,
            line: line_of(k),
            sheet: None,
            source_id: None,
        };
        let Value::Object(map) = item else {
            out.reject(Quarantined {
                message: format!("{source}: expected an object, found {}", kind_of(item)),
                source,
                reason: Reason::Malformed,
                raw: [("value".to_string(), item.to_string())].into(),
            });
            continue;
        };
        let cells: Vec<(&str, String)> = map
            .iter()
            .map(|(key, v)| (key.as_str(), scalar(v)))
            .collect();
        for (key, _) in &cells {
            if !seen.iter().any(|s| s == key) {
                seen.push(key.to_string());
            }
        }
        let cells = cells
            .iter()
            .map(|(key, v)| (*key, catalog.header(key), v.as_str()));
        match builder.build(source, cells) {
            Ok(p) => out.accept(p),
            Err(q) => out.reject(*q),
        }
    }
    out.report.columns = seen
        .into_iter()
        .map(|header| Column {
            field: catalog.header(&header),
            header,
        })
        .collect();
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Byte offsets where the elements of the top-level array begin, so that a
/// record can say on which line it starts.
fn element_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut expect) = (0usize, false, false, false);
    for (i, c) in text.bytes().enumerate() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if c.is_ascii_whitespace() {
            continue;
        }
        if depth == 1 && expect && !matches!(c, b']' | b',') {
            starts.push(i);
            expect = false;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth == 1 {
                    expect = true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expect = true,
            _ => {}
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read_bytes;

    #[test]
    fn element_starts_table() {
        let cases: [(&str, &[usize]); 4] = [
            ("[]", &[]),
            ("[1, 2]", &[1, 4]),
            ("[{\"a\": \"],[\"}, [3]]", &[1, 15]),
            ("[\n {\"t\": 1},\n {\"t\": 2}\n]", &[3, 14]),
        ];
        for (text, want) in cases {
            assert_eq!(element_starts(text), want, "{text:?}");
        }
    }

    #[test]
    fn reads_array_of_objects() {
        let catalog = Catalog::embedded();
        let json = r#"[
  {"id": 1, "text": "Создать службу сиделок", "level": "рег.", "year": 2018},
  {"id": 2, "text": ""},
  "просто строка",
  {"id": 4, "text": "Ввести сертификат", "Примечание": null}
]"#;
        let out = read_bytes(&Input::named("x.json"), json.as_bytes(), &catalog);
        let r = &out.report;
        assert_eq!((r.records, r.accepted, r.quarantined), (4, 2, 2));
        assert_eq!(out.proposals[0].year, Some(2018));
        assert_eq!(out.proposals[0].source.source_id.as_deref(), Some("1"));
        assert_eq!(out.proposals[1].source.line, 5);
        let reasons: Vec<Reason> = out.quarantined.iter().map(|q| q.reason).collect();
        assert_eq!(reasons, [Reason::EmptyText, Reason::Malformed]);
        assert_eq!(out.quarantined[1].source.line, 4);
    }

    #[test]
    fn file_errors() {
        let catalog = Catalog::embedded();
        let cases = [
            ("[{\"text\": \"обрыв", "invalid JSON: EOF while parsing"),
            ("{\"text\": \"x\"}", "expected a JSON array of records"),
        ];
        for (json, want) in cases {
            let out = read_bytes(&Input::named("x.json"), json.as_bytes(), &catalog);
            let err = out.report.error.unwrap_or_default();
            assert!(err.starts_with(want), "{err}");
        }
    }
}
