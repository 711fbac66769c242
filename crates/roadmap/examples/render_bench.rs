//! Times assemble and each document of the render stage on a large
//! generated model.
//!
//!     cargo run --release -p sborka-roadmap --example render_bench -- [ROWS] [--runs N] [--cap N] [--only NAME] [--out DIR]
//!
//! The model is built in memory, without reading or deduplicating: proposals
//! drawn like `examples/gen_corpus.rs` draws them (about 65% new ideas, 20%
//! verbatim copies, 15% restatements, labels that follow the idea, with
//! noise) and clustered by the idea they state, as a perfect deduplicator
//! would. `assemble` builds the model (and drops it) `--runs` times; the
//! model's memory is the growth of the resident set while the last one is
//! built. Each document is written as `sborka build` writes it (reading
//! documents capped at `--cap` ideas per theme and level, default 100, as
//! the CLI's `--items-per-level`), one after another, into a writer that
//! only counts the bytes. Times are the CPU time of all the process's
//! threads (Linux; wall time elsewhere), rayon's included, and the wall
//! time, each the best of `--runs` (default 3); `RAYON_NUM_THREADS=1`
//! gives rayon one thread.
//! `--only roadmap.docx` renders that
//! document alone (for a profiler); `--out DIR` writes the documents there,
//! to look at (then each is held in memory, and counts in the peak).

// It prints what it finds: the rule against printing is for libraries.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

use sborka_core::{
    Catalog, Cluster, ClusterId, Facet, Label, Level, Proposal, Provenance, Value, stable_hash,
};
use sborka_roadmap::{Document, Input, RenderOptions, assemble, write_document};
use sborka_testkit::SplitMix64 as Rng;

use sborka_testkit::words::{ACTIONS, GROUPS, OBJECTS, OPENINGS, PLACES, TAILS};

const KINDS: &[&str] = &[
    "предложение",
    "предложение",
    "инициатива",
    "законодательная инициатива",
    "точка роста",
    "зона риска",
];

/// `rows` proposals and their clusters (one per idea).
fn generate(catalog: &Catalog, rows: usize, seed: u64) -> (Vec<Proposal>, Vec<Cluster>) {
    let districts: Vec<_> = catalog.districts().map(|(id, _)| id).collect();
    let regions_of: Vec<Vec<sborka_core::RegionCode>> = districts
        .iter()
        .map(|&d| {
            catalog
                .regions()
                .iter()
                .map(|r| sborka_core::RegionCode(r.code))
                .filter(|&r| catalog.region_district(r) == Some(d))
                .collect()
        })
        .collect();
    let themes: Vec<_> = catalog.themes().map(|(id, _)| id).collect();
    let kinds: Vec<_> = KINDS
        .iter()
        .filter_map(|k| match catalog.resolve(Facet::Kind, k) {
            Some(Value::Kind(kind)) => Some(kind),
            _ => None,
        })
        .collect();

    let mut rng = Rng(seed);
    // Per idea: its parts and its members (row, text).
    let mut ideas: Vec<([usize; 5], Vec<u32>)> = Vec::new();
    let mut proposals: Vec<Proposal> = Vec::with_capacity(rows);
    for n in 0..rows {
        let roll = rng.below(100);
        let (idea, text) = if roll < 35 && !ideas.is_empty() {
            let i = rng.below(ideas.len());
            let members = &ideas[i].1;
            if roll < 20 {
                // A verbatim copy of one of its rows.
                let row = members[rng.below(members.len())] as usize;
                let text: String = proposals[row].text.clone();
                (i, text)
            } else {
                let text = format!("{}{}", rng.pick(OPENINGS), text_of(ideas[i].0));
                (i, text)
            }
        } else {
            let parts = [
                rng.below(ACTIONS.len()),
                rng.below(OBJECTS.len()),
                rng.below(GROUPS.len()),
                rng.below(PLACES.len()),
                rng.below(TAILS.len()),
            ];
            ideas.push((parts, Vec::new()));
            (ideas.len() - 1, text_of(parts))
        };
        ideas[idea].1.push(n as u32);
        let parts = ideas[idea].0;
        let d = rng.below(districts.len());
        let region = *rng.pick(&regions_of[d]);
        let source = Provenance {
            file: "corpus.csv".into(),
            record: n as u64 + 1,
            line: n as u64 + 2,
            source_id: Some(format!("corpus.csv#{}", n + 1)),
            ..Default::default()
        };
        let mut p = Proposal::new(source, text);
        p.facets.district = Label::Known(districts[d]);
        p.facets.region = Label::Known(region);
        p.facets.theme = Label::Known(themes[(parts[1] + parts[2]) % themes.len()]);
        p.facets.level = Label::Known(if rng.chance(85) {
            Level::ALL[parts[3] % Level::ALL.len()]
        } else {
            *rng.pick(&Level::ALL)
        });
        p.facets.kind = Label::Known(*rng.pick(&kinds));
        proposals.push(p);
    }
    let clusters = ideas
        .iter()
        .map(|(parts, members)| {
            let mut seen = std::collections::HashSet::new();
            let verbatim = members
                .iter()
                .filter(|&&m| !seen.insert(proposals[m as usize].text.as_str()))
                .count() as u32;
            Cluster {
                id: ClusterId(stable_hash(text_of(*parts).as_bytes())),
                members: members.clone(),
                representative: members[0],
                verbatim,
            }
        })
        .collect();
    (proposals, clusters)
}

fn text_of(p: [usize; 5]) -> String {
    format!(
        "{} {} {} {}{}",
        ACTIONS[p[0]], OBJECTS[p[1]], GROUPS[p[2]], PLACES[p[3]], TAILS[p[4]]
    )
}

/// This thread's CPU time in seconds (Linux), or the wall time since the
/// first call elsewhere.
fn cpu_seconds() -> f64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or_else(
            || START.get_or_init(Instant::now).elapsed().as_secs_f64(),
            |ns| ns as f64 / 1e9,
        )
}

/// The CPU time of all the process's threads in seconds (Linux), or the
/// wall time since the first call elsewhere.
fn process_cpu_seconds() -> f64 {
    let tasks = std::fs::read_dir("/proc/self/task").into_iter().flatten();
    let ns: Option<u64> = tasks
        .map(|task| {
            let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
            stat.split_whitespace().next()?.parse::<u64>().ok()
        })
        .sum();
    match ns {
        Some(ns) if ns > 0 => ns as f64 / 1e9,
        _ => cpu_seconds(),
    }
}

/// A measurement under way: CPU and wall time.
struct Clock {
    cpu: f64,
    wall: Instant,
}

impl Clock {
    fn start() -> Clock {
        Clock {
            cpu: process_cpu_seconds(),
            wall: Instant::now(),
        }
    }

    /// CPU and wall seconds since the start.
    fn stop(self) -> (f64, f64) {
        (
            process_cpu_seconds() - self.cpu,
            self.wall.elapsed().as_secs_f64(),
        )
    }
}

/// The least CPU time of several runs, and the least wall time.
struct Best {
    cpu: f64,
    wall: f64,
}

impl Default for Best {
    fn default() -> Best {
        Best {
            cpu: f64::MAX,
            wall: f64::MAX,
        }
    }
}

impl Best {
    fn add(&mut self, (cpu, wall): (f64, f64)) {
        self.cpu = self.cpu.min(cpu);
        self.wall = self.wall.min(wall);
    }
}

impl std::fmt::Display for Best {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:>8.1}  {:>8.1}", self.cpu * 1e3, self.wall * 1e3)
    }
}

/// Peak and current resident memory of the process, in MB (Linux).
fn rss_mb() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// A writer that keeps nothing but the number of bytes, so that the peak
/// memory of a document is the renderer's, not the document's.
#[derive(Default)]
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let rows: usize = args
        .first()
        .and_then(|a| a.replace('_', "").parse().ok())
        .unwrap_or(50_000);
    let runs: usize = flag("--runs").and_then(|s| s.parse().ok()).unwrap_or(3);
    let cap: usize = flag("--cap").and_then(|s| s.parse().ok()).unwrap_or(100);
    let out = flag("--out").map(std::path::PathBuf::from);
    let only = flag("--only");

    let catalog = Catalog::embedded();
    let (proposals, clusters) = generate(&catalog, rows, 2018);
    let input = Input {
        catalog: &catalog,
        proposals: &proposals,
        clusters: &clusters,
        quarantined: &[],
        masked: Default::default(),
        date: Some("2018-03-02".to_string()),
        merging: Default::default(),
    };
    let (_, before) = rss_mb().unwrap_or_default();
    let mut assembled = Best::default();
    let mut dropped = Best::default();
    for _ in 1..runs.max(1) {
        let started = Clock::start();
        let roadmap = assemble(&input);
        assembled.add(started.stop());
        let started = Clock::start();
        drop(roadmap);
        dropped.add(started.stop());
    }
    // The model that is rendered, built last so that its memory is the
    // growth of the resident set.
    let started = Clock::start();
    let roadmap = assemble(&input);
    assembled.add(started.stop());
    let (_, with_model) = rss_mb().unwrap_or_default();
    let options = RenderOptions {
        items_per_level: (cap > 0).then_some(cap),
        ..Default::default()
    };
    println!(
        "{rows} generated rows ({} ideas), cap {cap}, best of {runs}, {} rayon threads",
        roadmap.totals.ideas,
        rayon::current_num_threads()
    );
    println!("{:>14}  {:>8}  {:>8}", "", "CPU ms", "wall ms");
    println!(
        "{:>14}: {assembled}  model {:.0} MB (resident set growth)",
        "assemble",
        with_model - before,
    );
    println!("{:>14}: {dropped}", "drop the model");
    let mut total = 0.0;
    for document in Document::ALL {
        let name = document.file_name();
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let mut best = Best::default();
        let mut size = 0;
        for _ in 0..runs.max(1) {
            let started = Clock::start();
            if let Some(dir) = &out {
                let mut bytes = Vec::new();
                write_document(document, &roadmap, &options, &mut bytes)
                    .expect("written to memory");
                best.add(started.stop());
                size = bytes.len();
                std::fs::create_dir_all(dir).expect("the output folder");
                std::fs::write(dir.join(name), &bytes).expect("the document is written");
            } else {
                let mut counter = Counter::default();
                write_document(document, &roadmap, &options, &mut counter).expect("counted");
                best.add(started.stop());
                size = counter.0;
            }
        }
        total += best.cpu;
        println!("{name:>14}: {best}  {:>8.1} MB", size as f64 / 1e6);
    }
    println!("{:>14}: {:>8.1}", "documents", total * 1e3);
    if let Some((peak, _)) = rss_mb() {
        println!(
            "peak RSS {peak:.0} MB: the generated input ({before:.0} MB), the model{}",
            if out.is_some() {
                " and each document held in memory"
            } else {
                ", and the renderers (documents only counted)"
            }
        );
    }
}
