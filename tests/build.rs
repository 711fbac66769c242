use std::path::Path;

use crate::util::*;

const DETERMINISTIC: [&str; 8] = [
    "roadmap.json",
    "roadmap.docx",
    "roadmap.xlsx",
    "quarantine.csv",
    "roadmap.md",
    "roadmap.html",
    "proposals.jsonl",
    "quarantine.jsonl",
];

#[test]
fn basic_fixture_builds_every_output() {
    let (_tmp, out_dir, out) = build(&[&fixture("tests/basic")], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for name in DETERMINISTIC.iter().chain(&["report.json", "index"]) {
        assert!(out_dir.join(name).exists(), "{name} written");
    }
    assert_invariant(&out_dir);

    let report = read_json(&out_dir.join("report.json"));
    let totals = &report["totals"];
    assert_eq!(totals["records"], 10);
    assert_eq!(totals["accepted"], 8);
    assert_eq!(totals["quarantined"], 2);
    assert_eq!(report["reasons"]["empty_text"], 1);
    assert_eq!(report["reasons"]["no_letters"], 1);
    assert_eq!(totals["unknown_theme"], 1);
    assert_eq!(totals["unknown_level"], 1);

    // The same text from two districts, once with other quotes and spacing,
    // is one idea with three members, two of them copies.
    let roadmap = read_json(&out_dir.join("roadmap.json"));
    let elderly = &roadmap["themes"][0];
    assert_eq!(elderly["slug"], "elderly");
    let item = &elderly["levels"][0]["items"][0];
    assert_eq!(item["support"]["proposals"], 3);
    assert_eq!(
        item["support"]["districts"],
        serde_json::json!(["СЗФО", "СКФО"])
    );
    assert_eq!(item["support"]["verbatim"], 2);

    // The unknown theme keeps its own section, last, with the raw value.
    let last = roadmap["themes"].as_array().unwrap().last().unwrap();
    assert_eq!(last["slug"], "unknown");
    assert_eq!(last["levels"][0]["slug"], "unspecified");
    assert_eq!(
        last["levels"][0]["items"][0]["raw_labels"][0],
        "тема: Разное"
    );
    let md = std::fs::read_to_string(out_dir.join("roadmap.md")).unwrap();
    assert!(md.contains("## 5. Тема не распознана"), "{md}");
    assert!(md.contains("### Уровень не указан"));

    // A district implied by the region is marked as inferred.
    let proposals = read_jsonl(&out_dir.join("proposals.jsonl"));
    let u2 = proposals.iter().find(|p| p["id"] == "ufo.json#2").unwrap();
    assert_eq!(u2["district"], "ufo");
    assert_eq!(u2["inferred"], serde_json::json!(["district"]));
}

#[test]
fn same_input_same_bytes_whatever_threads_and_order() {
    let basic = fixture("tests/basic");
    let files: Vec<_> = ["ufo.json", "szfo.csv", "skfo.csv"]
        .iter()
        .map(|f| basic.join(f))
        .collect();
    let reversed: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let runs = [
        build(&[&basic], &["--threads", "1"]),
        build(&[&basic], &["--threads", "2"]),
        build(&reversed, &["--threads", "2"]),
    ];
    for (_, out_dir, out) in &runs {
        assert_eq!(code(out), 0, "{}", stderr(out));
        let _ = out_dir;
    }
    for name in DETERMINISTIC {
        let first = std::fs::read(runs[0].1.join(name)).unwrap();
        for (_, out_dir, _) in &runs[1..] {
            assert!(
                first == std::fs::read(out_dir.join(name)).unwrap(),
                "{name} differs"
            );
        }
    }
}

#[test]
fn bundled_sample_is_the_default_input() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let out = sborka(&["build", "--out", out_dir.to_str().unwrap(), "--quiet"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "--quiet prints nothing");
    assert_invariant(&out_dir);
    let report = read_json(&out_dir.join("report.json"));
    assert_eq!(report["files"].as_array().unwrap().len(), 9);
    assert!(report["totals"]["accepted"].as_u64().unwrap() >= 400);
    let roadmap = read_json(&out_dir.join("roadmap.json"));
    let themes: Vec<&str> = roadmap["themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert!(themes.len() >= 15, "every theme has items: {themes:?}");
    // Some idea was proposed in several districts.
    let max_districts = roadmap["themes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["levels"].as_array().unwrap())
        .flat_map(|l| l["items"].as_array().unwrap())
        .map(|i| i["support"]["districts"].as_array().unwrap().len())
        .max()
        .unwrap();
    assert!(max_districts >= 2, "an idea from several districts");
}

#[test]
fn bad_inputs_say_where_and_exit_as_designed() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out_dir = tmp.path().join("out");
    let out_arg = out_dir.to_str().unwrap();
    let missing = tmp.path().join("missing");

    let cases: [(Vec<String>, i32, String); 3] = [
        (
            vec![missing.display().to_string()],
            1,
            format!(
                "sborka: error: {}: no such file or folder\n",
                missing.display()
            ),
        ),
        (
            vec![empty.display().to_string()],
            1,
            format!(
                "sborka: error: {}: no exports found (looked for .csv, ",
                empty.display()
            ),
        ),
        (
            vec![fixture("tests/notext").display().to_string()],
            1,
            "no text column (headers: Тема, Уровень, Округ)".to_string(),
        ),
    ];
    for (inputs, want_code, want_msg) in cases {
        let mut args = vec!["build".to_string()];
        args.extend(inputs);
        args.extend(["--out".to_string(), out_arg.to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = sborka(&args);
        assert_eq!(code(&out), want_code, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&want_msg),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(!out_dir.exists(), "nothing built for {args:?}");
    }
    let notext = stderr(&sborka(&[
        "build",
        fixture("tests/notext").to_str().unwrap(),
        "--out",
        out_arg,
    ]));
    assert!(
        notext.contains("themes-only.csv: no text column"),
        "names the file: {notext}"
    );

    // One unreadable file among good ones: built, listed, exit 2.
    let (_tmp, out_dir, out) = build(&[&fixture("tests/notext"), &fixture("tests/basic")], &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("sborka: themes-only.csv: no text column"));
    let report = read_json(&out_dir.join("report.json"));
    assert_eq!(report["totals"]["files_failed"], 1);
    assert_invariant(&out_dir);
}

#[test]
fn a_failed_build_leaves_the_previous_output() {
    let (_tmp, out_dir, out) = build(&[&fixture("tests/basic")], &[]);
    assert_eq!(code(&out), 0);
    let before = std::fs::read(out_dir.join("roadmap.md")).unwrap();
    let out = sborka(&[
        "build",
        fixture("tests/notext").to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 1);
    assert_eq!(std::fs::read(out_dir.join("roadmap.md")).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(out_dir.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "out" && n != ".out.lock")
        .collect();
    assert!(
        leftovers.is_empty(),
        "no staging folder left: {leftovers:?}"
    );
}

#[test]
fn report_follows_its_schema() {
    let (_tmp, out_dir, out) = build(&[&fixture("tests/basic")], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = read_json(&out_dir.join("report.json"));
    let schema = read_json(&root().join("schema/report.schema.json"));
    // The whole report follows the schema (a validator that is not ours);
    // status agrees with error.
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    for f in report["files"].as_array().unwrap() {
        assert_eq!(f["status"] == "ok", f["error"].is_null());
        assert_eq!(f["sha256"].as_str().unwrap().len(), 64);
    }
    let digest = report["inputs_sha256"].as_str().unwrap();
    assert_eq!(digest.len(), 64);
    // The same inputs give the same digest; another input another.
    let (_t2, again, _) = build(&[&fixture("tests/basic")], &[]);
    assert_eq!(
        read_json(&again.join("report.json"))["inputs_sha256"],
        digest
    );
    let (_t3, other, _) = build(&[&fixture("tests/basic").join("skfo.csv")], &[]);
    assert_ne!(
        read_json(&other.join("report.json"))["inputs_sha256"],
        digest
    );
}

#[test]
fn quarantine_csv_neutralizes_formulas() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("hostile.csv");
    std::fs::write(
        &input,
        "id;text;theme\n=HYPERLINK(\"http://x\";\"y\");;@SUM(1)\n+7;—;-1\n",
    )
    .unwrap();
    let out_dir = tmp.path().join("out");
    let out = sborka(&[
        "build",
        input.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    // Nothing was accepted, but the file was read: a build with an empty
    // roadmap.
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let csv = std::fs::read_to_string(out_dir.join("quarantine.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    for row in reader.records() {
        for cell in row.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a cell starts like a formula: {cell:?}"
            );
        }
    }
    // The source id «+7» would be a formula in a spreadsheet; it is kept
    // as text.
    assert!(csv.contains(",'+7,no_letters,"), "{csv}");
}

#[test]
fn catalog_override_and_limits_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let export = tmp.path().join("exports");
    std::fs::create_dir(&export).unwrap();
    std::fs::write(
        export.join("a.csv"),
        "Идея;Тема\nСоздать школу ухода за пожилыми;Пожилые\n",
    )
    .unwrap();
    let out_dir = tmp.path().join("out");
    let (e, o) = (export.to_str().unwrap(), out_dir.to_str().unwrap());

    // «Идея» is not a known header: its content makes it the text, and
    // the report says so with a warning.
    let out = sborka(&["build", e, "--out", o]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = read_json(&out_dir.join("report.json"));
    assert_eq!(report["files"][0]["text_column"]["column"], "Идея");
    assert_eq!(report["files"][0]["text_column"]["by"], "content");
    assert!(
        report["warnings"]
            .to_string()
            .contains("read «Идея» as the text"),
        "{report}"
    );

    // An analyst adds the spelling in a catalogue folder.
    let catalog = tmp.path().join("catalog");
    std::fs::create_dir(&catalog).unwrap();
    std::fs::write(
        catalog.join("headers.toml"),
        "[fields]\ntext = [\"Идея\"]\ntheme = [\"Тема\"]\n",
    )
    .unwrap();
    let out = sborka(&[
        "build",
        e,
        "--out",
        o,
        "--catalog",
        catalog.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = read_json(&out_dir.join("report.json"));
    assert_eq!(report["totals"]["accepted"], 1);
    // Named in the catalogue, it is no longer a guess.
    assert!(report["files"][0]["text_column"].is_null(), "{report}");
    assert!(
        report["catalog"]["headers.toml"]
            .as_str()
            .unwrap()
            .ends_with("headers.toml")
    );
    assert_eq!(report["catalog"]["themes.toml"], "embedded");
    // The lexicon's files come through the same loader, and say so.
    assert_eq!(report["catalog"]["synonyms.toml"], "embedded");

    // A folder with no catalogue file is refused.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = sborka(&["build", e, "--out", o, "--catalog", empty.to_str().unwrap()]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("holds none of districts.toml"),
        "{}",
        stderr(&out)
    );

    // Limits: a text longer than --max-text-chars is quarantined.
    let out = sborka(&[
        "build",
        fixture("tests/basic").to_str().unwrap(),
        "--out",
        o,
        "--max-text-chars",
        "50",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = read_json(&out_dir.join("report.json"));
    assert!(
        report["reasons"]["text_too_long"].as_u64().unwrap() >= 1,
        "{report}"
    );
    assert_invariant(&out_dir);
}

#[test]
fn search_shows_the_roadmap_representative() {
    let (_tmp, out_dir, out) = build(&[&fixture("exports")], &["-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let roadmap = read_json(&out_dir.join("roadmap.json"));
    let items: Vec<&serde_json::Value> = roadmap["themes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["levels"].as_array().unwrap())
        .flat_map(|l| l["items"].as_array().unwrap())
        .filter(|i| i["members"].as_array().unwrap().len() > 1)
        .take(5)
        .collect();
    assert!(!items.is_empty(), "some idea has several members");
    for item in items {
        let text = item["text"].as_str().unwrap();
        let query: String = text
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" ");
        let query: String = query
            .chars()
            .filter(|c| c.is_alphanumeric() || c.is_whitespace())
            .collect();
        let out = sborka(&[
            "search",
            &query,
            "--in",
            out_dir.to_str().unwrap(),
            "--format",
            "json",
            "--limit",
            "100",
        ]);
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let hit = json["hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["cluster"] == item["cluster"])
            .unwrap_or_else(|| panic!("{query:?} finds its idea"));
        assert_eq!(
            hit["text"], item["text"],
            "the hit shows the roadmap's representative"
        );
    }
}

#[test]
fn reading_documents_cap_ideas_per_level_but_json_keeps_all() {
    let (_tmp, out_dir, out) = build(&[&fixture("exports")], &["--items-per-level", "2", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // roadmap.json still holds every proposal in exactly one idea.
    assert_invariant(&out_dir);
    let roadmap = read_json(&out_dir.join("roadmap.json"));
    let longest = roadmap["themes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["levels"].as_array().unwrap())
        .map(|l| l["items"].as_array().unwrap().len())
        .max()
        .unwrap();
    assert!(longest > 2, "some level has more than two ideas");
    let md = std::fs::read_to_string(out_dir.join("roadmap.md")).unwrap();
    let html = std::fs::read_to_string(out_dir.join("roadmap.html")).unwrap();
    assert!(
        md.contains("… и ещё"),
        "the Markdown says what it leaves out"
    );
    assert!(html.contains("… и ещё"), "the HTML says what it leaves out");
    let shown = html.matches("<article class=\"item\"").count();
    let levels: usize = roadmap["themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["levels"].as_array().unwrap().len())
        .sum();
    assert!(
        shown <= 2 * levels,
        "{shown} ideas shown for {levels} levels"
    );
}
