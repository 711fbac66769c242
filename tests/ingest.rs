//! The messy fixture folder (fixtures/messy, written by its make.py): every
//! encoding, container and header variant, all 8 districts and broken rows,
//! checked record by record against the truth table written with it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::util::*;

/// One row of fixtures/messy/truth.csv.
#[derive(Debug)]
struct Truth {
    file: String,
    sheet: String,
    record: u64,
    fields: BTreeMap<&'static str, String>,
}

const COLUMNS: [&str; 12] = [
    "file", "sheet", "record", "status", "reason", "district", "region", "theme", "level", "kind",
    "year", "inferred",
];

fn truth() -> Vec<Truth> {
    let text = std::fs::read_to_string(fixture("messy/truth.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap(), COLUMNS.join(","));
    lines
        .map(|line| {
            // The truth table has no quoted fields: no value holds a comma.
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), COLUMNS.len(), "{line}");
            Truth {
                file: cells[0].to_string(),
                sheet: cells[1].to_string(),
                record: cells[2].parse().unwrap(),
                fields: COLUMNS[3..]
                    .iter()
                    .zip(&cells[3..])
                    .map(|(k, v)| (*k, v.to_string()))
                    .collect(),
            }
        })
        .collect()
}

/// The key a record is found by: file, sheet, record number.
fn key_of(v: &Value) -> (String, String, u64) {
    let s = &v["source"];
    (
        s["file"].as_str().unwrap().to_string(),
        s["sheet"].as_str().unwrap_or("").to_string(),
        s["record"].as_u64().unwrap(),
    )
}

/// A value of proposals.jsonl as the truth table writes it.
fn text_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("+"),
        other => other.to_string(),
    }
}

#[test]
fn every_record_lands_as_the_truth_table_says() {
    let (_tmp, out_dir, out) = build(&[&fixture("messy/exports")], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_invariant(&out_dir);

    let proposals: BTreeMap<_, _> = read_jsonl(&out_dir.join("proposals.jsonl"))
        .into_iter()
        .map(|p| (key_of(&p), p))
        .collect();
    let quarantine: BTreeMap<_, _> = read_jsonl(&out_dir.join("quarantine.jsonl"))
        .into_iter()
        .map(|q| (key_of(&q), q))
        .collect();
    let truth = truth();
    let mut failures = Vec::new();
    for t in &truth {
        let key = (t.file.clone(), t.sheet.clone(), t.record);
        let want = |f: &str| t.fields[f].as_str();
        match (want("status"), proposals.get(&key), quarantine.get(&key)) {
            ("accepted", Some(p), None) => {
                for field in [
                    "district", "region", "theme", "level", "kind", "year", "inferred",
                ] {
                    let got = text_of(&p[field]);
                    if got != want(field) {
                        failures.push(format!(
                            "{key:?} {field}: got {got:?}, want {:?}",
                            want(field)
                        ));
                    }
                }
            }
            ("quarantined", None, Some(q)) => {
                let got = q["reason"].as_str().unwrap();
                if got != want("reason") {
                    failures.push(format!(
                        "{key:?} reason: got {got}, want {} ({})",
                        want("reason"),
                        q["message"]
                    ));
                }
                let message = q["message"].as_str().unwrap();
                assert!(
                    message.contains(&t.file) && message.starts_with("record "),
                    "the message says where: {message}"
                );
            }
            (status, p, q) => failures.push(format!(
                "{key:?}: want {status}, accepted: {}, quarantined: {}",
                p.is_some(),
                q.map_or("no".to_string(), |q| q["message"].to_string())
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        proposals.len() + quarantine.len(),
        truth.len(),
        "no record outside the truth table"
    );

    // All eight districts are there.
    let districts: std::collections::BTreeSet<String> = proposals
        .values()
        .map(|p| text_of(&p["district"]))
        .collect();
    assert_eq!(
        districts.into_iter().filter(|d| !d.is_empty()).count(),
        8,
        "all 8 districts"
    );

    // Per file, the report's counts are the truth table's.
    let report = read_json(&out_dir.join("report.json"));
    for f in report["files"].as_array().unwrap() {
        let name = f["file"].as_str().unwrap();
        let rows: Vec<&Truth> = truth.iter().filter(|t| t.file == name).collect();
        let accepted = rows
            .iter()
            .filter(|t| t.fields["status"] == "accepted")
            .count() as u64;
        assert_eq!(f["records"], rows.len() as u64, "{name}");
        assert_eq!(f["accepted"], accepted, "{name}");
        assert_eq!(f["error"], Value::Null, "{name}");
    }
}

#[test]
fn unreadable_files_are_named_and_the_rest_is_built() {
    let (_tmp, out_dir, out) = build(&[&fixture("messy/exports"), &fixture("messy/broken")], &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("sborka: corrupt.xlsx: corrupt XLSX"), "{err}");
    assert!(err.contains("sborka: cut.json: truncated JSON"), "{err}");
    assert_invariant(&out_dir);

    let report = read_json(&out_dir.join("report.json"));
    let errors: BTreeMap<&str, &str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| Some((f["file"].as_str()?, f["error"].as_str()?)))
        .collect();
    assert_eq!(
        errors.keys().copied().collect::<Vec<_>>(),
        ["corrupt.xlsx", "cut.json"]
    );
    assert_eq!(report["totals"]["files_failed"], 2);
    let accepted = truth()
        .iter()
        .filter(|t| t.fields["status"] == "accepted")
        .count();
    assert_eq!(
        read_jsonl(&out_dir.join("proposals.jsonl")).len(),
        accepted,
        "everything else still built"
    );
}

#[test]
fn check_names_format_encoding_and_delimiter() {
    let out = sborka(&[
        "check",
        fixture("messy/exports").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let got: Vec<String> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}",
                f["file"].as_str().unwrap(),
                f["format"].as_str().unwrap(),
                f["encoding"].as_str().unwrap_or("-"),
                f["delimiter"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "dfo.jsonl jsonl utf-8 -",
            "mixed.json json utf-8 -",
            "pfo-ufa.tsv csv utf-16le \t",
            "session-2018-02.json json utf-8 -",
            "skfo.xlsx xlsx - -",
            "szfo-kaliningrad.csv csv utf-8 ;",
            "ufo-ekaterinburg.xls xls - -",
            "yufo-rostov.csv csv utf-16be |",
            "ЦФО.csv csv windows-1251 ,",
        ]
    );
    let files = json["files"].as_array().unwrap();
    let by_name = |name: &str| files.iter().find(|f| f["file"] == name).unwrap();
    assert_eq!(by_name("szfo-kaliningrad.csv")["invalid_bytes"], 1);
    assert_eq!(by_name("ЦФО.csv")["header_row"], 3);
    let sheets: Vec<String> = by_name("skfo.xlsx")["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{} {}", s["name"].as_str().unwrap(), s["header_row"]))
        .collect();
    assert_eq!(sheets, ["Ставрополь 3", "Дагестан 1", "Справка null"]);
    assert!(
        by_name("session-2018-02.json")["implied"]["district"]
            .as_str()
            .unwrap()
            .starts_with("sfo (from the file's session metadata)")
    );
}
