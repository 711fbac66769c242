use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

use crate::util::*;

/// One build of the basic fixture shared by the search tests.
fn built() -> &'static PathBuf {
    static BUILT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, dir) = BUILT.get_or_init(|| {
        let (tmp, out_dir, out) = build(&[&fixture("tests/basic")], &["--quiet"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        (tmp, out_dir)
    });
    dir
}

fn search_json(args: &[&str]) -> (i32, Value) {
    let dir = built().to_str().unwrap().to_string();
    let mut all = vec!["search", "--in", &dir, "--format", "json"];
    all.extend(args);
    let out = sborka(&all);
    let json = serde_json::from_str(&stdout(&out)).unwrap_or(Value::Null);
    (code(&out), json)
}

fn ids(json: &Value) -> Vec<String> {
    let mut ids: Vec<String> = json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn words_phrases_facets_and_grouping() {
    let cases: [(&[&str], &[&str]); 7] = [
        // Word forms meet through the stemmer; grouped by idea by default.
        (&["пожилые"], &["skfo.csv#1"]),
        (
            &["пожилым", "--all"],
            &["skfo.csv#1", "skfo.csv#5", "szfo.csv#1"],
        ),
        // Facets are exact; any catalogue spelling works.
        (
            &["пожилых", "--all", "--district", "Северо-Западный ФО"],
            &["szfo.csv#1"],
        ),
        (
            &["очередь", "--all", "--level", "фед."],
            &["szfo.csv#2", "ufo.json#1"],
        ),
        (&["очередь", "--all", "--region", "66"], &["ufo.json#1"]),
        // Negations are words like any other.
        (
            &["\"без личного визита\"", "--all"],
            &["szfo.csv#2", "ufo.json#1"],
        ),
        (&["ярмарки", "--theme", "Пожилые"], &[]),
    ];
    for (args, want) in cases {
        let (status, json) = search_json(args);
        assert_eq!(ids(&json), want, "{args:?}");
        assert_eq!(status, if want.is_empty() { 1 } else { 0 }, "{args:?}");
    }
    let (_, json) = search_json(&["пожилых"]);
    let hit = &json["hits"][0];
    assert_eq!(hit["cluster_proposals"], 3);
    assert_eq!(hit["cluster_districts"], 2);
}

#[test]
fn errors_are_one_line_with_status_2() {
    let dir = built().to_str().unwrap().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(Vec<&str>, &str); 3] = [
        (
            vec!["search", "x", "--in", &dir, "--district", "Марс"],
            "--district \"Марс\" is not a known value; valid values: СЗФО",
        ),
        (vec!["search", "пожилых AND (", "--in", &dir], "query:"),
        (
            vec!["search", "x", "--in", tmp.path().to_str().unwrap()],
            "no index here; run `sborka build --out",
        ),
    ];
    for (args, want) in cases {
        let out = sborka(&args);
        assert_eq!(code(&out), 2, "{args:?}");
        let err = stderr(&out);
        assert!(
            err.starts_with("sborka: error: ") && err.contains(want),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}
