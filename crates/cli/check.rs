//! `sborka check`: read and validate exports, build nothing.

use std::io::Write;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

use sborka_core::Catalog;
use sborka_ingest::{FileReport, Skipped};

use crate::{Format, Outcome};

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Export files or folders to check.
    #[arg(value_name = "INPUT", required = true)]
    inputs: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    #[command(flatten)]
    limits: crate::build::LimitArgs,

    #[command(flatten)]
    read: crate::build::ReadArgs,
}

#[derive(Serialize)]
struct CheckOutput<'a> {
    files: &'a [FileReport],
    skipped: &'a [Skipped],
    records: u64,
    accepted: u64,
    quarantined: u64,
    files_failed: u64,
}

pub(crate) fn run(args: &Args, catalog: &Catalog) -> anyhow::Result<Outcome> {
    let found = sborka_ingest::discover(&args.inputs)?;
    let inputs = found.inputs;
    let named;
    let catalog = match &args.read.text_column {
        Some(name) => {
            named = catalog.clone().with_text_header(name);
            &named
        }
        None => catalog,
    };
    let limits = args.limits.limits();
    let reports: Vec<FileReport> = inputs
        .par_iter()
        .map(|input| sborka_ingest::read_file_with(input, catalog, &limits).report)
        .collect();
    let failed = reports.iter().filter(|r| r.error.is_some()).count() as u64;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let summary = CheckOutput {
                files: &reports,
                skipped: &found.skipped,
                records: reports.iter().map(|r| r.records).sum(),
                accepted: reports.iter().map(|r| r.accepted).sum(),
                quarantined: reports.iter().map(|r| r.quarantined).sum(),
                files_failed: failed,
            };
            serde_json::to_writer_pretty(&mut out, &summary)?;
            writeln!(out)?;
        }
        Format::Text => {
            for r in &reports {
                print_report(&mut out, r)?;
            }
            for s in &found.skipped {
                writeln!(out, "{}\n  passed over: {}", s.file, s.reason)?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Status(if failed == 0 { 0 } else { 2 }))
}

fn print_report(out: &mut impl Write, r: &FileReport) -> std::io::Result<()> {
    writeln!(out, "{}", r.file)?;
    if let Some(error) = &r.error {
        writeln!(out, "  unreadable: {error}")?;
    }
    let mut shape = Vec::new();
    if let Some(format) = r.format {
        shape.push(format!("{format:?}").to_lowercase());
    }
    if let Some(encoding) = &r.encoding {
        shape.push(encoding.clone());
    }
    if let Some(delimiter) = &r.delimiter {
        shape.push(format!("delimiter {delimiter:?}"));
    }
    if !shape.is_empty() {
        writeln!(out, "  format: {}", shape.join(", "))?;
    }
    if !r.columns.is_empty() {
        let columns: Vec<String> = r
            .columns
            .iter()
            .map(|c| match c.field {
                Some(f) => format!("{} → {}", c.header, f.name()),
                None => format!("{} → extra", c.header),
            })
            .collect();
        writeln!(out, "  columns: {}", columns.join("; "))?;
    }
    if let Some(choice) = &r.text_column {
        writeln!(out, "  text column: {}", choice.describe())?;
    }
    writeln!(
        out,
        "  records: {}, accepted: {}, quarantined: {}, theme from the text: {}, theme not recognised: {}, level not recognised: {}",
        r.records, r.accepted, r.quarantined, r.inferred_theme, r.unknown_theme, r.unknown_level
    )?;
    if !r.masked.is_empty() {
        let m = &r.masked;
        let kinds: Vec<String> = sborka_core::PersonalKind::ALL
            .iter()
            .filter(|&&k| m.found(k) > 0)
            .map(|&k| format!("{} {}", k.code(), m.found(k)))
            .collect();
        writeln!(
            out,
            "  personal data: {} cells of personal columns left out; masked in texts: {}",
            m.cells,
            if kinds.is_empty() {
                "none".to_string()
            } else {
                kinds.join(", ")
            }
        )?;
    }
    for p in &r.problems {
        writeln!(out, "  problem: {p}")?;
    }
    Ok(())
}
