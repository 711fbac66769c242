//! A second night (fixtures/tests/nights): one export removed, one added
//! with new ideas and more copies of known ones. The six lists of
//! changes.json, the section of the documents and the summary line.

use std::path::Path;

use serde_json::Value;

use crate::util::*;

/// (text, before, after) of each entry of one list, sorted by text.
fn list(changes: &Value, kind: &str) -> Vec<(String, u64, u64)> {
    let mut out: Vec<(String, u64, u64)> = changes["ideas"][kind]
        .as_array()
        .unwrap_or_else(|| panic!("{kind}: {changes}"))
        .iter()
        .map(|e| {
            (
                e["text"].as_str().unwrap().to_string(),
                e["before"].as_u64().unwrap(),
                e["after"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Texts and proposals of an entry's `from` or `to` ideas, sorted.
fn sides(entry: &Value, which: &str) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = entry[which]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["text"].as_str().unwrap().to_string(),
                s["proposals"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn entry(text: &str, before: u64, after: u64) -> (String, u64, u64) {
    (text.to_string(), before, after)
}

const NURSES: &str = "Создать в каждом районе службу сиделок для пожилых граждан";
const COURSES: &str = "Открыть бесплатные курсы компьютерной грамотности для пенсионеров";
const POOL: &str = "Построить бассейн для детей с инвалидностью в каждом городе";
const QUEUE: &str = "Ввести электронную очередь в учреждения соцобслуживания";
const CAMPS: &str = "Организовать летние лагеря для детей из многодетных семей";
const HOTLINE: &str = "Запустить горячую линию психологической помощи подросткам";
const PROSTHESES: &str = "Выдавать сертификаты на протезы напрямую людям с инвалидностью";

fn assert_schema(changes: &Value) {
    let schema = read_json(&root().join("schema/changes.schema.json"));
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid");
    let errors: Vec<String> = validator
        .iter_errors(changes)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

fn build_into(input: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "build",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let run = sborka(&args);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    run
}

#[test]
fn a_second_night_says_what_changed() {
    let nights = fixture("tests/nights");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");

    // The first night: nothing to compare with.
    let first = build_into(&nights.join("first"), &out, &[]);
    assert!(
        stderr(&first).contains("(первая сборка)"),
        "{}",
        stderr(&first)
    );
    assert!(!out.join("changes.json").exists());
    let md = std::fs::read_to_string(out.join("roadmap.md")).unwrap();
    assert!(md.contains("## Что изменилось с прошлой сборки\n\nЭто первая сборка"));
    let digest = read_json(&out.join("report.json"))["inputs_sha256"].clone();

    // The second night, into the same folder.
    let second = build_into(&nights.join("second"), &out, &[]);
    assert!(
        stderr(&second)
            .contains("(с прошлой сборки: +2 новые идеи, 1 исчезла, 2 выросли, 1 уменьшилась)"),
        "{}",
        stderr(&second)
    );
    let changes = read_json(&out.join("changes.json"));
    assert_schema(&changes);
    assert_eq!(changes["previous"]["inputs_sha256"], digest);
    assert_eq!(changes["previous"]["proposals"], 8);
    assert_eq!(changes["previous"]["ideas"], 5);
    assert_eq!(
        list(&changes, "new"),
        [entry(PROSTHESES, 0, 1), entry(HOTLINE, 0, 1)]
    );
    assert_eq!(list(&changes, "gone"), [entry(CAMPS, 1, 0)]);
    // The idea whose copy left with c.csv and came back with d.csv has as
    // many proposals as before: not listed.
    assert_eq!(
        list(&changes, "grown"),
        [entry(COURSES, 1, 2), entry(NURSES, 2, 3)]
    );
    assert_eq!(list(&changes, "shrunk"), [entry(POOL, 2, 1)]);
    assert_eq!(list(&changes, "merged"), []);
    assert_eq!(list(&changes, "split"), []);
    assert_eq!(changes["counts"]["new"], 2);

    // The section of every reading document.
    let md = std::fs::read_to_string(out.join("roadmap.md")).unwrap();
    assert!(md.contains("С прошлой сборки"), "{md}");
    assert!(md.contains("### Новые идеи — 2"));
    assert!(md.contains("### Выросли — 2"));
    assert!(md.contains("было 2 → стало 3 предложения"));
    let html = std::fs::read_to_string(out.join("roadmap.html")).unwrap();
    assert!(html.contains("<h3>Исчезли — 1</h3>"));
    assert!(html.contains(CAMPS));

    // A third night on the same exports: nothing changed.
    let third = build_into(&nights.join("second"), &out, &[]);
    assert!(stderr(&third).contains("(с прошлой сборки: без изменений)"));
}

/// The previous build as an analyst might have left it: two ideas put
/// together, one idea cut in two. The ideas are matched by their members,
/// so tonight's grouping shows them split and merged.
#[test]
fn merged_and_split_follow_the_members_not_the_cluster_ids() {
    let nights = fixture("tests/nights");
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    build_into(&nights.join("first"), &first, &[]);

    let previous = tmp.path().join("previous");
    std::fs::create_dir(&previous).unwrap();
    std::fs::copy(first.join("report.json"), previous.join("report.json")).unwrap();
    let lines = read_jsonl(&first.join("proposals.jsonl"));
    let nurses = lines.iter().find(|p| p["id"] == "a.csv#1").unwrap()["cluster"].clone();
    let mut doctored = String::new();
    for mut p in lines {
        match p["id"].as_str().unwrap() {
            // The courses were put with the nurses.
            "a.csv#2" => p["cluster"] = nurses.clone(),
            // The queue's two copies were two ideas.
            "b.csv#2" => p["cluster"] = "c00000000000000e1".into(),
            "c.csv#3" => p["cluster"] = "c00000000000000e2".into(),
            _ => {}
        }
        doctored.push_str(&serde_json::to_string(&p).unwrap());
        doctored.push('\n');
    }
    std::fs::write(previous.join("proposals.jsonl"), doctored).unwrap();

    let since = previous.to_str().unwrap();
    let outs = [tmp.path().join("one"), tmp.path().join("two")];
    build_into(
        &nights.join("second"),
        &outs[0],
        &["--since", since, "--threads", "1"],
    );
    build_into(
        &nights.join("second"),
        &outs[1],
        &["--since", since, "--threads", "2"],
    );
    let bytes = std::fs::read(outs[0].join("changes.json")).unwrap();
    assert!(
        bytes == std::fs::read(outs[1].join("changes.json")).unwrap(),
        "changes.json is the same on 1 and 2 threads"
    );
    let changes = read_json(&outs[0].join("changes.json"));
    assert_schema(&changes);
    assert_eq!(
        list(&changes, "new"),
        [entry(PROSTHESES, 0, 1), entry(HOTLINE, 0, 1)]
    );
    assert_eq!(list(&changes, "gone"), [entry(CAMPS, 1, 0)]);
    assert_eq!(list(&changes, "grown"), []);
    assert_eq!(list(&changes, "shrunk"), [entry(POOL, 2, 1)]);
    // The queue's copy in c.csv is gone with it, and the copy in d.csv is
    // paired with it by text.
    assert_eq!(list(&changes, "merged"), [entry(QUEUE, 2, 2)]);
    let merged = &changes["ideas"]["merged"][0];
    assert_eq!(
        sides(merged, "from"),
        [(QUEUE.to_string(), 1), (QUEUE.to_string(), 1)]
    );
    assert_eq!(sides(merged, "to"), [(QUEUE.to_string(), 2)]);
    // The previous idea's text is its first proposal's.
    assert_eq!(list(&changes, "split"), [entry(NURSES, 3, 5)]);
    let split = &changes["ideas"]["split"][0];
    assert_eq!(sides(split, "from"), [(NURSES.to_string(), 3)]);
    assert_eq!(
        sides(split, "to"),
        [(COURSES.to_string(), 2), (NURSES.to_string(), 3)]
    );
    let md = std::fs::read_to_string(outs[0].join("roadmap.md")).unwrap();
    assert!(md.contains("### Объединены — 1"), "{md}");
    assert!(md.contains("### Разделены — 1"));
}

#[test]
fn since_must_name_a_build() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = sborka(&[
        "build",
        fixture("tests/nights/first").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--since",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&run), 1, "{}", stderr(&run));
    assert!(stderr(&run).contains("no build there"), "{}", stderr(&run));
    assert!(!out.exists());
}

#[test]
fn an_unreadable_previous_build_is_said_and_the_build_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    build_into(&fixture("tests/nights/first"), &out, &[]);
    std::fs::write(out.join("proposals.jsonl"), "{not json\n").unwrap();
    let run = build_into(&fixture("tests/nights/second"), &out, &[]);
    assert!(
        stderr(&run).contains("warning: cannot read the previous build"),
        "{}",
        stderr(&run)
    );
    assert!(!out.join("changes.json").exists());
    let md = std::fs::read_to_string(out.join("roadmap.md")).unwrap();
    assert!(md.contains("Прошлую сборку в папке вывода прочитать не удалось"));
    let report = read_json(&out.join("report.json"));
    assert!(
        report["warnings"][0]
            .as_str()
            .unwrap()
            .contains("previous build")
    );
}
