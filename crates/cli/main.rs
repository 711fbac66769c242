//! `sborka`: the command line. Glue only: arguments, output, exit codes.
//! Every stage lives in its own library crate.

// The binary is the one place that prints.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod build;
mod check;
mod output;
mod publish;
mod review;
mod search;
mod serve;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use sborka_core::{Catalog, CatalogFiles};

/// Transparent huge pages off for this process: the kernel would zero
/// 2 MB for every page a thread first touches, which `perf` showed as up to
/// a third of a small build (README, Performance). mimalloc is built not to
/// ask for them (its `no_thp` feature, Cargo.toml), so none are taken even
/// before `main`, where Rust's runtime first allocates; this call covers a
/// kernel that gives them unasked (`always`). Only a hint: where the kernel
/// refuses, nothing changes.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// mimalloc rather than glibc's malloc: a build allocates millions of small
/// strings from several threads (measured in README, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Assembles the «Образ будущего 2025» roadmap from the exports of the
/// federal-district strategic sessions, and searches it.
#[derive(Parser, Debug)]
#[command(name = "sborka", version, about, max_term_width = 100)]
struct Cli {
    /// Catalogue folder whose files replace the built-in ones: districts.toml,
    /// regions.toml, themes.toml, levels.toml, kinds.toml, headers.toml, the
    /// lexicon's abbreviations.toml and synonyms.toml, and deduplication's
    /// pair_model.toml.
    #[arg(long, global = true, value_name = "DIR")]
    catalog: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read the exports, merge duplicates, write the roadmap, index and report.
    ///
    /// Exit status: 0 all good; 2 built, but some input files could not be
    /// read (they are listed); 1 nothing was built.
    Build(build::Args),
    /// Read and validate exports without building anything.
    ///
    /// Exit status: 0 every file could be read; 2 some could not; 1 nothing
    /// could be checked.
    Check(check::Args),
    /// Search the index of a build.
    ///
    /// Exit status: 0 hits; 1 no hits; 2 error.
    Search(search::Args),
    /// Write the questions the machine could not settle (near misses, weak
    /// members) as a sheet to answer; `build --decisions` applies the
    /// answers.
    ///
    /// Exit status: 0 written; 2 error.
    Review(review::Args),
    /// Serve a local search page and `/api/search` over the index of a build.
    ///
    /// Read-only; listens on loopback unless told otherwise. Exit status: 0
    /// stopped by Ctrl-C or SIGTERM; 2 error.
    Serve(serve::Args),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    #[default]
    Text,
    Json,
}

/// What a command ends with: a status, or an error for the user.
pub(crate) enum Outcome {
    Status(u8),
}

fn main() -> ExitCode {
    quiet_reader_panics();
    no_huge_pages();
    let cli = Cli::parse();
    let (files, catalog) = match load_catalog(cli.catalog.as_deref()) {
        Ok(loaded) => loaded,
        Err(e) => return fail(&e, error_status(&cli.command)),
    };
    let result = match cli.command {
        Command::Build(ref args) => build::run(args, &catalog, &files),
        Command::Check(ref args) => check::run(args, &catalog),
        Command::Search(ref args) => search::run(args, &catalog, &files),
        Command::Serve(ref args) => serve::run(args, &catalog, &files),
        Command::Review(ref args) => review::run(args, &catalog),
    };
    match result {
        Ok(Outcome::Status(code)) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => fail(&e, error_status(&cli.command)),
    }
}

/// The catalogue files (`--catalog DIR`'s replacing the embedded ones),
/// and the catalogue of them.
fn load_catalog(dir: Option<&std::path::Path>) -> anyhow::Result<(CatalogFiles, Catalog)> {
    let files = match dir {
        None => CatalogFiles::embedded(),
        Some(dir) => CatalogFiles::load_dir(dir).map_err(|e| anyhow::anyhow!("--catalog {e}"))?,
    };
    let catalog = Catalog::from_files(&files)?;
    Ok((files, catalog))
}

/// calamine panics on some damaged workbooks; the reader catches those
/// panics and reports the file as unreadable, so their message is noise on
/// stderr. Every other panic is printed as usual.
fn quiet_reader_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_calamine = info
            .location()
            .is_some_and(|l| l.file().contains("/calamine-"));
        if !in_calamine {
            default(info);
        }
    }));
}

/// The exit status of a command that failed outright.
fn error_status(command: &Command) -> u8 {
    match command {
        Command::Build(_) | Command::Check(_) => 1,
        Command::Search(_) | Command::Serve(_) | Command::Review(_) => 2,
    }
}

/// Prints `sborka: error: …` with the cause chain on one line.
fn fail(e: &anyhow::Error, status: u8) -> ExitCode {
    let mut message = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !message.contains(&cause) {
            message.push_str(": ");
            message.push_str(&cause);
        }
    }
    let _ = writeln!(std::io::stderr(), "sborka: error: {message}");
    ExitCode::from(status)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--catalog` names every file the one loader reads.
    #[test]
    fn catalog_help_names_every_file() {
        use clap::CommandFactory;
        let help = Cli::command().render_long_help().to_string();
        for name in CatalogFiles::NAMES {
            assert!(help.contains(name), "{name}: {help}");
        }
    }
}
