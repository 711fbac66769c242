//! Reads session exports into proposals and quarantined records.
//!
//! # Overview
//!
//! - [`discover`] turns the command line's inputs (files and folders) into a
//!   sorted list of [`Input`]s; a missing path or a folder without exports is
//!   an [`Error`].
//! - [`read_file`] reads one export into a [`FileOutcome`]: the accepted
//!   [`Proposal`]s, the [`Quarantined`] records and a [`FileReport`]. A file
//!   that cannot be read at all is not an error of the build: its report
//!   carries the cause and the other files go on.
//! - [`RecordBuilder`] turns the fields of one record into a proposal,
//!   resolving district, region, theme, level and kind against the catalogue.
//!   It is also where personal data leaves: a column the catalogue marks
//!   personal is never copied, and personal data in the text and the other
//!   columns is masked (`sborka_text::personal`), counted per file in
//!   [`FileReport::masked`].
//!
//! Every file keeps the invariant `records = accepted + quarantined`.
//!
//! # Example
//!
//! ```
//! use sborka_core::Catalog;
//! use sborka_ingest::{Input, read_bytes};
//!
//! let catalog = Catalog::embedded();
//! let csv = "text;district;level\nОткрыть пункты проката ТСР;СКФО;рег.\n;ЮФО;\n";
//! let input = Input::named("demo.csv");
//! let out = read_bytes(&input, csv.as_bytes(), &catalog);
//! assert_eq!(out.report.records, 2);
//! assert_eq!(out.proposals.len(), 1);
//! assert_eq!(out.quarantined[0].reason.code(), "empty_text");
//! ```

mod csv_reader;
mod decode;
mod json_reader;
mod record;
mod rows;
mod sheet_reader;
mod table;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use sborka_core::{Catalog, Field, Masked, Proposal, Quarantined};

use csv_reader::Split;

pub use record::RecordBuilder;
pub use rows::{Sheet, read_rows, rows_of};

/// Errors that stop ingest before any file is read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: no such file or folder")]
    NotFound { path: String },
    #[error("{path}: no exports found (looked for {exts})")]
    NoExports { path: String, exts: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

/// The file extensions sborka reads.
pub const EXTENSIONS: [&str; 7] = ["csv", "tsv", "json", "jsonl", "ndjson", "xlsx", "xls"];

/// The bounds within which one file is read. A record over a bound is
/// quarantined (`text_too_long`, `too_many_records`); a file over a bound is
/// reported unreadable. Memory stays within a small multiple of
/// `max_file_bytes` (or of `max_xlsx_bytes` for a workbook) whatever the
/// input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// The longest proposal text, in characters.
    pub max_text_chars: usize,
    /// The most records read from one file; the first record over it is
    /// quarantined as `too_many_records` and the rest of the file is not read.
    pub max_records: u64,
    /// The largest file read at all, in bytes.
    pub max_file_bytes: u64,
    /// The most bytes an XLSX may decompress to (all its parts together),
    /// counted while decompressing: declared sizes are not trusted.
    pub max_xlsx_bytes: u64,
    /// The deepest nesting of arrays and objects in a JSON file (or line).
    pub max_json_depth: usize,
    /// Not a bound: whether each proposal keeps the originals of what
    /// masking changed (`Proposal::personal`, for `--keep-personal`). Off:
    /// personal data is masked and its originals dropped as it is read.
    pub keep_personal: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_text_chars: 20_000,
            max_records: 1_000_000,
            max_file_bytes: 1 << 30,
            max_xlsx_bytes: 512 << 20,
            max_json_depth: 32,
            keep_personal: false,
        }
    }
}

/// A file to read, with the name it carries in provenance and reports.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    /// The name in outputs: the path relative to the folder given on the
    /// command line, or the file name of a file given directly.
    pub name: String,
    pub path: PathBuf,
}

impl Input {
    /// An input known only by name (tests, stdin-like uses).
    pub fn named(name: &str) -> Input {
        Input {
            name: name.to_string(),
            path: PathBuf::from(name),
        }
    }
}

/// The container format of an export. TSV and other delimiters are `csv`
/// with their `delimiter` in the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Json,
    Jsonl,
    Xlsx,
    Xls,
}

/// What reading one file gave, for `report.json` and `sborka check`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileReport {
    pub file: String,
    pub format: Option<Format>,
    pub encoding: Option<String>,
    /// Bytes that were invalid in the detected encoding, each read as U+FFFD.
    #[serde(skip_serializing_if = "is_zero")]
    pub invalid_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// The line (row) of the header, when rows above it were skipped as
    /// titles; for a workbook, the first sheet read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_row: Option<u64>,
    /// Each column's header and the field sborka maps it to (`null`: kept
    /// in `extra`).
    pub columns: Vec<Column>,
    /// A workbook's sheets, read or skipped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sheets: Vec<SheetReport>,
    /// Values the whole file implies (from its session metadata, a title
    /// row, a sheet name or the file name), applied to every record that
    /// lacks them and marked as inferred there: field → `value (from …)`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub implied: BTreeMap<Field, String>,
    pub records: u64,
    pub accepted: u64,
    pub quarantined: u64,
    /// Rows that are not records: titles above the header and section
    /// titles (one cell of text, no proposal) between records.
    #[serde(skip_serializing_if = "is_zero")]
    pub title_rows: u64,
    /// Accepted proposals whose theme the catalogue could not place.
    pub unknown_theme: u64,
    /// Accepted proposals without a level the catalogue could place.
    pub unknown_level: u64,
    /// Personal data kept out of every output: cells of personal columns,
    /// values masked in texts (of accepted and quarantined records), by
    /// kind.
    pub masked: Masked,
    /// The first problems met, for a human.
    pub problems: Vec<String>,
    /// Why the file could not be read at all.
    pub error: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Column {
    pub header: String,
    pub field: Option<Field>,
}

/// One sheet of a workbook.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SheetReport {
    pub name: String,
    /// The header's row, if the sheet has one naming a text column.
    pub header_row: Option<u64>,
    pub records: u64,
    /// Why the sheet was not read (no header with a text column, empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

impl FileReport {
    fn new(input: &Input) -> FileReport {
        FileReport {
            file: input.name.clone(),
            format: None,
            encoding: None,
            invalid_bytes: 0,
            delimiter: None,
            header_row: None,
            columns: Vec::new(),
            sheets: Vec::new(),
            implied: BTreeMap::new(),
            records: 0,
            accepted: 0,
            quarantined: 0,
            title_rows: 0,
            unknown_theme: 0,
            unknown_level: 0,
            masked: Masked::default(),
            problems: Vec::new(),
            error: None,
        }
    }

    /// Notes a problem that is not a quarantined record.
    fn problem(&mut self, message: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(message);
        }
    }
}

/// How many problems a file report lists; the rest are only counted.
const MAX_PROBLEMS: usize = 10;

/// Everything read from one file.
#[derive(Debug, PartialEq)]
pub struct FileOutcome {
    pub report: FileReport,
    pub proposals: Vec<Proposal>,
    pub quarantined: Vec<Quarantined>,
}

impl FileOutcome {
    fn new(input: &Input) -> FileOutcome {
        FileOutcome {
            report: FileReport::new(input),
            proposals: Vec::new(),
            quarantined: Vec::new(),
        }
    }

    /// The file could not be read: no record of it counts.
    fn fail(mut self, message: impl Into<String>) -> FileOutcome {
        self.report.error = Some(message.into());
        self.report.records = 0;
        self.report.accepted = 0;
        self.report.quarantined = 0;
        self.report.unknown_theme = 0;
        self.report.unknown_level = 0;
        self.report.masked = Masked::default();
        self.proposals.clear();
        self.quarantined.clear();
        self
    }

    /// Room for `more` proposals.
    fn reserve(&mut self, more: usize) {
        self.proposals.reserve(more);
    }

    /// Counts an accepted proposal.
    fn accept(&mut self, proposal: Proposal) {
        self.report.records += 1;
        self.report.accepted += 1;
        if !proposal.facets.theme.is_known() {
            self.report.unknown_theme += 1;
        }
        if !proposal.facets.level.is_known() {
            self.report.unknown_level += 1;
        }
        self.proposals.push(proposal);
    }

    /// Counts a quarantined record.
    fn reject(&mut self, q: Quarantined) {
        self.report.records += 1;
        self.report.quarantined += 1;
        self.report.problem(q.message.clone());
        self.quarantined.push(q);
    }
}

/// The exports named by the command line's inputs, sorted by name so that
/// the order of arguments and of directory listings does not matter.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<Input>> {
    let mut found = Vec::new();
    for path in inputs {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound {
                path: path.display().to_string(),
            },
            _ => Error::Io {
                path: path.display().to_string(),
                source: e,
            },
        })?;
        if meta.is_dir() {
            let before = found.len();
            walk(path, path, &mut found)?;
            if found.len() == before {
                return Err(Error::NoExports {
                    path: path.display().to_string(),
                    exts: EXTENSIONS.map(|e| format!(".{e}")).join(", "),
                });
            }
        } else {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            found.push(Input {
                name,
                path: path.clone(),
            });
        }
    }
    found.sort();
    found.dedup_by(|a, b| a.path == b.path);
    Ok(found)
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<Input>) -> Result<()> {
    let io = |e| Error::Io {
        path: dir.display().to_string(),
        source: e,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .collect::<std::io::Result<_>>()
        .map_err(io)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let file_type = entry.file_type().map_err(io)?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        if file_type.is_dir() {
            walk(root, &path, found)?;
        } else if is_export(&path) {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            found.push(Input { name, path });
        }
    }
    Ok(())
}

fn is_export(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Reads one export within the default [`Limits`]. Never fails: a file that
/// cannot be read comes back with `report.error` set and no records.
pub fn read_file(input: &Input, catalog: &Catalog) -> FileOutcome {
    read_file_with(input, catalog, &Limits::default())
}

/// Reads one export within `limits`.
pub fn read_file_with(input: &Input, catalog: &Catalog, limits: &Limits) -> FileOutcome {
    use std::io::Read;
    let out = FileOutcome::new(input);
    let file = match std::fs::File::open(&input.path) {
        Ok(f) => f,
        Err(e) => return out.fail(format!("cannot read: {e}")),
    };
    let size = file.metadata().map(|meta| meta.len()).unwrap_or(0);
    if size > limits.max_file_bytes {
        return out.fail(format!(
            "the file has {size} bytes, more than the limit of {}",
            limits.max_file_bytes
        ));
    }
    // Sized once: `read_to_end` on a `Take` knows no size and grew the
    // buffer by doubling, copying it and faulting its pages in again (a
    // tenth of reading a 22 MB export).
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // `take` keeps the bound even if the file grows while it is read.
    match file
        .take(limits.max_file_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
    {
        Ok(_) if bytes.len() as u64 > limits.max_file_bytes => out.fail(format!(
            "the file has more than the limit of {} bytes",
            limits.max_file_bytes
        )),
        Ok(_) => read_bytes_with(input, &bytes, catalog, limits),
        Err(e) => out.fail(format!("cannot read: {e}")),
    }
}

/// Reads one export from memory within the default [`Limits`].
pub fn read_bytes(input: &Input, bytes: &[u8], catalog: &Catalog) -> FileOutcome {
    read_bytes_with(input, bytes, catalog, &Limits::default())
}

/// Reads one export from memory; the format comes from the content
/// (a workbook's signature) and the name's extension.
pub fn read_bytes_with(
    input: &Input,
    bytes: &[u8],
    catalog: &Catalog,
    limits: &Limits,
) -> FileOutcome {
    read_bytes_split(input, bytes, catalog, limits, Split::Auto)
}

/// Reads one export from memory, a delimited one's records split as
/// `split` says (the outcome is the same whichever way).
fn read_bytes_split(
    input: &Input,
    bytes: &[u8],
    catalog: &Catalog,
    limits: &Limits,
    split: Split,
) -> FileOutcome {
    let mut out = FileOutcome::new(input);
    if bytes.len() as u64 > limits.max_file_bytes {
        return out.fail(format!(
            "the file has {} bytes, more than the limit of {}",
            bytes.len(),
            limits.max_file_bytes
        ));
    }
    let ext = Path::new(&input.name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let ctx = table::Ctx::new(input, catalog, limits);
    // Workbooks are recognised by their signature whatever their name, and
    // a name saying workbook is believed only for a workbook's bytes.
    if bytes.starts_with(b"PK\x03\x04") || matches!(ext.as_deref(), Some("xlsx" | "xlsm")) {
        out.report.format = Some(Format::Xlsx);
        return sheet_reader::read_xlsx(&ctx, bytes, out);
    }
    if bytes.starts_with(&sheet_reader::CFB_SIGNATURE) || ext.as_deref() == Some("xls") {
        out.report.format = Some(Format::Xls);
        return sheet_reader::read_xls(&ctx, bytes, out);
    }
    if bytes.is_empty() {
        return out.fail("the file is empty");
    }
    let decoded = decode::decode(bytes);
    out.report.encoding = Some(decoded.encoding.clone());
    out.report.invalid_bytes = decoded.invalid;
    if decoded.invalid > 0 {
        let invalid = decoded.invalid;
        out.report.problem(format!(
            "{}: {invalid} invalid {} in {} replaced with U+FFFD",
            input.name,
            if invalid == 1 { "byte" } else { "bytes" },
            decoded.encoding
        ));
    }
    let text = decoded.text;
    if is_binary(&text) {
        return out.fail(format!(
            "binary content, not text (read as {})",
            decoded.encoding
        ));
    }
    let first = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let format = match ext.as_deref() {
        Some("jsonl" | "ndjson") => Format::Jsonl,
        Some("json") => Format::Json,
        Some("csv" | "tsv") => Format::Csv,
        _ if first.starts_with('[') => Format::Json,
        _ if first.starts_with('{') => {
            if first
                .lines()
                .nth(1)
                .is_some_and(|l| l.trim_start().starts_with('{'))
            {
                Format::Jsonl
            } else {
                Format::Json
            }
        }
        _ => Format::Csv,
    };
    out.report.format = Some(format);
    match format {
        Format::Csv => csv_reader::read(&ctx, &text, ext.as_deref() == Some("tsv"), split, out),
        Format::Json => json_reader::read(&ctx, &text, out),
        Format::Jsonl => json_reader::read_lines(&ctx, &text, out),
        Format::Xlsx | Format::Xls => unreachable!("workbooks are dispatched above"),
    }
}

/// Text with many control characters is not an export but binary junk
/// (an image, an archive, a workbook renamed `.csv`).
fn is_binary(text: &str) -> bool {
    let sample: Vec<char> = text.chars().take(8192).collect();
    let control = sample
        .iter()
        .filter(|&&c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{fffd}')
        .count();
    !sample.is_empty() && control * 10 > sample.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discover_sorts_and_names_relative() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for name in ["b.csv", "a.json", "sub/c.CSV", "notes.md", ".hidden.csv"] {
            std::fs::write(dir.path().join(name), "text\nx\n").unwrap();
        }
        let found = discover(&[dir.path().to_path_buf()]).unwrap();
        let names: Vec<&str> = found.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["a.json", "b.csv", "sub/c.CSV"]);
    }

    #[test]
    fn discover_errors_say_where() {
        let dir = tempfile::tempdir().unwrap();
        let err = discover(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(
            err.to_string().ends_with(
                "no exports found (looked for .csv, .tsv, .json, .jsonl, .ndjson, .xlsx, .xls)"
            ),
            "{err}"
        );
        let missing = dir.path().join("nope");
        let err = discover(&[missing]).unwrap_err();
        assert!(
            err.to_string().ends_with("nope: no such file or folder"),
            "{err}"
        );
    }
}
