use crate::util::*;

#[test]
fn check_reports_each_file_without_building() {
    let tmp = tempfile::tempdir().unwrap();
    let out = sborka_in(
        tmp.path(),
        &[
            "check",
            fixture("tests/basic").to_str().unwrap(),
            fixture("tests/notext").to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&out), 2, "an unreadable file: {}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let files = json["files"].as_array().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["skfo.csv", "szfo.csv", "themes-only.csv", "ufo.json"]
    );
    assert_eq!(files[0]["delimiter"], ";");
    assert_eq!(files[1]["delimiter"], ",");
    assert_eq!(json["records"], 10);
    assert_eq!(json["quarantined"], 2);
    assert!(
        files[2]["error"]
            .as_str()
            .unwrap()
            .starts_with("no text column")
    );
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "nothing written"
    );

    let text = sborka(&["check", fixture("tests/basic").to_str().unwrap()]);
    assert_eq!(code(&text), 0);
    let text = stdout(&text);
    assert!(
        text.contains("problem: record 4 (line 5) of skfo.csv: no proposal text"),
        "{text}"
    );
    assert!(
        text.contains("columns: id → id; district → district"),
        "{text}"
    );
}
