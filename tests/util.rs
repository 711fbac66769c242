use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The repository root: fixtures are addressed from here.
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn fixture(name: &str) -> PathBuf {
    root().join("fixtures").join(name)
}

/// Runs `sborka` with `args` in `cwd`.
pub(crate) fn sborka_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sborka"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the sborka binary runs")
}

pub(crate) fn sborka(args: &[&str]) -> Output {
    sborka_in(&root(), args)
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn code(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

pub(crate) fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) fn read_jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}: {l}", path.display())))
        .collect()
}

/// Builds `inputs` into a fresh temporary folder; returns it (kept alive by
/// the guard) and the process output.
pub(crate) fn build(inputs: &[&Path], extra: &[&str]) -> (tempfile::TempDir, PathBuf, Output) {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let mut args: Vec<String> = vec!["build".into()];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    args.push("--out".into());
    args.push(out_dir.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sborka(&args);
    (tmp, out_dir, out)
}

/// Asserts the accounting invariant of a build: per file records =
/// accepted + quarantined, the line counts of proposals.jsonl and
/// quarantine.jsonl match the report, and every accepted proposal is a
/// member of exactly one roadmap item.
pub(crate) fn assert_invariant(out_dir: &Path) {
    let report = read_json(&out_dir.join("report.json"));
    let proposals = read_jsonl(&out_dir.join("proposals.jsonl"));
    let quarantine = read_jsonl(&out_dir.join("quarantine.jsonl"));
    let roadmap = read_json(&out_dir.join("roadmap.json"));

    let mut accepted = 0;
    let mut quarantined = 0;
    for f in report["files"].as_array().unwrap() {
        let (r, a, q) = (
            f["records"].as_u64().unwrap(),
            f["accepted"].as_u64().unwrap(),
            f["quarantined"].as_u64().unwrap(),
        );
        assert_eq!(
            r,
            a + q,
            "records = accepted + quarantined for {}",
            f["file"]
        );
        let name = f["file"].as_str().unwrap();
        let in_proposals = proposals
            .iter()
            .filter(|p| p["source"]["file"] == name)
            .count() as u64;
        let in_quarantine = quarantine
            .iter()
            .filter(|q| q["source"]["file"] == name)
            .count() as u64;
        assert_eq!(in_proposals, a, "proposals.jsonl lines of {name}");
        assert_eq!(in_quarantine, q, "quarantine.jsonl lines of {name}");
        accepted += a;
        quarantined += q;
    }
    assert_eq!(report["totals"]["accepted"].as_u64().unwrap(), accepted);
    assert_eq!(
        report["totals"]["quarantined"].as_u64().unwrap(),
        quarantined
    );

    let mut membership: BTreeMap<String, usize> = BTreeMap::new();
    for theme in roadmap["themes"].as_array().unwrap() {
        for level in theme["levels"].as_array().unwrap() {
            for item in level["items"].as_array().unwrap() {
                let members = item["members"].as_array().unwrap();
                assert_eq!(
                    members.len() as u64,
                    item["support"]["proposals"].as_u64().unwrap()
                );
                for m in members {
                    *membership
                        .entry(m["id"].as_str().unwrap().to_string())
                        .or_default() += 1;
                }
            }
        }
    }
    for p in &proposals {
        let id = p["id"].as_str().unwrap();
        assert_eq!(
            membership.get(id),
            Some(&1),
            "{id} is in exactly one roadmap item"
        );
    }
    assert_eq!(
        membership.len(),
        proposals.len(),
        "no roadmap member outside proposals.jsonl"
    );
}
