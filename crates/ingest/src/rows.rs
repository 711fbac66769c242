//! Plain tables: the rows of a delimited file or of each sheet of a
//! workbook, read by the same decoder, CSV parser and workbook readers as
//! the exports, for files that are not exports (analysts' answered review
//! sheets).

use std::path::Path;

use crate::Limits;
use crate::csv_reader::{Parser, sniff_delimiter};
use crate::decode::decode;
use crate::sheet_reader::{check_cfb, check_zip, xls_sheets, xlsx_sheets};
use crate::table::Item;

/// One sheet (or the one table of a delimited file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sheet {
    /// The sheet's name in a workbook; `None` for a delimited file.
    pub name: Option<String>,
    /// Its rows, in order: (1-based line or spreadsheet row, cells). Blank
    /// rows are left out; a cell missing from a row is empty.
    pub rows: Vec<(u64, Vec<String>)>,
}

/// The tables of the file at `path`: every sheet of an XLSX or XLS
/// workbook (told by its bytes, not its name), or the rows of delimited
/// text in any encoding the exports may use. An error says what is wrong
/// with the file.
pub fn read_rows(path: &Path, limits: &Limits) -> Result<Vec<Sheet>, String> {
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > limits.max_file_bytes {
        return Err(format!(
            "larger than {} bytes ({size} bytes)",
            limits.max_file_bytes
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    rows_of(&bytes, limits)
}

/// [`read_rows`] of bytes already read.
pub fn rows_of(bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, String> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const CFB: &[u8] = &[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
    let workbook = if bytes.starts_with(ZIP) {
        check_zip(bytes, limits.max_xlsx_bytes)?;
        Some(xlsx_sheets(bytes)?)
    } else if bytes.starts_with(CFB) {
        check_cfb(bytes).map_err(|e| format!("corrupt XLS: {e}"))?;
        Some(xls_sheets(bytes)?)
    } else {
        None
    };
    if let Some(sheets) = workbook {
        return Ok(sheets
            .into_iter()
            .map(|(name, cells)| Sheet {
                name: Some(name),
                rows: cells
                    .into_iter()
                    .map(|(row, cells)| {
                        let width = cells.iter().map(|&(c, _)| c as usize + 1).max();
                        let mut out = vec![String::new(); width.unwrap_or(0)];
                        for (c, value) in cells {
                            out[c as usize] = value;
                        }
                        (u64::from(row) + 1, out)
                    })
                    .collect(),
            })
            .collect());
    }
    let decoded = decode(bytes);
    let text = decoded.text.as_ref();
    if text
        .chars()
        .take(4096)
        .filter(|c| c.is_control() && !c.is_whitespace())
        .count()
        > 64
    {
        return Err("not text: mostly control characters".into());
    }
    let delimiter = sniff_delimiter(text, false);
    let mut rows = Vec::new();
    for item in Parser::new(text, delimiter) {
        match item {
            Item::Row(row) => {
                if row.cells.iter().any(|c| !c.trim().is_empty()) {
                    rows.push((row.line, row.cells.iter().map(|c| c.to_string()).collect()));
                }
            }
            Item::Broken { line, what, .. } => {
                return Err(format!("line {line}: {what}"));
            }
        }
    }
    Ok(vec![Sheet { name: None, rows }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimited_text_in_any_encoding() {
        let limits = Limits::default();
        // UTF-8 with a BOM, commas, a quoted cell with a line break.
        let csv = "\u{feff}question,text_a,decision\nmerge,\"a, b\nc\",да\n\n member,x,нет\n";
        let sheets = rows_of(csv.as_bytes(), &limits).unwrap();
        assert_eq!(sheets.len(), 1);
        assert_eq!(
            sheets[0].rows,
            [
                (
                    1,
                    vec!["question".into(), "text_a".into(), "decision".into()]
                ),
                (2, vec!["merge".into(), "a, b\nc".into(), "да".into()]),
                (5, vec![" member".into(), "x".into(), "нет".into()]),
            ]
        );
        // Windows-1251, semicolons.
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode("вопрос;решение\nmerge;да\n");
        let sheets = rows_of(&cp1251, &limits).unwrap();
        assert_eq!(sheets[0].rows[1].1, ["merge", "да"]);
    }

    #[test]
    fn a_broken_file_says_where() {
        let err = rows_of(b"a,b\n\"never closed,x\nmore\n", &Limits::default()).unwrap_err();
        assert!(err.contains("line"), "{err}");
        let junk: Vec<u8> = (0..200u8).map(|b| b % 8).collect();
        assert!(rows_of(&junk, &Limits::default()).is_err());
        assert!(rows_of(b"PK\x03\x04broken", &Limits::default()).is_err());
    }
}
