use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::util::*;

/// A corpus big enough for every stage to take a moment in a debug build.
fn write_corpus(dir: &Path, rows: usize) -> PathBuf {
    let path = dir.join("corpus.csv");
    let groups = [
        "пожилых",
        "инвалидов",
        "многодетных семей",
        "детей-сирот",
        "ветеранов",
    ];
    let objects = [
        "службу сиделок",
        "пункт проката",
        "школу ухода",
        "социальное такси",
        "кризисный центр",
    ];
    let places = [
        "в каждом районе",
        "на селе",
        "в малых городах",
        "на базе КЦСОН",
    ];
    let mut csv = String::from("id;district;level;text\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "{i};СКФО;региональный;Создать {} для {} {} № {}\n",
            objects[i % objects.len()],
            groups[(i / 5) % groups.len()],
            places[(i / 25) % places.len()],
            i % 997
        ));
    }
    std::fs::write(&path, csv).unwrap();
    path
}

fn spawn_build(input: &Path, out_dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sborka"))
        .args(["build", "-v", "--out"])
        .arg(out_dir)
        .arg(input)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("sborka starts")
}

/// Reads the child's stderr until a line starts with `prefix`.
fn wait_for_line(child: &mut Child, prefix: &str) -> bool {
    let stderr = child.stderr.as_mut().unwrap();
    let mut reader = BufReader::new(stderr);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return false;
        }
        if line.starts_with(prefix) {
            return true;
        }
    }
}

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn sigkill_at_any_stage_leaves_the_previous_output() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = write_corpus(tmp.path(), 4000);
    let out_dir = tmp.path().join("out");
    // The previous output: the basic fixture.
    let out = sborka(&[
        "build",
        fixture("tests/basic").to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let before = files_of(&out_dir);

    for stage in [
        "read",
        "normalize",
        "cluster",
        "index",
        "assemble",
        "render",
        "publish",
    ] {
        let mut child = spawn_build(&corpus, &out_dir);
        let seen = wait_for_line(&mut child, &format!("sborka: {stage}…"));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let after = files_of(&out_dir);
        if stage == "publish" && after != before {
            // Killed after the swap: the new output must then be whole.
            assert_invariant(&out_dir);
            continue;
        }
        assert!(seen, "the build reached {stage}");
        assert!(
            after == before,
            "killed at {stage}: the previous output is intact"
        );
        let search = sborka(&["search", "сиделок", "--in", out_dir.to_str().unwrap()]);
        assert_eq!(
            code(&search),
            0,
            "search works after a kill at {stage}: {}",
            stderr(&search)
        );
    }

    // The next build succeeds and sweeps the killed builds' staging folders.
    let out = sborka(&[
        "build",
        corpus.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_invariant(&out_dir);
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("building"))
        .collect();
    assert!(names.is_empty(), "leftover staging folders: {names:?}");
}

#[test]
fn a_second_build_into_the_same_folder_exits_naming_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = write_corpus(tmp.path(), 4000);
    let out_dir = tmp.path().join("out");
    let mut first = spawn_build(&corpus, &out_dir);
    assert!(
        wait_for_line(&mut first, "sborka: read…"),
        "the first build started"
    );

    let second = sborka(&[
        "build",
        fixture("tests/basic").to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code(&second), 1, "{}", stderr(&second));
    let message = stderr(&second);
    let pid = first.id().to_string();
    assert!(
        message.contains("is being built by sborka build pid") && message.contains(&pid),
        "{message}"
    );
    assert!(message.contains("--wait"), "{message}");
    // When it started, as a person reads a time: local, ISO 8601.
    let started = message
        .split("(started ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("a start time in {message}"));
    assert!(
        started.len() == 25 && started.parse::<jiff::Timestamp>().is_ok(),
        "{started}"
    );

    // Drain the first build's stderr so it is never blocked on a full pipe.
    let status = {
        let stderr = first.stderr.take().unwrap();
        std::io::copy(&mut BufReader::new(stderr), &mut std::io::sink()).unwrap();
        first.wait().unwrap()
    };
    assert!(status.success());
    // The output is the first build's, whole: no mixed files.
    assert_invariant(&out_dir);
    let report = read_json(&out_dir.join("report.json"));
    assert_eq!(report["totals"]["accepted"], 4000);
}

#[test]
fn wait_and_keep_prev() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = write_corpus(tmp.path(), 2000);
    let out_dir = tmp.path().join("out");
    let basic = fixture("tests/basic");
    let mut first = spawn_build(&corpus, &out_dir);
    assert!(wait_for_line(&mut first, "sborka: read…"));
    // Waits for the first build, then replaces its output, keeping it.
    let second = sborka(&[
        "build",
        basic.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--wait",
        "--keep-prev",
        "-q",
    ]);
    let stderr_first = first.stderr.take().unwrap();
    std::io::copy(&mut BufReader::new(stderr_first), &mut std::io::sink()).unwrap();
    assert!(first.wait().unwrap().success());
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    let now = read_json(&out_dir.join("report.json"));
    let prev = read_json(&tmp.path().join("out.prev").join("report.json"));
    assert_eq!(now["totals"]["accepted"], 8);
    assert_eq!(prev["totals"]["accepted"], 2000);
}
