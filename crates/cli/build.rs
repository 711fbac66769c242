//! `sborka build`: the whole pipeline, published atomically.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use sborka_core::{Catalog, CatalogFiles, Cluster, Proposal, Quarantined};
use sborka_ingest::{FileReport, Skipped};
use sborka_roadmap::{Document, History};

use crate::Outcome;
use crate::output::{self, Report, Stage, Timings};
use crate::publish::{Lock, Staging};

/// The bundled sample, read when no input is named.
pub(crate) const DEFAULT_INPUT: &str = "fixtures/exports";

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Export files or folders (folders are read recursively)
    /// [default: fixtures/exports, the bundled sample]
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,

    /// Output folder; replaced as a whole only when the build succeeds.
    #[arg(long, value_name = "DIR", default_value = "out")]
    out: PathBuf,

    /// Keep the previous output as DIR.prev.
    #[arg(long)]
    keep_prev: bool,

    /// If another build is writing DIR, wait for it instead of exiting.
    #[arg(long)]
    wait: bool,

    /// Worker threads [default: the number of cores]. The output is the
    /// same for any number.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,

    /// Ideas shown per theme and level in roadmap.html, .docx and .md, the
    /// best supported first; the rest are counted there and listed in
    /// roadmap.json. 0: all.
    #[arg(long, value_name = "N", default_value_t = 100)]
    items_per_level: usize,

    /// Date to print in the roadmap (no date is printed otherwise, so that
    /// the same input gives the same bytes).
    #[arg(long, value_name = "TEXT")]
    date: Option<String>,

    /// Analysts' answers to apply: review sheets (XLSX, XLS or CSV, as
    /// `sborka review` writes them) or folders of them. Every «да» joins
    /// two ideas and every «нет» keeps them apart, whatever the model says;
    /// stale and conflicting answers are named and not applied.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    decisions: Vec<PathBuf>,
    /// Keep personal data as written in proposals.jsonl (the analysts'
    /// internal file): the texts before masking and the columns the
    /// catalogue marks personal. Every other output is masked all the same.
    #[arg(long)]
    keep_personal: bool,

    /// Compare with the build in DIR («Что изменилось с прошлой сборки»,
    /// changes.json) [default: the build already in --out, if any].
    #[arg(long, value_name = "DIR")]
    since: Option<PathBuf>,

    /// Leave the «Предложения» sheets out of roadmap.xlsx (proposals.jsonl
    /// lists the same): at a million proposals they are most of the
    /// spreadsheet's cost.
    #[arg(long)]
    xlsx_without_proposals: bool,

    #[command(flatten)]
    limits: LimitArgs,

    #[command(flatten)]
    pub(crate) read: ReadArgs,

    /// Print each stage as it starts, its timing, and per-file results on
    /// stderr.
    #[arg(short, long)]
    verbose: bool,

    /// Print nothing but errors.
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
}

/// How exports are read, beyond their limits.
#[derive(clap::Args, Debug)]
pub(crate) struct ReadArgs {
    /// The header of the text column, when no header is a known text name
    /// and the column sborka chose (by a word of its header or by its
    /// content; see report.json's warnings) is not the right one. Any
    /// other header naming a text is then not the text.
    #[arg(long, value_name = "NAME")]
    pub(crate) text_column: Option<String>,
}

/// The limits that protect a build from a hostile or broken export. A record
/// over a limit is quarantined; a file over one is reported unreadable.
#[derive(clap::Args, Debug)]
pub(crate) struct LimitArgs {
    /// Longest proposal text, in characters (longer: quarantined as
    /// text_too_long).
    #[arg(long, value_name = "N", default_value_t = sborka_ingest::Limits::default().max_text_chars)]
    max_text_chars: usize,

    /// Most records read from one file (the rest: too_many_records).
    #[arg(long, value_name = "N", default_value_t = sborka_ingest::Limits::default().max_records)]
    max_records: u64,

    /// Largest file read at all, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = sborka_ingest::Limits::default().max_file_bytes)]
    max_file_bytes: u64,

    /// Most bytes an XLSX may decompress to (zip bombs).
    #[arg(long, value_name = "BYTES", default_value_t = sborka_ingest::Limits::default().max_xlsx_bytes)]
    max_xlsx_bytes: u64,

    /// Deepest nesting of arrays and objects in JSON.
    #[arg(long, value_name = "N", default_value_t = sborka_ingest::Limits::default().max_json_depth)]
    max_json_depth: usize,
}

impl LimitArgs {
    pub(crate) fn limits(&self) -> sborka_ingest::Limits {
        sborka_ingest::Limits {
            max_text_chars: self.max_text_chars,
            max_records: self.max_records,
            max_file_bytes: self.max_file_bytes,
            max_xlsx_bytes: self.max_xlsx_bytes,
            max_json_depth: self.max_json_depth,
            keep_personal: false,
        }
    }
}

/// Everything the pipeline produced before it is written.
pub(crate) struct Built {
    pub(crate) files: Vec<FileReport>,
    /// Files under the input folders that were not read, and why.
    pub(crate) skipped: Vec<Skipped>,
    /// `--keep-personal`: `proposals.jsonl` holds the originals.
    pub(crate) keep_personal: bool,
    /// SHA-256 of each input file, in the order of `files`.
    pub(crate) digests: Vec<String>,
    pub(crate) proposals: Vec<Proposal>,
    pub(crate) quarantined: Vec<Quarantined>,
    pub(crate) clusters: Vec<Cluster>,
    /// `clusters` index per proposal.
    pub(crate) cluster_of: Vec<u32>,
    /// Per proposal: the probability of its link to its idea.
    pub(crate) links: Vec<f32>,
    /// Per cluster: whether an analyst's answer shaped it.
    pub(crate) decided: Vec<bool>,
    /// Pairs of proposals in different ideas the model found likely one,
    /// likeliest first: the review queue's merge questions.
    pub(crate) near_misses: Vec<sborka_dedup::NearMiss>,
    /// The analysts' answers given, when any.
    pub(crate) decisions: Option<Decisions>,
}

/// Analysts' answers as a build read and applied them.
pub(crate) struct Decisions {
    pub(crate) resolution: sborka_review::Resolution,
    pub(crate) problems: Vec<sborka_review::Problem>,
    pub(crate) effects: sborka_dedup::Effects,
}

/// How many near misses a build keeps for the review queue (the likeliest
/// pair of each two ideas, likeliest first).
const NEAR_MISSES: usize = 100_000;

pub(crate) fn run(
    args: &Args,
    catalog: &Catalog,
    catalog_files: &CatalogFiles,
) -> anyhow::Result<Outcome> {
    let threads = args.threads.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start worker threads")?;
    pool.install(|| build(args, catalog, catalog_files))
}

/// Stage announcements and timings: a progress line on a terminal, one
/// line per stage with `-v`, nothing with `-q` or when stderr is not a
/// terminal.
struct Stages {
    verbose: bool,
    bar: ProgressBar,
    current: Option<(Stage, Instant)>,
    timings: Timings,
}

impl Stages {
    fn new(args: &Args) -> Stages {
        let target = if args.quiet || args.verbose {
            ProgressDrawTarget::hidden()
        } else {
            // Hidden by indicatif itself when stderr is not a terminal.
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix:>9} {wide_bar} {pos}/{len} {msg}")
                .expect("the template is valid"),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Stages {
            verbose: args.verbose,
            bar,
            current: None,
            timings: Timings::default(),
        }
    }

    fn start(&mut self, stage: Stage, len: Option<u64>) {
        self.end();
        if self.verbose {
            let _ = writeln!(std::io::stderr(), "sborka: {}…", stage.name());
        }
        self.bar.set_prefix(stage.name());
        self.bar.set_position(0);
        self.bar.set_length(len.unwrap_or(0));
        self.current = Some((stage, Instant::now()));
    }

    /// Says (with `-v`) that `stage` starts beside the next stages.
    fn announce(&self, stage: Stage) {
        if self.verbose {
            let _ = writeln!(
                std::io::stderr(),
                "sborka: {}… (beside assemble and render)",
                stage.name()
            );
        }
    }

    /// Shows that the build waits for `stage`, running beside.
    fn wait(&mut self, stage: Stage) {
        self.end();
        self.bar.set_prefix(stage.name());
        self.bar.set_length(0);
    }

    /// Records the time of `stage`, which ran beside others.
    fn record(&mut self, stage: Stage, elapsed: Duration) {
        self.done(stage, elapsed, " (beside assemble and render)");
    }

    fn end(&mut self) {
        if let Some((stage, started)) = self.current.take() {
            self.done(stage, started.elapsed(), "");
        }
    }

    fn done(&mut self, stage: Stage, elapsed: Duration, note: &str) {
        self.timings.set(stage, elapsed);
        if self.verbose {
            let _ = writeln!(
                std::io::stderr(),
                "sborka: {} done in {:.1} ms{note}",
                stage.name(),
                elapsed.as_secs_f64() * 1e3
            );
        }
    }

    fn finish(mut self) -> Timings {
        self.end();
        self.bar.finish_and_clear();
        self.timings
    }
}

fn build(args: &Args, catalog: &Catalog, catalog_files: &CatalogFiles) -> anyhow::Result<Outcome> {
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
    let sborka_ingest::Discovered {
        inputs: files,
        skipped,
    } = sborka_ingest::discover(&inputs)?;
    let named;
    let catalog = match &args.read.text_column {
        Some(name) => {
            named = catalog.clone().with_text_header(name);
            &named
        }
        None => catalog,
    };
    if let Some(since) = &args.since
        && !is_build(since)
    {
        bail!(
            "--since {}: no build there (it needs report.json and proposals.jsonl)",
            since.display()
        );
    }
    let deduper = sborka_dedup::Deduper::load(catalog_files)?;
    let limits = sborka_ingest::Limits {
        keep_personal: args.keep_personal,
        ..args.limits.limits()
    };
    let answers =
        (!args.decisions.is_empty()).then(|| sborka_review::read_answers(&args.decisions, &limits));
    let lock = Lock::acquire(&args.out, args.wait)?;
    if args.keep_personal {
        // Said whatever -q says: this build writes personal data.
        let _ = writeln!(
            std::io::stderr(),
            "sborka: WARNING: --keep-personal: {}/proposals.jsonl will hold personal data as \
             written (names, phones, e-mail, СНИЛС…); it is for the analysts only and must \
             not be published or passed on. Every other output is masked.",
            args.out.display()
        );
    }
    let mut stages = Stages::new(args);

    stages.start(Stage::Read, Some(files.len() as u64));
    let bar = stages.bar.clone();
    // The previous build is read beside the exports (the lock is held, so
    // no other build replaces it meanwhile).
    let (outcomes, previous) = rayon::join(
        || -> Vec<_> {
            files
                .par_iter()
                .map(|input| {
                    // The digest reads the file again (from the page cache)
                    // beside the parse: a single large export keeps both
                    // cores busy.
                    let (outcome, digest) = rayon::join(
                        || sborka_ingest::read_file_with(input, catalog, &limits),
                        || output::sha256_file(&input.path),
                    );
                    bar.inc(1);
                    (outcome, digest)
                })
                .collect()
        },
        || {
            let dir = args.since.as_deref().unwrap_or(&args.out);
            sborka_roadmap::Previous::read(dir)
        },
    );
    let previous = match previous {
        Ok(previous) => Earlier::from(previous),
        Err(e) if args.since.is_some() => {
            stages.finish();
            return Err(anyhow::Error::new(e).context("cannot read the previous build"));
        }
        Err(e) => {
            let reason = e.to_string();
            stages.bar.suspend(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "sborka: warning: cannot read the previous build ({reason}); \
                     changes since it are not counted"
                );
            });
            Earlier::Unreadable(reason)
        }
    };
    let mut built = Built {
        files: Vec::with_capacity(outcomes.len()),
        skipped,
        keep_personal: args.keep_personal,
        digests: Vec::with_capacity(outcomes.len()),
        proposals: Vec::new(),
        quarantined: Vec::new(),
        clusters: Vec::new(),
        cluster_of: Vec::new(),
        links: Vec::new(),
        decided: Vec::new(),
        near_misses: Vec::new(),
        decisions: None,
    };
    for (outcome, digest) in outcomes {
        built.files.push(outcome.report);
        built.digests.push(digest);
        // The first file's records are moved, not copied (one large export
        // is the common case of a big build).
        if built.proposals.is_empty() {
            built.proposals = outcome.proposals;
        } else {
            built.proposals.extend(outcome.proposals);
        }
        built.quarantined.extend(outcome.quarantined);
    }

    let failed: Vec<&FileReport> = built.files.iter().filter(|f| f.error.is_some()).collect();
    for f in &failed {
        let error = f.error.as_deref().unwrap_or_default();
        stages.bar.suspend(|| {
            let _ = writeln!(std::io::stderr(), "sborka: {}: {error}", f.file);
        });
    }
    // What was passed over, and a text column chosen without a header
    // naming it: said here as well as in report.json.
    if !args.quiet {
        stages.bar.suspend(|| {
            let mut err = std::io::stderr().lock();
            for s in &built.skipped {
                let _ = writeln!(err, "sborka: {}: passed over: {}", s.file, s.reason);
            }
            for f in &built.files {
                if let Some(choice) = &f.text_column {
                    let _ = writeln!(err, "sborka: {}: {}", f.file, choice.describe());
                }
            }
        });
    }
    if failed.len() == built.files.len() {
        stages.finish();
        bail!(
            "no export could be read ({} {}); nothing was built, {} is unchanged",
            failed.len(),
            if failed.len() == 1 { "file" } else { "files" },
            args.out.display()
        );
    }
    let failed = failed.len();
    if let Some((_, problems)) = &answers {
        for problem in problems {
            stages.bar.suspend(|| {
                let _ = writeln!(std::io::stderr(), "sborka: decisions: {problem}");
            });
        }
    }

    stages.start(Stage::Normalize, None);
    let texts: Vec<&str> = built.proposals.iter().map(|p| p.text.as_str()).collect();
    let prepared = deduper.prepare(&texts);
    let resolution = answers
        .as_ref()
        .map(|(answers, _)| sborka_review::resolve(answers, &texts));
    drop(texts);

    stages.start(Stage::Cluster, None);
    let constraints = resolution
        .as_ref()
        .map(|r| r.constraints.clone())
        .unwrap_or_default();
    let clustering = deduper.clustering_with(&prepared, &constraints);
    drop(prepared);
    built.clusters = clustering.clusters;
    built.cluster_of = vec![0; built.proposals.len()];
    for (c, cluster) in built.clusters.iter().enumerate() {
        for &m in &cluster.members {
            built.cluster_of[m as usize] = c as u32;
        }
    }
    built.links = clustering.links;
    built.decided = clustering.decided;
    built.near_misses = best_near_misses(clustering.near_misses, &built);
    if let (Some(resolution), Some((_, problems))) = (resolution, answers) {
        built.decisions = Some(Decisions {
            resolution,
            problems,
            effects: clustering.effects,
        });
    }

    let threshold = deduper.threshold();
    let staging = Staging::new(&args.out, &lock)?;
    // The index and the documents need only the clusters: with more than
    // one thread the index's parts and the documents are rayon tasks side
    // by side in the one pool of `--threads` (the index's stage time is its
    // own).
    let threads = rayon::current_num_threads();
    let index_dir = staging.dir.join("index");
    // Four index parts per thread: a worker that has finished the
    // documents takes the parts left rather than idling while one worker
    // writes the last big part (50,000 proposals, 2 threads: 0.60 → 0.555 s,
    // medians of 10 interleaved runs; 8 segments instead of 2).
    // Searches expand queries with the catalogue's lexicon: the index keeps
    // the lemmas of its forms beside its own words'.
    let lexicon = deduper
        .analyzer()
        .lexicon()
        .cloned()
        .map(std::sync::Arc::new);
    let index = || {
        let started = Instant::now();
        let written = write_index(&index_dir, &built, catalog, lexicon.clone(), 4 * threads);
        (written, started.elapsed())
    };
    let write_documents = |stages: &mut Stages| {
        documents(
            args, stages, &built, catalog, &staging, threshold, &previous,
        )
    };
    let (indexed, documents) = if threads > 1 {
        stages.announce(Stage::Index);
        rayon::join(index, || {
            let documents = write_documents(&mut stages);
            stages.wait(Stage::Index);
            documents
        })
    } else {
        stages.start(Stage::Index, None);
        let indexed = index();
        (indexed, write_documents(&mut stages))
    };
    let (written, index_time) = indexed;
    written?;
    if threads > 1 {
        stages.record(Stage::Index, index_time);
    }
    let roadmap = documents?;

    stages.start(Stage::Publish, None);
    // The report is written last into the staging folder, with every stage
    // but the publish itself timed.
    let mut report = Report::new(&built, catalog_files, &roadmap, stages.timings.clone());
    staging.write("report.json", report.to_json().as_bytes())?;
    let removal = staging.publish(args.keep_prev)?;
    let timings = stages.finish();
    report.timings_ms = timings.millis();

    if !args.quiet {
        summarize(args, &report, &timings, &built, &roadmap.changes);
    }
    // The build's memory is not freed piece by piece: the process ends
    // here, and its end returns every page at once (at 50,000 proposals,
    // dropping the proposals, clusters and roadmap cost one thread ~10 ms
    // while the other waited). The previous output is meanwhile removed on
    // a thread of its own.
    std::mem::forget(roadmap);
    std::mem::forget(built);
    removal.wait()?;
    drop(lock);
    // An answer file that could not be read is like an export that could
    // not be read: built, but not from everything given.
    let unread_answers = report
        .decisions
        .as_ref()
        .is_some_and(|d| d.problems.iter().any(|p| p.place.is_none()));
    Ok(Outcome::Status(if failed == 0 && !unread_answers {
        0
    } else {
        2
    }))
}

/// Assembles the roadmap and writes every file of the output but the index
/// and the report, side by side (the DOCX and `proposals.jsonl` are the
/// slowest), each straight into its file.
fn documents<'a>(
    args: &Args,
    stages: &mut Stages,
    built: &'a Built,
    catalog: &'a Catalog,
    staging: &Staging,
    deduper_threshold: f32,
    previous: &Earlier,
) -> anyhow::Result<sborka_roadmap::Roadmap<'a>> {
    stages.start(Stage::Assemble, None);
    // The comparison with the previous build needs only the clusters: it
    // runs beside the assembly.
    let (mut roadmap, history) = rayon::join(
        || {
            sborka_roadmap::assemble(&sborka_roadmap::Input {
                catalog,
                proposals: &built.proposals,
                clusters: &built.clusters,
                quarantined: &built.quarantined,
                masked: built.files.iter().map(|f| f.masked).sum(),
                date: args.date.clone(),
                merging: sborka_roadmap::Merging {
                    operating_point: deduper_threshold,
                    decisions: built.decisions.as_ref().map(|d| sborka_roadmap::Decisions {
                        applied: d.resolution.applied(),
                        merged: d.effects.joined,
                        split: d.effects.split,
                        stale: d.resolution.stale.len(),
                        conflicting: d.resolution.conflicts.iter().map(|c| c.answers.len()).sum(),
                    }),
                },
            })
        },
        || previous.compare(built),
    );
    roadmap.changes = history.context("cannot compare with the previous build")?;

    stages.start(Stage::Render, None);
    let render = sborka_roadmap::RenderOptions {
        items_per_level: (args.items_per_level > 0).then_some(args.items_per_level),
        xlsx: sborka_roadmap::XlsxOptions {
            // Spooled beside the output, not in a /tmp that may be memory.
            temp_dir: Some(staging.dir.clone()),
            proposals: !args.xlsx_without_proposals,
            ..Default::default()
        },
    };
    let mut files: Vec<File> = Document::ALL
        .into_iter()
        .map(File::Document)
        .chain([
            File::Proposals,
            File::NearMisses,
            File::Quarantine,
            File::QuarantineCsv,
        ])
        .collect();
    if matches!(roadmap.changes, History::Compared(_)) {
        files.push(File::Changes);
    }
    // The spreadsheet first: it is the longest task.
    files.sort_by_key(|f| !matches!(f, File::Document(Document::Xlsx)));
    let written: Vec<anyhow::Result<()>> = files
        .par_iter()
        .map(|&file| {
            staging.write_with(file.name(), |w| match file {
                File::Proposals => output::write_proposals(w, built, catalog),
                File::NearMisses => output::write_near_misses(w, built),
                File::Quarantine => output::write_quarantine(w, &built.quarantined),
                File::QuarantineCsv => output::write_quarantine_csv(w, &built.quarantined),
                File::Changes => output::write_changes(w, &roadmap.changes),
                File::Document(d) => sborka_roadmap::write_document(d, &roadmap, &render, w),
            })
        })
        .collect();
    written.into_iter().collect::<anyhow::Result<()>>()?;
    stages.end();
    Ok(roadmap)
}

/// A file of the output written beside the others (all but the index and
/// the report).
#[derive(Clone, Copy)]
enum File {
    Document(Document),
    Proposals,
    NearMisses,
    Quarantine,
    QuarantineCsv,
    /// `changes.json`, when there was a previous build to compare with.
    Changes,
}

impl File {
    fn name(self) -> &'static str {
        match self {
            File::Document(d) => d.file_name(),
            File::Proposals => "proposals.jsonl",
            File::NearMisses => "near_misses.jsonl",
            File::Quarantine => "quarantine.jsonl",
            File::QuarantineCsv => "quarantine.csv",
            File::Changes => "changes.json",
        }
    }
}

/// The likeliest near miss of each two ideas, likeliest first (`near`
/// comes so), at most [`NEAR_MISSES`].
fn best_near_misses(
    near: Vec<sborka_dedup::NearMiss>,
    built: &Built,
) -> Vec<sborka_dedup::NearMiss> {
    let mut seen = std::collections::HashSet::new();
    near.into_iter()
        .filter(|m| {
            let (a, b) = (
                built.cluster_of[m.a as usize],
                built.cluster_of[m.b as usize],
            );
            seen.insert((a.min(b), a.max(b)))
        })
        .take(NEAR_MISSES)
        .collect()
}

/// Whether `dir` holds a build to compare with.
fn is_build(dir: &Path) -> bool {
    dir.join("report.json").is_file() && dir.join("proposals.jsonl").is_file()
}

/// The previous build, as read before this one.
enum Earlier {
    None,
    Unreadable(String),
    Read(Box<sborka_roadmap::Previous>),
}

impl From<Option<sborka_roadmap::Previous>> for Earlier {
    fn from(previous: Option<sborka_roadmap::Previous>) -> Earlier {
        previous.map_or(Earlier::None, |p| Earlier::Read(Box::new(p)))
    }
}

impl Earlier {
    fn compare<'a>(&self, built: &'a Built) -> std::io::Result<History<'a>> {
        Ok(match self {
            Earlier::None => History::First,
            Earlier::Unreadable(reason) => History::Unreadable {
                reason: reason.clone(),
            },
            Earlier::Read(previous) => History::Compared(Box::new(sborka_roadmap::compare(
                previous,
                &built.proposals,
                &built.clusters,
            )?)),
        })
    }
}

fn write_index(
    dir: &Path,
    built: &Built,
    catalog: &Catalog,
    lexicon: Option<std::sync::Arc<sborka_text::Lexicon>>,
    parts: usize,
) -> anyhow::Result<()> {
    let options = sborka_index::BuildOptions {
        parts,
        lexicon,
        ..Default::default()
    };
    sborka_index::build(dir, &built.proposals, &built.clusters, catalog, &options)
        .context("cannot write the index")
}

fn summarize(
    args: &Args,
    report: &Report,
    timings: &Timings,
    built: &Built,
    history: &History<'_>,
) {
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
        if let Some(rss) = report.peak_rss_bytes {
            let _ = writeln!(err, "  peak memory: {:.1} MB", rss as f64 / 1e6);
        }
    }
    if let Some(d) = &report.decisions {
        for a in &d.stale {
            let where_ = match &a.sheet {
                Some(sheet) => format!("{} [{sheet}] row {}", a.file, a.row),
                None => format!("{} line {}", a.file, a.row),
            };
            let _ = writeln!(
                err,
                "sborka: decisions: {where_}: stale (its texts are no longer among the proposals)"
            );
        }
        for c in &d.conflicting {
            let places: Vec<String> = c
                .answers
                .iter()
                .map(|a| match &a.sheet {
                    Some(sheet) => format!("{} [{sheet}] row {}", a.file, a.row),
                    None => format!("{} line {}", a.file, a.row),
                })
                .collect();
            let _ = writeln!(
                err,
                "sborka: decisions: not applied, {}: {}",
                c.why,
                places.join("; ")
            );
        }
        let _ = writeln!(
            err,
            "sborka: decisions: {} applied ({} ideas merged, {} proposals split off), {} stale, {} conflicting",
            d.applied,
            d.merged,
            d.split,
            d.stale.len(),
            d.conflicting.iter().map(|c| c.answers.len()).sum::<usize>()
        );
    }
    let masked = &report.personal.masked;
    if !masked.is_empty() {
        let kinds: Vec<String> = sborka_core::PersonalKind::ALL
            .iter()
            .filter(|&&k| masked.found(k) > 0)
            .map(|&k| format!("{} {}", k.code(), masked.found(k)))
            .collect();
        let _ = writeln!(
            err,
            "sborka: personal data kept out of the outputs: {} {} of personal columns, \
             {} {} masked in texts{}",
            masked.cells,
            if masked.cells == 1 { "cell" } else { "cells" },
            masked.found_total(),
            if masked.found_total() == 1 {
                "value"
            } else {
                "values"
            },
            if kinds.is_empty() {
                String::new()
            } else {
                format!(" ({})", kinds.join(", "))
            }
        );
    }
    let since = match history {
        History::Compared(_) => format!("с прошлой сборки: {}", history.phrase()),
        _ => history.phrase(),
    };
    let _ = writeln!(
        err,
        "sborka: {} {}, {} records: {} proposals in {} ideas, {} quarantined → {} ({since})",
        t.files,
        if t.files == 1 { "file" } else { "files" },
        t.records,
        t.accepted,
        t.ideas,
        t.quarantined,
        args.out.display()
    );
}
