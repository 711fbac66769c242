//! roadmap.xlsx from a build: read back by sborka's own reader as the same
//! proposals, idea for idea with roadmap.json, the same bytes whatever the
//! threads, and opened by LibreOffice where `soffice` is installed.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use sborka_core::{Catalog, Facet};

use crate::util::*;

#[test]
fn the_proposals_sheet_reads_back_as_the_same_proposals() {
    let (_tmp, out_dir, out) = build(&[&fixture("exports")], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let catalog = Catalog::embedded();
    let input = sborka_ingest::Input {
        name: "roadmap.xlsx".to_string(),
        path: out_dir.join("roadmap.xlsx"),
    };
    let read = sborka_ingest::read_file(&input, &catalog);
    assert!(read.report.error.is_none(), "{:?}", read.report.error);
    // The other sheets are not exports: a cell of theirs that reads like a
    // header («предложение» among an idea's kinds) can make the reader
    // take rows of them for records. Only «Предложения» is read back.
    let sheet = |s: &sborka_core::Provenance| s.sheet.as_deref() == Some("Предложения");
    let quarantined: Vec<_> = read
        .quarantined
        .iter()
        .filter(|q| sheet(&q.source))
        .collect();
    assert!(quarantined.is_empty(), "{quarantined:?}");
    let back: Vec<_> = read.proposals.iter().filter(|p| sheet(&p.source)).collect();
    let built = read_jsonl(&out_dir.join("proposals.jsonl"));
    assert_eq!(back.len(), built.len());
    for (p, want) in back.iter().zip(&built) {
        let id = want["id"].as_str().unwrap();
        assert_eq!(p.text, want["text"].as_str().unwrap(), "{id}");
        assert_eq!(
            p.source.source_id.as_deref(),
            want["source"]["source_id"].as_str(),
            "{id}"
        );
        for facet in Facet::ALL {
            let got: Value = match p.facets.value(facet) {
                Some(sborka_core::Value::Region(r)) => r.0.into(),
                Some(sborka_core::Value::Year(y)) => y.into(),
                Some(sborka_core::Value::Unplaced(_)) | None => Value::Null,
                Some(v) => catalog.slug(v).into_owned().into(),
            };
            assert_eq!(got, want[facet.name()], "{id}: {}", facet.name());
            assert_eq!(
                p.facets.raw(facet),
                want["unrecognized"][facet.name()].as_str(),
                "{id}: {} as written",
                facet.name()
            );
        }
        assert_eq!(p.extra["Адрес предложения"], id);
        assert_eq!(p.extra["Код идеи"], want["cluster"].as_str().unwrap());
        assert_eq!(p.extra["Файл"], want["source"]["file"].as_str().unwrap());
        assert_eq!(
            p.extra["Запись"],
            want["source"]["record"].as_u64().unwrap().to_string()
        );
    }
}

/// The ideas of roadmap.json, in order: (cluster, text, proposals).
fn json_ideas(out_dir: &Path) -> Vec<(String, String, u64)> {
    let roadmap = read_json(&out_dir.join("roadmap.json"));
    let mut out = Vec::new();
    for theme in roadmap["themes"].as_array().unwrap() {
        for level in theme["levels"].as_array().unwrap() {
            for item in level["items"].as_array().unwrap() {
                out.push((
                    item["cluster"].as_str().unwrap().to_string(),
                    item["text"].as_str().unwrap().to_string(),
                    item["support"]["proposals"].as_u64().unwrap(),
                ));
            }
        }
    }
    out
}

#[test]
fn ideas_match_roadmap_json_and_bytes_match_whatever_the_threads() {
    let sample = fixture("exports");
    let runs = [
        build(&[&sample], &["--threads", "1"]),
        build(&[&sample], &["--threads", "2"]),
    ];
    for (_, _, out) in &runs {
        assert_eq!(code(out), 0, "{}", stderr(out));
    }
    let bytes = std::fs::read(runs[0].1.join("roadmap.xlsx")).unwrap();
    assert!(bytes == std::fs::read(runs[1].1.join("roadmap.xlsx")).unwrap());

    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let ideas = book.worksheet_range("Идеи").unwrap();
    let want = json_ideas(&runs[0].1);
    assert_eq!(ideas.height() - 1, want.len());
    for (row, (cluster, text, proposals)) in (1..).zip(&want) {
        let cell = |col: usize| ideas.get((row, col)).cloned();
        assert_eq!(cell(13), Some(calamine::Data::String(cluster.clone())));
        assert_eq!(cell(2), Some(calamine::Data::String(text.clone())));
        assert_eq!(cell(3), Some(calamine::Data::Float(*proposals as f64)));
    }
}

/// Where LibreOffice is installed (`apt-get install libreoffice-calc`),
/// it opens roadmap.xlsx and saves its first sheet as CSV: one line per
/// idea. Skipped with a note where it is not.
#[test]
fn libreoffice_opens_the_spreadsheet() {
    let Some(soffice) = ["soffice", "libreoffice"].into_iter().find(|b| {
        std::process::Command::new(b)
            .arg("--version")
            .output()
            .is_ok()
    }) else {
        eprintln!("note: soffice not found: roadmap.xlsx not opened in LibreOffice");
        return;
    };
    let (tmp, out_dir, out) = build(&[&fixture("exports")], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let converted = tmp.path().join("csv");
    let profile = tmp.path().join("profile");
    let mut child = std::process::Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        // Comma, double quote, UTF-8.
        .args([
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
        ])
        .arg(&converted)
        .arg(out_dir.join("roadmap.xlsx"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("soffice starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            panic!("soffice did not finish in 5 minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "soffice failed: {status}");
    let csv = converted.join("roadmap.csv");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(&csv)
        .unwrap_or_else(|e| panic!("{}: {e}", csv.display()));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let want = json_ideas(&out_dir);
    assert_eq!(rows.len(), want.len(), "one row per idea");
    for (row, (cluster, text, proposals)) in rows.iter().zip(&want) {
        assert_eq!(&row[13], cluster);
        assert_eq!(&row[2], text);
        assert_eq!(row[3].parse::<u64>().unwrap(), *proposals);
    }
}
