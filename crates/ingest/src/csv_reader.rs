//! Delimited text: `,` or `;` separated, RFC 4180 quoting, header first.

use sborka_core::{Catalog, Field, Provenance, Quarantined, Reason, fold_key};

use crate::{Column, FileOutcome, Input, RecordBuilder};

/// The delimiters sborka recognises, in order of preference on a tie.
const DELIMITERS: [u8; 2] = [b';', b','];

/// The delimiter used most often outside quotes on the first line.
fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = DELIMITERS.iter().position(|&d| d == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let best = (0..DELIMITERS.len())
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    DELIMITERS[best]
}

pub(crate) fn read(
    input: &Input,
    text: &str,
    catalog: &Catalog,
    mut out: FileOutcome,
) -> FileOutcome {
    let delimiter = sniff_delimiter(text);
    out.report.delimiter = Some((delimiter as char).to_string());
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = reader.records();

    let header = match rows.next() {
        None => return out.fail("the file is empty"),
        Some(Err(e)) => return out.fail(format!("cannot read the header: {e}")),
        Some(Ok(row)) => row,
    };
    let headers: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    let fields: Vec<Option<Field>> = headers.iter().map(|h| catalog.header(h)).collect();
    out.report.columns = headers
        .iter()
        .zip(&fields)
        .map(|(h, f)| Column {
            header: h.clone(),
            field: *f,
        })
        .collect();
    if !fields.contains(&Some(Field::Text)) {
        return out.fail(format!(
            "no text column (headers: {}); name one of them as in catalog/headers.toml",
            headers.join(", ")
        ));
    }
    let header_key: Vec<String> = headers.iter().map(|h| fold_key(h)).collect();
    let unnamed: Vec<String> = (1..=headers.len().max(64))
        .map(|i| format!("column {i}"))
        .collect();

    let builder = RecordBuilder::new(catalog);
    let mut record = 0u64;
    for row in rows {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                record += 1;
                let line = e.position().map_or(0, |p| p.line());
                let source = provenance(input, record, line);
                out.reject(Quarantined {
                    message: format!("{source}: cannot parse the row: {e}"),
                    source,
                    reason: Reason::Malformed,
                    raw: Default::default(),
                });
                continue;
            }
        };
        if row.iter().all(|f| f.trim().is_empty()) {
            continue; // a blank row is not a record
        }
        record += 1;
        let line = row.position().map_or(0, |p| p.line());
        let source = provenance(input, record, line);
        let name = |i: usize| -> &str {
            match headers.get(i) {
                Some(h) if !h.is_empty() => h,
                _ => unnamed.get(i).map_or("column ?", String::as_str),
            }
        };
        let raw = || {
            row.iter()
                .enumerate()
                .map(|(i, v)| (name(i).to_string(), v.to_string()))
                .collect()
        };
        if row.len() != headers.len() {
            out.reject(Quarantined {
                message: format!(
                    "{source}: {} fields where the header has {}",
                    row.len(),
                    headers.len()
                ),
                source,
                reason: Reason::FieldCount,
                raw: raw(),
            });
            continue;
        }
        if row.iter().map(fold_key).eq(header_key.iter().cloned()) {
            out.reject(Quarantined {
                message: format!("{source}: the header row again"),
                source,
                reason: Reason::RepeatedHeader,
                raw: raw(),
            });
            continue;
        }
        let cells = row.iter().enumerate().map(|(i, v)| (name(i), fields[i], v));
        match builder.build(source, cells) {
            Ok(p) => out.accept(p),
            Err(q) => out.reject(*q),
        }
    }
    out
}

fn provenance(input: &Input, record: u64, line: u64) -> Provenance {
    Provenance {
        file: input.name.clone(),
        record,
        line,
        sheet: None,
        source_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read_bytes;

    #[test]
    fn sniff_table() {
        let cases = [
            ("a;b;c\n1,2;3", b';'),
            ("a,b,c\n", b','),
            ("\"x;y\",b,c\n", b','),
            ("text\n", b';'),
        ];
        for (text, want) in cases {
            assert_eq!(sniff_delimiter(text) as char, want as char, "{text:?}");
        }
    }

    #[test]
    fn records_accepted_and_quarantined() {
        let catalog = Catalog::embedded();
        let csv = "\u{feff}id,text,theme\n\
                   1,\"Открыть \"\"школу ухода\"\",\nв каждом районе\",Пожилые\n\
                   2,,Пожилые\n\
                   ,,\n\
                   3,лишнее,поле,здесь\n\
                   id,text,theme\n\
                   4,Создать службу сиделок,\n";
        let out = read_bytes(&Input::named("x.csv"), csv.as_bytes(), &catalog);
        let r = &out.report;
        assert_eq!(r.error, None);
        assert_eq!((r.records, r.accepted, r.quarantined), (5, 2, 3));
        let reasons: Vec<Reason> = out.quarantined.iter().map(|q| q.reason).collect();
        assert_eq!(
            reasons,
            [
                Reason::EmptyText,
                Reason::FieldCount,
                Reason::RepeatedHeader
            ]
        );
        let lines: Vec<u64> = out.quarantined.iter().map(|q| q.source.line).collect();
        assert_eq!(lines, [4, 6, 7]);
        assert_eq!(
            out.proposals[0].text,
            "Открыть \"школу ухода\",\nв каждом районе"
        );
        assert_eq!(out.proposals[1].source.record, 5);
        assert_eq!(out.proposals[1].source.line, 8);
        assert_eq!(r.unknown_theme, 1);
    }

    #[test]
    fn file_errors() {
        let catalog = Catalog::embedded();
        let cases = [
            ("", "the file is empty"),
            (
                "Тема;Уровень\nПожилые;фед.\n",
                "no text column (headers: Тема, Уровень)",
            ),
        ];
        for (csv, want) in cases {
            let out = read_bytes(&Input::named("x.csv"), csv.as_bytes(), &catalog);
            let err = out.report.error.unwrap_or_default();
            assert!(err.starts_with(want), "{err}");
            assert_eq!(out.report.records, 0);
        }
    }
}
