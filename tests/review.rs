//! `sborka review` and `sborka build --decisions`: the analyst's loop on the
//! bundled sample, as the README shows it.

use std::collections::BTreeMap;

use crate::util::*;

/// Each proposal's cluster, by its text.
fn clusters(out_dir: &std::path::Path) -> BTreeMap<String, (String, bool)> {
    read_jsonl(&out_dir.join("proposals.jsonl"))
        .iter()
        .map(|p| {
            (
                p["text"].as_str().unwrap().to_string(),
                (
                    p["cluster"].as_str().unwrap().to_string(),
                    p["decided"].as_bool().unwrap_or(false),
                ),
            )
        })
        .collect()
}

#[test]
fn answers_in_a_review_sheet_shape_the_next_build() {
    let sample = fixture("exports");
    let (tmp, out_dir, out) = build(&[&sample], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let before = clusters(&out_dir);
    // Every proposal carries its link; representatives are marked.
    let lines = read_jsonl(&out_dir.join("proposals.jsonl"));
    assert!(
        lines
            .iter()
            .all(|p| p["link"].as_f64().is_some_and(|l| l > 0.0 && l <= 1.0))
    );
    let reps = lines.iter().filter(|p| p["representative"] == true).count();
    assert_eq!(
        reps,
        read_json(&out_dir.join("report.json"))["totals"]["ideas"]
    );

    // The queue, as CSV.
    let sheet = tmp.path().join("review.csv");
    let out = sborka(&[
        "review",
        "--in",
        out_dir.to_str().unwrap(),
        "--out",
        sheet.to_str().unwrap(),
        "--limit",
        "6",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("6 questions"), "{}", stderr(&out));
    let text = std::fs::read_to_string(&sheet).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(
        header.iter().take(9).collect::<Vec<_>>(),
        [
            "question",
            "text_a",
            "text_b",
            "support_a",
            "support_b",
            "districts_a",
            "districts_b",
            "score",
            "decision"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6);
    // The analyst: «да» to the first question, «нет» to the second, a
    // stale answer and a contradiction.
    let (a0, b0) = (rows[0][1].to_string(), rows[0][2].to_string());
    let (a1, b1) = (rows[1][1].to_string(), rows[1][2].to_string());
    let mut answers = csv::Writer::from_path(tmp.path().join("answers.csv")).unwrap();
    answers
        .write_record(["text_a", "text_b", "decision"])
        .unwrap();
    answers
        .write_record([a0.as_str(), b0.as_str(), "ДА"])
        .unwrap();
    answers
        .write_record([a1.as_str(), b1.as_str(), "нет"])
        .unwrap();
    answers
        .write_record(["Текста, которого нет в выгрузках", a0.as_str(), "да"])
        .unwrap();
    let (a2, b2) = (rows[2][1].to_string(), rows[2][2].to_string());
    answers
        .write_record([a2.as_str(), b2.as_str(), "+"])
        .unwrap();
    answers
        .write_record([b2.as_str(), a2.as_str(), "-"])
        .unwrap();
    answers.flush().unwrap();
    drop(answers);

    let out_dir2 = tmp.path().join("out2");
    let answers_path = tmp.path().join("answers.csv");
    let out = sborka(&[
        "build",
        sample.to_str().unwrap(),
        "--out",
        out_dir2.to_str().unwrap(),
        "--decisions",
        answers_path.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(err.contains("line 4: stale"), "{err}");
    assert!(
        err.contains("both да and нет") && err.contains("line 5; "),
        "{err}"
    );
    assert!(err.contains("decisions: 2 applied"), "{err}");
    let after = clusters(&out_dir2);
    assert_eq!(after[&a0].0, after[&b0].0, "«да» joins");
    assert!(after[&a0].1, "and marks the idea");
    assert_ne!(after[&a1].0, after[&b1].0, "«нет» keeps apart");
    assert_eq!(
        after[&a2].0 == after[&b2].0,
        before[&a2].0 == before[&b2].0,
        "a contradiction changes nothing"
    );
    let report = read_json(&out_dir2.join("report.json"));
    let d = &report["decisions"];
    assert_eq!(d["applied"], 2);
    assert_eq!(d["stale"][0]["row"], 4);
    assert_eq!(d["conflicting"][0]["answers"].as_array().unwrap().len(), 2);
    assert_invariant(&out_dir2);
    let roadmap = std::fs::read_to_string(out_dir2.join("roadmap.md")).unwrap();
    assert!(
        roadmap.contains("Решения аналитиков. Применено 2 ответа"),
        "the method section counts them"
    );

    // Asked again with the answers: the answered questions are left out.
    let out = sborka(&[
        "review",
        "--in",
        out_dir2.to_str().unwrap(),
        "--out",
        tmp.path().join("again.csv").to_str().unwrap(),
        "--decisions",
        answers_path.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let again = std::fs::read_to_string(tmp.path().join("again.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(again.trim_start_matches('\u{feff}').as_bytes());
    for row in reader.records().map(Result::unwrap) {
        let pair = (row[1].to_string(), row[2].to_string());
        for (a, b) in [(&a0, &b0), (&a1, &b1)] {
            assert!(
                pair != (a.clone(), b.clone()) && pair != (b.clone(), a.clone()),
                "{pair:?} asked again"
            );
        }
    }

    // The same answers in another order of files give the same bytes.
    let split = tmp.path().join("split");
    std::fs::create_dir(&split).unwrap();
    let lines: Vec<&str> = std::fs::read_to_string(&answers_path)
        .unwrap()
        .leak()
        .lines()
        .collect();
    std::fs::write(split.join("b.csv"), format!("{}\n{}\n", lines[0], lines[1])).unwrap();
    std::fs::write(
        split.join("a.csv"),
        format!("{}\n{}\n", lines[0], lines[2..].join("\n")),
    )
    .unwrap();
    let out_dir3 = tmp.path().join("out3");
    let out = sborka(&[
        "build",
        sample.to_str().unwrap(),
        "--out",
        out_dir3.to_str().unwrap(),
        "--decisions",
        split.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        clusters(&out_dir3)
            .values()
            .map(|c| &c.0)
            .collect::<Vec<_>>()
            .len(),
        after.len()
    );
    let ids = |dir: &std::path::Path| {
        read_jsonl(&dir.join("proposals.jsonl"))
            .iter()
            .map(|p| (p["id"].to_string(), p["cluster"].to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&out_dir3), ids(&out_dir2));
}

#[test]
fn an_unreadable_answer_file_is_named_and_the_status_is_2() {
    let sample = fixture("tests/basic");
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("answers.xlsx");
    std::fs::write(&bad, b"PK\x03\x04 not a workbook").unwrap();
    let (_t, out_dir, out) = build(&[&sample], &["--decisions", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("answers.xlsx"), "{}", stderr(&out));
    let report = read_json(&out_dir.join("report.json"));
    assert!(
        report["decisions"]["problems"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("answers.xlsx")
    );
}
