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
mod html;
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
    /// The tables of an HTML page (a portal's «Excel» export often is one,
    /// named `.xls`).
    Html,
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
    /// The column read as the text when no header names one: chosen by a
    /// word of its header or by its content (a warning in `report.json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_column: Option<TextChoice>,
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
    /// Accepted proposals whose theme the catalogue could not place, nor
    /// their text.
    pub unknown_theme: u64,
    /// Accepted proposals whose theme was inferred from their text.
    pub inferred_theme: u64,
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

/// The text column sborka chose when no header is a known text name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TextChoice {
    /// Its header (`column N` when empty).
    pub column: String,
    /// The title column read with it («title. text»), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// How it was chosen.
    pub by: ChosenBy,
}

/// How a text column was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChosenBy {
    /// Its header has a word of `text_words` (`catalog/headers.toml`).
    HeaderWord,
    /// It holds the longest free Russian text of the columns no header
    /// names.
    Content,
}

impl TextChoice {
    /// What was chosen and why, for a human.
    pub fn describe(&self) -> String {
        let why = match &self.by {
            ChosenBy::HeaderWord => "its header has a word that names a text",
            ChosenBy::Content => "it holds the longest Russian text",
        };
        let title = self
            .title
            .as_ref()
            .map(|t| format!(", with the title from «{t}»"))
            .unwrap_or_default();
        format!(
            "no header is a known text column; read «{}» as the text ({why}){title}",
            self.column
        )
    }
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
            text_column: None,
            sheets: Vec::new(),
            implied: BTreeMap::new(),
            records: 0,
            accepted: 0,
            quarantined: 0,
            title_rows: 0,
            unknown_theme: 0,
            inferred_theme: 0,
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
        self.report.inferred_theme = 0;
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
        if proposal.theme_confidence.is_some() {
            self.report.inferred_theme += 1;
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

/// What [`discover`] found under the inputs: the files to read, and the
/// files passed over, each with why. Every file under an input folder is
/// in one of the two lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    pub skipped: Vec<Skipped>,
}

/// A file (or folder) under an input folder that is not read, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Skipped {
    /// Its path relative to the input folder, like an [`Input`]'s name.
    pub file: String,
    pub reason: String,
}

/// The exports named by the command line's inputs, sorted by name so that
/// the order of arguments and of directory listings does not matter. A
/// file named on the command line is read whatever it is; under a folder,
/// every file is either read or passed over with a reason ([`sniff`]).
pub fn discover(inputs: &[PathBuf]) -> Result<Discovered> {
    let mut found = Discovered::default();
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
            let (before, skipped_before) = (found.inputs.len(), found.skipped.len());
            walk(path, path, &mut found)?;
            if found.inputs.len() == before {
                let mut exts = EXTENSIONS.map(|e| format!(".{e}")).join(", ");
                let skipped = &found.skipped[skipped_before..];
                if !skipped.is_empty() {
                    let listed: Vec<String> = skipped
                        .iter()
                        .map(|s| format!("{}: {}", s.file, s.reason))
                        .collect();
                    exts.push_str(&format!("; passed over {}", listed.join("; ")));
                }
                return Err(Error::NoExports {
                    path: path.display().to_string(),
                    exts,
                });
            }
        } else {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            found.inputs.push(Input {
                name,
                path: path.clone(),
            });
        }
    }
    found.inputs.sort();
    found.inputs.dedup_by(|a, b| a.path == b.path);
    found.skipped.sort();
    found.skipped.dedup();
    Ok(found)
}

fn walk(root: &Path, dir: &Path, found: &mut Discovered) -> Result<()> {
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
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let name = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let file_type = entry.file_type().map_err(io)?;
        // A link is followed to see what it is.
        let is_dir = if file_type.is_symlink() {
            path.is_dir()
        } else {
            file_type.is_dir()
        };
        let reason = if let Some(reason) = lock_file(&file_name) {
            Some(reason.to_string())
        } else if file_name.starts_with('.') {
            Some(if is_dir {
                "a hidden folder (its files are not read)".to_string()
            } else {
                "a hidden file".to_string()
            })
        } else if is_dir && file_type.is_symlink() {
            Some("a link to a folder (not followed)".to_string())
        } else if is_dir {
            walk(root, &path, found)?;
            continue;
        } else {
            match sniff(&path) {
                Sniffed::Export => None,
                Sniffed::Not(reason) => Some(reason),
            }
        };
        match reason {
            None => found.inputs.push(Input { name, path }),
            Some(reason) => found.skipped.push(Skipped { file: name, reason }),
        }
    }
    Ok(())
}

/// Why a file named so is an office lock file, if it is one.
fn lock_file(name: &str) -> Option<&'static str> {
    if name.starts_with("~$") {
        Some(
            "an office lock file (Microsoft Office: the workbook is open somewhere), not an export",
        )
    } else if name.starts_with(".~lock.") && name.ends_with('#') {
        Some("an office lock file (LibreOffice: the workbook is open somewhere), not an export")
    } else {
        None
    }
}

/// What a file under an input folder is.
#[derive(Debug, PartialEq, Eq)]
pub enum Sniffed {
    /// An export to read.
    Export,
    /// Not an export: why.
    Not(String),
}

/// How many bytes [`sniff`] looks at.
const SNIFF_BYTES: usize = 64 * 1024;

/// Extensions of files that are surely not exports, and what they are.
const NOT_EXPORTS: [(&[&str], &str); 6] = [
    (&["pdf"], "a PDF document, not a table"),
    (
        &["doc", "docx", "odt", "rtf", "md", "ppt", "pptx", "odp"],
        "a document, not a table",
    ),
    (
        &[
            "png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "svg", "webp", "heic",
        ],
        "an image, not a table",
    ),
    (
        &["zip", "rar", "7z", "gz", "tgz", "bz2", "xz", "tar"],
        "an archive: unpack it into the folder to read the exports it holds",
    ),
    (
        &["ods"],
        "an OpenDocument spreadsheet, which sborka does not read: save it as .xlsx",
    ),
    (
        &["exe", "dll", "so", "bin", "iso"],
        "a program or a disk image, not a table",
    ),
];

/// Whether a file under an input folder is an export: by a known
/// extension ([`EXTENSIONS`] are read; documents, images and archives are
/// not), else by its first bytes (`.txt`, `.tab`, `.dat`, any other or
/// none): a workbook's signature (a zip with `xl/`, a compound file),
/// JSON, or text in any encoding sborka reads (UTF-16 too) whose lines a
/// delimiter splits into columns.
pub fn sniff(path: &Path) -> Sniffed {
    use std::io::Read;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if EXTENSIONS.contains(&ext.as_str()) {
        return Sniffed::Export;
    }
    if let Some((_, what)) = NOT_EXPORTS
        .iter()
        .find(|(exts, _)| exts.contains(&ext.as_str()))
    {
        return Sniffed::Not(what.to_string());
    }
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let read =
        std::fs::File::open(path).and_then(|f| f.take(SNIFF_BYTES as u64).read_to_end(&mut head));
    if matches!(ext.as_str(), "htm" | "html") {
        // A page is read when it holds a table (a portal's export).
        let text = decode::decode(&head[..head.len() & !1]).text;
        return if read.is_ok() && html::has_table(&text) {
            Sniffed::Export
        } else {
            Sniffed::Not("a document without a table".to_string())
        };
    }
    match read {
        Ok(_) => sniff_bytes(&head, || {
            std::fs::File::open(path)
                .ok()
                .and_then(|f| zip::ZipArchive::new(f).ok())
                .is_some_and(|zip| {
                    zip.file_names()
                        .any(|n| n.is_ok_and(|n| n.starts_with("xl/")))
                })
        }),
        // Reading it says why it cannot be read, in the report.
        Err(_) => Sniffed::Export,
    }
}

/// [`sniff`] on a file's first bytes; `workbook` says whether the whole
/// file, a zip, holds a workbook.
fn sniff_bytes(head: &[u8], workbook: impl FnOnce() -> bool) -> Sniffed {
    let not = |what: &str| Sniffed::Not(what.to_string());
    if head.is_empty() {
        return not("an empty file");
    }
    if head.starts_with(b"%PDF") {
        return not("a PDF document, not a table");
    }
    if head.starts_with(b"\x89PNG")
        || head.starts_with(b"\xff\xd8\xff")
        || head.starts_with(b"GIF8")
    {
        return not("an image, not a table");
    }
    if head.starts_with(b"PK\x03\x04") {
        return if workbook() {
            Sniffed::Export
        } else {
            not(
                "a zip archive that is not a workbook: unpack it into the folder to read the exports it holds",
            )
        };
    }
    if head.starts_with(&sheet_reader::CFB_SIGNATURE) {
        return Sniffed::Export;
    }
    // Cut at a whole UTF-16 unit, so that a cut text decodes as the whole
    // does.
    let head = &head[..head.len() & !1];
    let decoded = decode::decode(head);
    let text = decoded
        .text
        .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if is_binary(text) {
        return not("binary content, not a table");
    }
    if text.starts_with(['[', '{']) || csv_reader::looks_delimited(text) {
        Sniffed::Export
    } else {
        not("text without a table: no delimiter splits its lines into columns")
    }
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
    // Workbooks are recognised by their signature whatever their name. A
    // name saying workbook on text (a portal's «Excel» export is often an
    // HTML table or delimited text) is read as the text it is.
    let signed =
        bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&sheet_reader::CFB_SIGNATURE);
    let named = matches!(ext.as_deref(), Some("xlsx" | "xlsm" | "xls"));
    let text_named_workbook = named && !signed && {
        let head = &bytes[..bytes.len().min(SNIFF_BYTES) & !1];
        !head.is_empty() && !is_binary(&decode::decode(head).text)
    };
    if text_named_workbook {
        out.report.problem(format!(
            "{}: named as a workbook, but it is text: read as the table it holds",
            input.name
        ));
    } else if bytes.starts_with(b"PK\x03\x04") || matches!(ext.as_deref(), Some("xlsx" | "xlsm")) {
        out.report.format = Some(Format::Xlsx);
        return sheet_reader::read_xlsx(&ctx, bytes, out);
    }
    if !text_named_workbook
        && (bytes.starts_with(&sheet_reader::CFB_SIGNATURE) || ext.as_deref() == Some("xls"))
    {
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
    if html::has_table(&text) {
        out.report.format = Some(Format::Html);
        return sheet_reader::read_html(&ctx, &text, out);
    }
    if text_named_workbook && first.starts_with('<') {
        return out.fail("an HTML page without a table");
    }
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
        Format::Xlsx | Format::Xls | Format::Html => {
            unreachable!("workbooks and HTML tables are dispatched above")
        }
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
        let names: Vec<&str> = found.inputs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["a.json", "b.csv", "sub/c.CSV"]);
        let skipped: Vec<(&str, &str)> = found
            .skipped
            .iter()
            .map(|s| (s.file.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [
                (".hidden.csv", "a hidden file"),
                ("notes.md", "a document, not a table")
            ]
        );
    }

    /// Every file under a folder is read or passed over with a reason;
    /// the content decides, not the extension.
    #[test]
    fn discover_passes_over_nothing_in_silence() {
        let dir = tempfile::tempdir().unwrap();
        let utf16: Vec<u8> =
            "\u{feff}Текст предложения\tТема\r\nОткрыть пункт проката\tПожилые\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect();
        let files: [(&str, &[u8]); 11] = [
            ("unicode.txt", &utf16),
            (
                "export.dat",
                "text;theme\nОдин;Семья\nДва;Семья\n".as_bytes(),
            ),
            ("noext", "[{\"text\": \"Один\"}]".as_bytes()),
            (
                "notes.txt",
                "Просто заметки на полях, без таблицы.\nЕще строка.\n".as_bytes(),
            ),
            (
                "readings.dat",
                &[0u8, 1, 2, 3, 0, 0, 7, 0xff, 0xfe, 0, 0x10, 0x11][..],
            ),
            ("scan.pdf", b"%PDF-1.4\n"),
            ("fake.tab", b"%PDF-1.4\n"),
            ("photo.jpg", b"\xff\xd8\xff\xe0"),
            ("~$svod.xlsx", b"\x05user"),
            (".~lock.svod.xlsx#", b",user,host,"),
            ("empty.tab", b""),
        ];
        for (name, bytes) in files {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".git/config"), "x").unwrap();
        let found = discover(&[dir.path().to_path_buf()]).unwrap();
        let names: Vec<&str> = found.inputs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["export.dat", "noext", "unicode.txt"]);
        let skipped: Vec<(&str, &str)> = found
            .skipped
            .iter()
            .map(|s| (s.file.as_str(), s.reason.as_str()))
            .collect();
        let lock =
            "an office lock file (Microsoft Office: the workbook is open somewhere), not an export";
        let lo_lock =
            "an office lock file (LibreOffice: the workbook is open somewhere), not an export";
        assert_eq!(
            skipped,
            [
                (".git", "a hidden folder (its files are not read)"),
                (".~lock.svod.xlsx#", lo_lock),
                ("empty.tab", "an empty file"),
                ("fake.tab", "a PDF document, not a table"),
                (
                    "notes.txt",
                    "text without a table: no delimiter splits its lines into columns"
                ),
                ("photo.jpg", "an image, not a table"),
                ("readings.dat", "binary content, not a table"),
                ("scan.pdf", "a PDF document, not a table"),
                ("~$svod.xlsx", lock),
            ]
        );
        // The UTF-16 text is read as what it is.
        let input = found
            .inputs
            .iter()
            .find(|i| i.name == "unicode.txt")
            .unwrap();
        let out = read_file(input, &Catalog::embedded());
        assert_eq!(out.report.encoding.as_deref(), Some("utf-16le"));
        assert_eq!(out.report.delimiter.as_deref(), Some("\t"));
        assert_eq!(out.report.accepted, 1);
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
        std::fs::write(dir.path().join("scan.pdf"), b"%PDF").unwrap();
        let err = discover(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("; passed over scan.pdf: a PDF document, not a table)"),
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
