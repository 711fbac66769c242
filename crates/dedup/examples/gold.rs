//! Prints the gold-set metrics of sborka's clustering, and with `--peer`
//! those of the Python peer (`../shared/peers/peer_py.py`) on the same rows,
//! side by side.
//!
//!     cargo run --release -p sborka-dedup --example gold -- [--peer] [--threshold X] [--explain]
//!
//! `--object-rest X`, `--attach X`, `--margin X` set the other knobs of
//! `Config`; `--halves` adds the figures on each half of the ideas (twin
//! pairs kept together; the whole set clustered, precision over every
//! merged pair touching the half), to choose knobs on one half and report
//! them on the other; and each half clustered alone, as a smaller
//! collection.
//! `--terms` prints the terms compared for each row; `--labels` each row's cluster; `--explain` lists the wrong merges and the missed pairs of sborka.
//! `--peer` writes the rows as the peer's CSV (`id,district,theme,level,text`,
//! ids `gold.csv#gNNN`) into a temporary folder, installs `datasketch
//! pystemmer tantivy` with pip if they are missing, runs the peer and reads
//! its `assign.tsv`.

// It prints what it finds: the rule against printing is for libraries.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sborka_dedup::eval::{Metrics, pairwise};
use sborka_dedup::{Config, Deduper};

struct Gold {
    ids: Vec<String>,
    ideas: Vec<String>,
    districts: Vec<String>,
    texts: Vec<String>,
    paraphrases: Vec<(usize, usize)>,
    twins: Vec<(String, String)>,
}

fn read_gold(dir: &Path) -> Result<Gold, String> {
    let read = |name: &str| -> Result<Vec<csv::StringRecord>, String> {
        let path = dir.join(name);
        let mut reader =
            csv::Reader::from_path(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        reader
            .records()
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    let mut gold = Gold {
        ids: Vec::new(),
        ideas: Vec::new(),
        districts: Vec::new(),
        texts: Vec::new(),
        paraphrases: Vec::new(),
        twins: Vec::new(),
    };
    for r in read("gold.csv")? {
        gold.ids.push(r[0].to_string());
        gold.ideas.push(r[1].to_string());
        gold.districts.push(r[2].to_string());
        gold.texts.push(r[3].to_string());
    }
    let index: BTreeMap<&str, usize> = gold
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    for r in read("paraphrases.csv")? {
        let (a, b) = (index.get(&r[0]), index.get(&r[1]));
        match (a, b) {
            (Some(&a), Some(&b)) => gold.paraphrases.push((a, b)),
            _ => return Err(format!("paraphrases.csv: unknown id in {r:?}")),
        }
    }
    for r in read("twins.csv")? {
        gold.twins.push((r[0].to_string(), r[1].to_string()));
    }
    Ok(gold)
}

/// Which half of the gold ideas `idea` falls in: by the stable hash of
/// its twin pair's first idea (of itself when it has no twin), so that
/// twins stay together.
fn idea_half(gold: &Gold, idea: &str) -> u64 {
    let key = gold
        .twins
        .iter()
        .find(|(a, b)| a == idea || b == idea)
        .map_or(idea, |(a, b)| a.min(b).as_str());
    sborka_core::stable_hash(key.as_bytes()) % 2
}

fn show(name: &str, m: &Metrics) {
    println!(
        "{name:<8} precision {:.3}  recall {:.3}  F1 {:.3}  paraphrase recall {:.3}  twin row pairs merged {:.1}%  twin ideas touched {}/{}  clusters {} (ideas {})",
        m.precision,
        m.recall,
        m.f1,
        m.paraphrase_recall,
        100.0 * m.twins_merged,
        m.twin_ideas_touched.0,
        m.twin_ideas_touched.1,
        m.clusters,
        m.ideas
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let peer = args.iter().any(|a| a == "--peer");
    let explain = args.iter().any(|a| a == "--explain");
    let terms = args.iter().any(|a| a == "--terms");
    let mut config = Config::default();
    let number = |flag: &str| -> Option<f32> {
        let i = args.iter().position(|a| a == flag)?;
        Some(
            args.get(i + 1)
                .and_then(|t| t.parse().ok())
                .unwrap_or_else(|| {
                    eprintln!("{flag} needs a number");
                    std::process::exit(2)
                }),
        )
    };
    if let Some(x) = number("--threshold") {
        config.threshold = x;
    }
    if let Some(x) = number("--object-rest") {
        config.object_rest = x;
    }
    if let Some(x) = number("--attach") {
        config.attach_threshold = x;
    }
    if let Some(x) = number("--margin") {
        config.attach_margin = x;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let gold = read_gold(&root.join("fixtures/gold")).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1)
    });

    let deduper = Deduper::new().with_config(config.clone());
    let clusters = deduper.cluster(&deduper.prepare(&gold.texts));
    let mut predicted = vec![0usize; gold.texts.len()];
    for (c, cluster) in clusters.iter().enumerate() {
        for &m in &cluster.members {
            predicted[m as usize] = c;
        }
    }
    println!(
        "gold set: {} rows, threshold {}",
        gold.texts.len(),
        config.threshold
    );
    let ours = pairwise(&predicted, &gold.ideas, &gold.paraphrases, &gold.twins);
    show("sborka", &ours);
    if args.iter().any(|a| a == "--halves") {
        // The figures on each half of the ideas (a twin pair stays in one
        // half), the whole set clustered (its statistics are the
        // collection's): tune on one, report the other. Precision counts
        // every merged pair with a row in the half.
        for half in [0, 1] {
            let rows: Vec<usize> = (0..gold.texts.len())
                .filter(|&i| idea_half(&gold, &gold.ideas[i]) == half)
                .collect();
            let at: BTreeMap<usize, usize> =
                rows.iter().enumerate().map(|(k, &i)| (i, k)).collect();
            let paraphrases: Vec<(usize, usize)> = gold
                .paraphrases
                .iter()
                .filter_map(|(a, b)| Some((*at.get(a)?, *at.get(b)?)))
                .collect();
            let twins: Vec<(String, String)> = gold
                .twins
                .iter()
                .filter(|(a, _)| idea_half(&gold, a) == half)
                .cloned()
                .collect();
            let p: Vec<usize> = rows.iter().map(|&i| predicted[i]).collect();
            let g: Vec<&str> = rows.iter().map(|&i| gold.ideas[i].as_str()).collect();
            let mut m = pairwise(&p, &g, &paraphrases, &twins);
            // Precision over every merged pair with a row in this half, so
            // that a row of this half merged into the other half counts.
            let (mut merged, mut right) = (0u64, 0u64);
            for i in 0..gold.texts.len() {
                for j in i + 1..gold.texts.len() {
                    if predicted[i] == predicted[j] && (at.contains_key(&i) || at.contains_key(&j))
                    {
                        merged += 1;
                        right += u64::from(gold.ideas[i] == gold.ideas[j]);
                    }
                }
            }
            m.precision = if merged == 0 {
                1.0
            } else {
                right as f64 / merged as f64
            };
            m.f1 = 2.0 * m.precision * m.recall / (m.precision + m.recall).max(f64::MIN_POSITIVE);
            show(&format!("half {half}"), &m);
            // The half as a collection of its own: the statistics change
            // (a smaller collection), the guards must hold all the same.
            let texts: Vec<&str> = rows.iter().map(|&i| gold.texts[i].as_str()).collect();
            let mut alone = vec![0usize; rows.len()];
            for (c, cluster) in deduper.cluster(&deduper.prepare(&texts)).iter().enumerate() {
                for &m in &cluster.members {
                    alone[m as usize] = c;
                }
            }
            show(
                &format!("alone {half}"),
                &pairwise(&alone, &g, &paraphrases, &twins),
            );
        }
    }

    if let Some(i) = args.iter().position(|a| a == "--pair") {
        let find = |id: Option<&String>| id.and_then(|id| gold.ids.iter().position(|x| x == id));
        match (find(args.get(i + 1)), find(args.get(i + 2))) {
            (Some(a), Some(b)) => {
                let prepared = deduper.prepare(&gold.texts);
                for x in [a, b] {
                    println!(
                        "{} {}",
                        gold.ids[x],
                        deduper.terms(&gold.texts[x]).join(" | ")
                    );
                }
                println!("{:?}", deduper.explain_pair(&prepared, a, b));
            }
            _ => eprintln!("--pair needs two gold ids"),
        }
    }

    if args.iter().any(|a| a == "--misses") {
        // Why same-idea pairs were not merged, by reason.
        let prepared = deduper.prepare(&gold.texts);
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        for i in 0..gold.texts.len() {
            for j in i + 1..gold.texts.len() {
                if gold.ideas[i] == gold.ideas[j] && predicted[i] != predicted[j] {
                    let why = match deduper.explain_pair(&prepared, i, j) {
                        Ok(_) => "similar, but not an edge from the representative".to_string(),
                        Err(sborka_dedup::Refusal::Dissimilar(_)) => "dissimilar".to_string(),
                        Err(r) => format!("{r:?}"),
                    };
                    if args.iter().any(|a| a == "-v") {
                        println!(
                            "{why}: {} {} / {} {}",
                            gold.ids[i], gold.texts[i], gold.ids[j], gold.texts[j]
                        );
                    }
                    *reasons.entry(why).or_default() += 1;
                }
            }
        }
        println!("missed same-idea pairs by reason: {reasons:?}");
    }

    if args.iter().any(|a| a == "--labels") {
        // Each row's cluster, for experiments outside this program.
        for (i, c) in predicted.iter().enumerate() {
            println!("label\t{}\t{c}", gold.ids[i]);
        }
    }

    if terms {
        for (i, text) in gold.texts.iter().enumerate() {
            println!(
                "{} [{}] {}",
                gold.ids[i],
                gold.ideas[i],
                deduper.terms(text).join(" | ")
            );
        }
    }

    if explain {
        println!("\nwrong merges (cluster: rows of other ideas):");
        for cluster in &clusters {
            let mut ideas: Vec<&str> = cluster
                .members
                .iter()
                .map(|&m| gold.ideas[m as usize].as_str())
                .collect();
            ideas.sort();
            ideas.dedup();
            if ideas.len() > 1 {
                println!(
                    "  cluster of {}:",
                    gold.ids[cluster.representative as usize]
                );
                for &m in &cluster.members {
                    let m = m as usize;
                    println!("    {} [{}] {}", gold.ids[m], gold.ideas[m], gold.texts[m]);
                }
            }
        }
        println!("\nsplit ideas (idea: clusters):");
        let mut by_idea: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, idea) in gold.ideas.iter().enumerate() {
            by_idea.entry(idea).or_default().push(i);
        }
        for (idea, rows) in by_idea {
            let mut cs: Vec<usize> = rows.iter().map(|&r| predicted[r]).collect();
            cs.sort();
            cs.dedup();
            if cs.len() > 1 {
                println!("  {idea}:");
                for &r in &rows {
                    println!("    c{} {} {}", predicted[r], gold.ids[r], gold.texts[r]);
                }
            }
        }
    }

    if peer {
        match run_peer(&root, &gold) {
            Ok(labels) => show(
                "peer_py",
                &pairwise(&labels, &gold.ideas, &gold.paraphrases, &gold.twins),
            ),
            Err(e) => {
                eprintln!("peer_py: {e}");
                std::process::exit(1)
            }
        }
    }
}

/// Runs the peer on the gold rows; its cluster label for each row.
fn run_peer(root: &Path, gold: &Gold) -> Result<Vec<String>, String> {
    let script: PathBuf = root.join("../shared/peers/peer_py.py");
    if !script.exists() {
        return Err(format!(
            "the peer is absent: {} does not exist (it lives beside the repository, in ../shared/peers)",
            script.display()
        ));
    }
    let check = Command::new("python3")
        .args(["-c", "import datasketch, Stemmer, tantivy"])
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if !check.status.success() {
        eprintln!("installing datasketch pystemmer tantivy with pip");
        let status = Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "datasketch",
                "pystemmer",
                "tantivy",
            ])
            .status()
            .map_err(|e| format!("cannot run pip: {e}"))?;
        if !status.success() {
            return Err("pip install datasketch pystemmer tantivy failed".into());
        }
    }
    let dir = std::env::temp_dir().join(format!("sborka-gold-peer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let csv_path = dir.join("gold-peer.csv");
    let mut w =
        csv::Writer::from_path(&csv_path).map_err(|e| format!("{}: {e}", csv_path.display()))?;
    w.write_record(["id", "district", "theme", "level", "text"])
        .map_err(|e| e.to_string())?;
    for i in 0..gold.texts.len() {
        let id = format!("gold.csv#{}", gold.ids[i]);
        w.write_record([id.as_str(), &gold.districts[i], "", "", &gold.texts[i]])
            .map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())?;
    let out = dir.join("out");
    let status = Command::new("python3")
        .arg(&script)
        .arg(&csv_path)
        .arg(&out)
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run the peer: {e}"))?;
    if !status.success() {
        return Err(format!("the peer failed ({status})"));
    }
    let assign =
        std::fs::read_to_string(out.join("assign.tsv")).map_err(|e| format!("assign.tsv: {e}"))?;
    let mut by_id: BTreeMap<String, String> = BTreeMap::new();
    for line in assign.lines() {
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() == 3 {
            by_id.insert(cells[1].to_string(), cells[2].to_string());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    gold.ids
        .iter()
        .map(|id| {
            by_id
                .get(id)
                .cloned()
                .ok_or_else(|| format!("assign.tsv has no row for {id}"))
        })
        .collect()
}
