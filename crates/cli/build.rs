//! `sborka build`: the whole pipeline, published atomically.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use rayon::prelude::*;

use sborka_core::{Catalog, Cluster, Proposal, Quarantined};
use sborka_ingest::FileReport;

use crate::Outcome;
use crate::output::{self, Report, Timings};

/// The bundled sample, read when no input is named.
pub const DEFAULT_INPUT: &str = "fixtures/exports";

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Export files or folders (folders are read recursively)
    /// [default: fixtures/exports, the bundled sample]
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,

    /// Output folder; replaced as a whole only when the build succeeds.
    #[arg(long, value_name = "DIR", default_value = "out")]
    out: PathBuf,

    /// Worker threads [default: the number of cores]. The output is the
    /// same for any number.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,

    /// Date to print in the roadmap (no date is printed otherwise, so that
    /// the same input gives the same bytes).
    #[arg(long, value_name = "TEXT")]
    date: Option<String>,

    /// Print stage timings and per-file results on stderr.
    #[arg(short, long)]
    verbose: bool,

    /// Print nothing but errors.
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
}

/// Everything the pipeline produced before it is written.
pub struct Built {
    pub files: Vec<FileReport>,
    pub proposals: Vec<Proposal>,
    pub quarantined: Vec<Quarantined>,
    pub clusters: Vec<Cluster>,
    /// `clusters` index per proposal.
    pub cluster_of: Vec<u32>,
}

pub fn run(args: &Args, catalog: &Catalog) -> anyhow::Result<Outcome> {
    let threads = args.threads.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start worker threads")?;
    pool.install(|| build(args, catalog))
}

fn build(args: &Args, catalog: &Catalog) -> anyhow::Result<Outcome> {
    let mut timings = Timings::default();
    let inputs = if args.inputs.is_empty() {
        let default = PathBuf::from(DEFAULT_INPUT);
        if !default.exists() {
            bail!(
                "{DEFAULT_INPUT}: no such folder (the bundled sample is read from the repository root; \
                 name the exports to read: sborka build EXPORTS...)"
            );
        }
        vec![default]
    } else {
        args.inputs.clone()
    };

    let started = Instant::now();
    let files = sborka_ingest::discover(&inputs)?;
    let outcomes: Vec<_> = files
        .par_iter()
        .map(|input| sborka_ingest::read_file(input, catalog))
        .collect();
    let mut built = Built {
        files: Vec::with_capacity(outcomes.len()),
        proposals: Vec::new(),
        quarantined: Vec::new(),
        clusters: Vec::new(),
        cluster_of: Vec::new(),
    };
    for outcome in outcomes {
        built.files.push(outcome.report);
        built.proposals.extend(outcome.proposals);
        built.quarantined.extend(outcome.quarantined);
    }
    timings.read = started.elapsed();

    let failed: Vec<&FileReport> = built.files.iter().filter(|f| f.error.is_some()).collect();
    for f in &failed {
        let error = f.error.as_deref().unwrap_or_default();
        let _ = writeln!(std::io::stderr(), "sborka: {}: {error}", f.file);
    }
    if failed.len() == built.files.len() {
        bail!(
            "no export could be read ({} {}); nothing was built, {} is unchanged",
            failed.len(),
            if failed.len() == 1 { "file" } else { "files" },
            args.out.display()
        );
    }

    let started = Instant::now();
    let deduper = sborka_dedup::Deduper::new();
    let texts: Vec<&str> = built.proposals.iter().map(|p| p.text.as_str()).collect();
    let prepared = deduper.prepare(&texts);
    drop(texts);
    timings.normalize = started.elapsed();

    let started = Instant::now();
    built.clusters = deduper.cluster(&prepared);
    drop(prepared);
    built.cluster_of = vec![0; built.proposals.len()];
    for (c, cluster) in built.clusters.iter().enumerate() {
        for &m in &cluster.members {
            built.cluster_of[m as usize] = c as u32;
        }
    }
    timings.cluster = started.elapsed();

    let staging = Staging::new(&args.out)?;
    let started = Instant::now();
    let index_threads = rayon::current_num_threads().clamp(1, 4);
    write_index(&staging.dir.join("index"), &built, catalog, index_threads)?;
    timings.index = started.elapsed();

    let started = Instant::now();
    let roadmap = sborka_roadmap::assemble(&sborka_roadmap::Input {
        catalog,
        proposals: &built.proposals,
        clusters: &built.clusters,
        quarantined: &built.quarantined,
        date: args.date.clone(),
    });
    timings.assemble = started.elapsed();

    let started = Instant::now();
    for (name, bytes) in sborka_roadmap::render_all(&roadmap) {
        staging.write(name, &bytes)?;
    }
    staging.write_with("proposals.jsonl", |w| {
        output::write_proposals(w, &built, catalog)
    })?;
    staging.write_with("quarantine.jsonl", |w| {
        output::write_quarantine(w, &built.quarantined)
    })?;
    timings.render = started.elapsed();

    let report = Report::new(&built, catalog, &roadmap, timings.clone());
    staging.write("report.json", report.to_json().as_bytes())?;

    let started = Instant::now();
    staging.publish()?;
    timings.publish = started.elapsed();

    if !args.quiet {
        summarize(args, &report, &timings, &built);
    }
    Ok(Outcome::Status(if failed.is_empty() { 0 } else { 2 }))
}

fn write_index(dir: &Path, built: &Built, catalog: &Catalog, threads: usize) -> anyhow::Result<()> {
    let districts: Vec<u32> = built
        .clusters
        .iter()
        .map(|c| {
            let set: BTreeSet<_> = c
                .members
                .iter()
                .filter_map(|&m| built.proposals[m as usize].district.known())
                .collect();
            set.len() as u32
        })
        .collect();
    let docs = built.proposals.iter().enumerate().map(|(i, p)| {
        let c = built.cluster_of[i] as usize;
        sborka_index::IndexDoc {
            proposal: p,
            cluster: built.clusters[c].id,
            cluster_proposals: built.clusters[c].members.len() as u32,
            cluster_districts: districts[c],
        }
    });
    let options = sborka_index::BuildOptions {
        threads,
        ..Default::default()
    };
    sborka_index::build(dir, docs, catalog, &options).context("cannot write the index")
}

fn summarize(args: &Args, report: &Report, timings: &Timings, built: &Built) {
    let mut err = std::io::stderr().lock();
    let t = &report.totals;
    if args.verbose {
        for f in &built.files {
            let _ = writeln!(
                err,
                "  {}: {} records, {} accepted, {} quarantined{}",
                f.file,
                f.records,
                f.accepted,
                f.quarantined,
                f.error
                    .as_deref()
                    .map(|e| format!(" — unreadable: {e}"))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(err, "  timings: {}", timings.describe());
    }
    let _ = writeln!(
        err,
        "sborka: {} files, {} records: {} proposals in {} ideas, {} quarantined → {}",
        t.files,
        t.records,
        t.accepted,
        t.ideas,
        t.quarantined,
        args.out.display()
    );
}

/// A folder beside the output where the build is written, swapped in only
/// when everything is in place, so a failed build leaves the previous output
/// as it was.
struct Staging {
    dir: PathBuf,
    out: PathBuf,
    published: bool,
}

impl Staging {
    fn new(out: &Path) -> anyhow::Result<Staging> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = out
            .file_name()
            .with_context(|| format!("{}: not a folder name", out.display()))?
            .to_string_lossy()
            .into_owned();
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let dir = parent.join(format!(".{name}.building-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot clear {}", dir.display()))?;
        }
        std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Staging {
            dir,
            out: out.to_path_buf(),
            published: false,
        })
    }

    fn write(&self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    }

    fn write_with(
        &self,
        name: &str,
        f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> anyhow::Result<()> {
        let path = self.dir.join(name);
        let file = std::fs::File::create(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut w = std::io::BufWriter::new(file);
        f(&mut w)
            .and_then(|()| w.flush())
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Swaps the staged folder in place of the output.
    fn publish(mut self) -> anyhow::Result<()> {
        let old = self.dir.with_file_name(format!(
            "{}.old",
            self.dir.file_name().unwrap_or_default().to_string_lossy()
        ));
        let had_old = self.out.exists();
        if had_old {
            std::fs::rename(&self.out, &old).with_context(|| {
                format!("cannot move the previous {} aside", self.out.display())
            })?;
        }
        if let Err(e) = std::fs::rename(&self.dir, &self.out) {
            if had_old {
                let _ = std::fs::rename(&old, &self.out);
            }
            return Err(e).with_context(|| format!("cannot publish {}", self.out.display()));
        }
        self.published = true;
        if had_old {
            std::fs::remove_dir_all(&old)
                .with_context(|| format!("cannot remove {}", old.display()))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
