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
mod json_reader;
mod record;

use std::path::{Path, PathBuf};

use serde::Serialize;

use sborka_core::{Catalog, Field, Proposal, Quarantined};

pub use record::RecordBuilder;

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
pub const EXTENSIONS: [&str; 2] = ["csv", "json"];

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

/// The container format of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Json,
}

/// What reading one file gave, for `report.json` and `sborka check`.
#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    pub file: String,
    pub format: Option<Format>,
    pub encoding: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Each column's header and the field sborka maps it to (`null`: kept
    /// in `extra`).
    pub columns: Vec<Column>,
    pub records: u64,
    pub accepted: u64,
    pub quarantined: u64,
    /// Accepted proposals whose theme the catalogue could not place.
    pub unknown_theme: u64,
    /// Accepted proposals without a level the catalogue could place.
    pub unknown_level: u64,
    /// The first problems met, for a human.
    pub problems: Vec<String>,
    /// Why the file could not be read at all.
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Column {
    pub header: String,
    pub field: Option<Field>,
}

impl FileReport {
    fn new(input: &Input) -> FileReport {
        FileReport {
            file: input.name.clone(),
            format: None,
            encoding: None,
            delimiter: None,
            columns: Vec::new(),
            records: 0,
            accepted: 0,
            quarantined: 0,
            unknown_theme: 0,
            unknown_level: 0,
            problems: Vec::new(),
            error: None,
        }
    }
}

/// How many problems a file report lists; the rest are only counted.
const MAX_PROBLEMS: usize = 10;

/// Everything read from one file.
#[derive(Debug)]
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

    fn fail(mut self, message: impl Into<String>) -> FileOutcome {
        self.report.error = Some(message.into());
        self
    }

    /// Counts an accepted proposal.
    fn accept(&mut self, proposal: Proposal) {
        self.report.records += 1;
        self.report.accepted += 1;
        if !proposal.theme.is_known() {
            self.report.unknown_theme += 1;
        }
        if !proposal.level.is_known() {
            self.report.unknown_level += 1;
        }
        self.proposals.push(proposal);
    }

    /// Counts a quarantined record.
    fn reject(&mut self, q: Quarantined) {
        self.report.records += 1;
        self.report.quarantined += 1;
        if self.report.problems.len() < MAX_PROBLEMS {
            self.report.problems.push(q.message.clone());
        }
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

/// Reads one export. Never fails: a file that cannot be read comes back
/// with `report.error` set and no records.
pub fn read_file(input: &Input, catalog: &Catalog) -> FileOutcome {
    match std::fs::read(&input.path) {
        Ok(bytes) => read_bytes(input, &bytes, catalog),
        Err(e) => FileOutcome::new(input).fail(format!("cannot read: {e}")),
    }
}

/// Reads one export from memory; the format comes from the name's extension
/// or, failing that, from the content.
pub fn read_bytes(input: &Input, bytes: &[u8], catalog: &Catalog) -> FileOutcome {
    let out = FileOutcome::new(input);
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return out.fail("not valid UTF-8");
    };
    let ext = Path::new(&input.name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = match ext.as_deref() {
        Some("json") => Format::Json,
        Some("csv") => Format::Csv,
        _ if text.trim_start().starts_with(['[', '{']) => Format::Json,
        _ => Format::Csv,
    };
    let mut out = out;
    out.report.format = Some(format);
    out.report.encoding = Some("utf-8".to_string());
    match format {
        Format::Csv => csv_reader::read(input, text, catalog, out),
        Format::Json => json_reader::read(input, text, catalog, out),
    }
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
            err.to_string()
                .ends_with("no exports found (looked for .csv, .json)"),
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
