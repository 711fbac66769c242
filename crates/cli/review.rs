//! `sborka review`: the questions the machine could not settle, as a sheet
//! analysts fill in and `sborka build --decisions` applies.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};

use sborka_core::{Catalog, Facet};

use crate::Outcome;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The output folder of a build.
    #[arg(long = "in", value_name = "DIR", default_value = "out")]
    input: PathBuf,

    /// The sheet to write: FILE.xlsx (a drop-down for the answer and an
    /// explanation sheet) or FILE.csv (UTF-8 with a BOM, commas).
    #[arg(long, value_name = "FILE", default_value = "review.xlsx")]
    out: PathBuf,

    /// Most questions, the most effective first.
    #[arg(long, value_name = "N", default_value_t = 200)]
    limit: usize,

    /// Answered sheets (or folders of them): their questions are not asked
    /// again.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    decisions: Vec<PathBuf>,
}

pub(crate) fn run(args: &Args, catalog: &Catalog) -> anyhow::Result<Outcome> {
    let csv = match args.out.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => true,
        Some(e) if e.eq_ignore_ascii_case("xlsx") => false,
        _ => bail!("--out {}: name a .xlsx or a .csv file", args.out.display()),
    };
    let build = sborka_review::Build::read(&args.input, |slug| {
        catalog
            .from_slug(Facet::District, slug)
            .map_or_else(|| slug.to_string(), |v| catalog.display(v).into_owned())
    })
    .map_err(anyhow::Error::msg)?;
    let (answered, problems) =
        sborka_review::read_answers(&args.decisions, &sborka_ingest::Limits::default());
    let mut err = std::io::stderr().lock();
    for p in &problems {
        let _ = writeln!(err, "sborka: decisions: {p}");
    }
    let questions = sborka_review::questions(&build, &answered, args.limit);
    let bytes = if csv {
        sborka_review::sheet::csv(&questions)
    } else {
        sborka_review::sheet::xlsx(&questions).context("cannot make the workbook")?
    };
    std::fs::write(&args.out, bytes).with_context(|| format!("{}", args.out.display()))?;
    let merge = questions
        .iter()
        .filter(|q| q.kind == sborka_review::Kind::Merge)
        .count();
    let _ = writeln!(
        err,
        "sborka: {} questions ({merge} merge, {} member{}) → {}",
        questions.len(),
        questions.len() - merge,
        if answered.is_empty() {
            String::new()
        } else {
            format!(", {} already answered left out", answered.len())
        },
        args.out.display()
    );
    Ok(Outcome::Status(0))
}
