//! Fuzzed readers: random bytes and mutations of the real fixtures fed to
//! every reader (CSV, TSV, JSON, JSON Lines, XLSX, XLS). The property: no
//! panic escapes, and every file keeps `records = accepted + quarantined`
//! (none when it is unreadable).
//!
//! `cargo test` runs a short version: 64 cases per test from a fixed seed,
//! the same cases every run. The long run, outside CI, from a random seed
//! (`--release` matters; `--nocapture` shows the summary):
//!
//! ```sh
//! SBORKA_FUZZ_CASES=1000000 cargo test -p sborka-ingest --release --test fuzz -- --nocapture
//! ```
//!
//! A panic inside calamine is caught by the workbook reader and reported
//! as a file error, so it does not fail the property; the hook below counts
//! such panics by place and each test prints them, so a run shows what the
//! third-party readers still do wrong.

// It prints what it finds: the rule against printing is for libraries.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use std::sync::Once;

use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};

use sborka_core::Catalog;
use sborka_ingest::{Input, Limits, read_bytes_with};

/// The readers, by the name the input carries.
const NAMES: [&str; 6] = ["x.csv", "x.tsv", "x.json", "x.jsonl", "x.xlsx", "x.xls"];

fn cases() -> u32 {
    std::env::var("SBORKA_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

/// Runs `test` on `cases()` values of `strategy`: from a fixed seed in the
/// short run, a random one in a long run. Fails on the first case whose
/// property fails or whose panic escapes, with the shrunk input.
fn run<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    record_panics();
    let config = ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = if std::env::var_os("SBORKA_FUZZ_CASES").is_some() {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    };
    let result = runner.run(&strategy, test);
    let caught = CAUGHT.with(|c| std::mem::take(&mut *c.borrow_mut()));
    eprintln!("{name}: {} cases", cases());
    for (place, n) in &caught {
        eprintln!("{name}: {n} panics caught inside a reader at {place}");
    }
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

/// The seeds: every fixture export of the repository that is small.
fn seeds() -> &'static [(String, Vec<u8>)] {
    static SEEDS: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut seeds = Vec::new();
        for dir in [
            "messy/exports",
            "messy/broken",
            "messy/regressions",
            "tests/basic",
            "tests/notext",
        ] {
            let mut entries: Vec<_> = std::fs::read_dir(root.join(dir))
                .unwrap_or_else(|e| panic!("{dir}: {e}"))
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for path in entries {
                let bytes = std::fs::read(&path).unwrap();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                seeds.push((name, bytes));
            }
        }
        assert!(seeds.len() >= 10, "the fixtures are there");
        seeds
    })
}

thread_local! {
    /// Panics caught inside the readers on this thread, by place.
    static CAUGHT: RefCell<BTreeMap<String, u64>> = const { RefCell::new(BTreeMap::new()) };
}

/// Counts the panics raised outside this file (inside a reader, where the
/// workbook guard catches them). The default hook is kept for the others.
fn record_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let place = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            if place.contains("tests/fuzz.rs") || place.contains("proptest") {
                default(info);
            } else {
                let what = format!("{place}: {}", payload(info));
                CAUGHT.with(|c| *c.borrow_mut().entry(what).or_default() += 1);
            }
        }));
    });
}

fn payload(info: &std::panic::PanicHookInfo<'_>) -> String {
    let p = info.payload();
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Small limits, so that the limit paths are fuzzed too.
fn limits() -> Limits {
    Limits {
        max_text_chars: 200,
        max_records: 50,
        max_file_bytes: 1 << 20,
        max_xlsx_bytes: 1 << 20,
        max_json_depth: 16,
        keep_personal: false,
    }
}

fn check(name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    // To find an input that aborts the process (out of memory, stack),
    // SBORKA_FUZZ_LAST=FILE keeps the last one tried in FILE.NAME.
    if let Some(last) = std::env::var_os("SBORKA_FUZZ_LAST") {
        let mut path = PathBuf::from(last);
        let _ = std::fs::write(&path, bytes);
        path.as_mut_os_string().push(".name");
        let _ = std::fs::write(&path, name);
    }
    let catalog = catalog();
    let out = read_bytes_with(&Input::named(name), bytes, catalog, &limits());
    let r = &out.report;
    prop_assert_eq!(r.records, r.accepted + r.quarantined, "{}", name);
    prop_assert_eq!(out.proposals.len() as u64, r.accepted);
    prop_assert_eq!(out.quarantined.len() as u64, r.quarantined);
    if r.error.is_some() {
        prop_assert_eq!(r.records, 0);
    }
    prop_assert!(r.records <= limits().max_records + 1);
    for p in &out.proposals {
        prop_assert!(p.text.chars().count() <= limits().max_text_chars);
        prop_assert!(p.text.chars().any(char::is_alphanumeric));
    }
    Ok(())
}

fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(Catalog::embedded)
}

/// One edit of a byte string.
#[derive(Clone, Debug)]
enum Mutation {
    Flip {
        at: usize,
        byte: u8,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
    Delete {
        at: usize,
        len: usize,
    },
    Duplicate {
        at: usize,
        len: usize,
    },
    Truncate {
        at: usize,
    },
    /// A character that means something to a reader: quotes, delimiters,
    /// brackets, line breaks.
    Special {
        at: usize,
        which: usize,
    },
}

const SPECIAL: [&[u8]; 14] = [
    b"\"", b";", b",", b"\t", b"|", b"\n", b"\r", b"[", b"]", b"{", b"}", b"\\", b"\"\"", b"\xd0",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    prop_oneof![
        (at, any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        (at, prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (at, 1usize..64).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (at, 1usize..256).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        at.prop_map(|at| Mutation::Truncate { at }),
        (at, 0..SPECIAL.len()).prop_map(|(at, which)| Mutation::Special { at, which }),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutations: &[Mutation]) {
    for m in mutations {
        let n = bytes.len();
        let pos = |at: usize| if n == 0 { 0 } else { at % (n + 1) };
        match m {
            Mutation::Flip { at, byte } if n > 0 => bytes[at % n] = *byte,
            Mutation::Flip { .. } => {}
            Mutation::Insert { at, bytes: b } => {
                let at = pos(*at);
                bytes.splice(at..at, b.iter().copied());
            }
            Mutation::Delete { at, len } => {
                let at = pos(*at);
                let end = (at + len).min(n);
                bytes.drain(at..end);
            }
            Mutation::Duplicate { at, len } => {
                let at = pos(*at);
                let end = (at + len).min(n);
                let copy = bytes[at..end].to_vec();
                bytes.splice(end..end, copy);
            }
            Mutation::Truncate { at } => bytes.truncate(pos(*at)),
            Mutation::Special { at, which } => {
                let at = pos(*at);
                bytes.splice(at..at, SPECIAL[*which].iter().copied());
            }
        }
    }
}

/// An XLSX's parts, to mutate the XML inside rather than the zip around it.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a seed workbook");
    (0..zip.len())
        .map(|i| {
            let mut part = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            part.read_to_end(&mut data).unwrap();
            (part.name().unwrap().to_string(), data)
        })
        .collect()
}

fn rezip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut buf = Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, data) in parts {
            zip.start_file(name.as_str(), options).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap();
    }
    buf.into_inner()
}

fn xlsx_parts() -> &'static [(String, Vec<u8>)] {
    static PARTS: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    PARTS.get_or_init(|| {
        let (_, bytes) = seeds()
            .iter()
            .find(|(n, _)| n == "skfo.xlsx")
            .expect("skfo.xlsx among the seeds");
        unzip(bytes)
    })
}

#[test]
fn fuzz_random_bytes() {
    let strategy = (0..NAMES.len(), prop::collection::vec(any::<u8>(), 0..2048));
    run("fuzz_random_bytes", strategy, |(which, bytes)| {
        check(NAMES[which], &bytes)
    });
}

#[test]
fn fuzz_mutated_fixtures() {
    let strategy = (
        any::<prop::sample::Index>(),
        0..NAMES.len(),
        any::<bool>(),
        prop::collection::vec(mutation(), 1..8),
    );
    run(
        "fuzz_mutated_fixtures",
        strategy,
        |(seed, which, own_name, mutations)| {
            let (name, bytes) = seed.get(seeds());
            let mut bytes = bytes.clone();
            apply(&mut bytes, &mutations);
            // The seed's own reader, or another one fed the same bytes.
            let name = if own_name {
                name.as_str()
            } else {
                NAMES[which]
            };
            check(name, &bytes)
        },
    );
}

#[test]
fn fuzz_mutated_xlsx_parts() {
    let strategy = (
        any::<prop::sample::Index>(),
        prop::collection::vec(mutation(), 1..8),
    );
    run("fuzz_mutated_xlsx_parts", strategy, |(part, mutations)| {
        let mut parts = xlsx_parts().to_vec();
        let i = part.index(parts.len());
        apply(&mut parts[i].1, &mutations);
        check("x.xlsx", &rezip(&parts))
    });
}

#[test]
fn fuzz_delimited_text() {
    let strategy = (
        "[\"a-zа-я0-9 ;,|\t\r\n\\[\\]{}:]{0,400}",
        prop::sample::select(vec![
            "text;theme\n",
            "id,text,level\n",
            "text\tregion\n",
            "text|kind\n",
            "[",
            "{\"text\": ",
            "Заголовок\n\nТекст;Тема\n",
        ]),
        0..4usize,
    );
    run("fuzz_delimited_text", strategy, |(text, header, which)| {
        check(NAMES[which], format!("{header}{text}").as_bytes())
    });
}

/// HTML pages of table pieces, under a workbook's name and a page's.
#[test]
fn fuzz_html_tables() {
    let piece = prop::sample::select(vec![
        "<table>",
        "</table>",
        "<TR>",
        "</tr>",
        "<td>",
        "</TD>",
        "<th colspan=\"3\">",
        "<td colspan=999999999999>",
        "<br>",
        "&amp;",
        "&#1078;",
        "<b>",
        "текст",
        "Тема",
        "1",
        " ",
        "\n",
        "<",
        ">",
        "<!--",
        "-->",
        "<script>x</script>",
    ]);
    let strategy = (
        prop::collection::vec(piece, 0..200),
        prop::sample::select(vec!["page.xls", "page.html", "page.xlsx"]),
    );
    run("fuzz_html_tables", strategy, |(pieces, name)| {
        check(name, format!("<html>{}", pieces.concat()).as_bytes())
    });
}

/// Inputs the long runs found, kept: each is refused as a file, in bounded
/// memory, instead of aborting the process.
#[test]
fn fuzz_regressions_are_refused() {
    let cases = [
        (
            "looping-chain.xls",
            "corrupt XLS: allocation table: the chain through sector 0 loops",
        ),
        (
            "huge-dimensions.xls",
            "corrupt XLS: a sheet declares 12499025955 cells",
        ),
        (
            // A sheet offset inside a record: calamine reads other bytes as
            // a DIMENSIONS record that asks for 500 GB.
            "sheet-offset-dimensions.xls",
            "corrupt XLS: a sheet declares",
        ),
    ];
    for (name, want) in cases {
        let (_, bytes) = seeds()
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} among the seeds"));
        let out = read_bytes_with(&Input::named(name), bytes, catalog(), &limits());
        let err = out.report.error.unwrap_or_default();
        assert!(err.starts_with(want), "{name}: {err}");
    }
}
