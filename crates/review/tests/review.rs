//! The review loop from the analyst's side: the queue a build gives, the
//! sheet it becomes, the answers read back, and what the next build does
//! with them.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod support;

use sborka_dedup::Deduper;
use sborka_review::{Answer, Build, COLUMNS, questions, read_answers, resolve, sheet};

/// Texts of two ideas in several wordings, and a third idea that is the
/// first's twin.
const TEXTS: [&str; 8] = [
    "Открыть школу ухода для родственников пожилых с деменцией",
    "Предлагаем открыть школу ухода для родственников пожилых с деменцией",
    "Обучать родных, которые ухаживают дома за стариками с болезнью Альцгеймера, в специальной школе",
    "Открыть школу ухода для родственников детей-инвалидов",
    "Создать пункты проката технических средств реабилитации при КЦСОН",
    "Создать при КЦСОН пункты проката ТСР",
    "Выдавать напрокат коляски и ходунки в центрах соцобслуживания",
    "Ввести мораторий на строительство домов-интернатов",
];

fn answer(a: &str, b: &str, same: bool, row: u64) -> Answer {
    Answer {
        text_a: a.into(),
        text_b: b.into(),
        same,
        file: "answers.csv".into(),
        sheet: None,
        row,
    }
}

#[test]
fn a_written_sheet_reads_back_with_its_answers() {
    let d = Deduper::new();
    let prepared = d.prepare(&TEXTS);
    let clustering = d.clustering(&prepared);
    let build = Build::from_clustering(&TEXTS, &clustering);
    let asked = questions(&build, &[], 100);
    assert!(!asked.is_empty(), "{clustering:?}");
    let decisions: Vec<Option<bool>> = (0..asked.len())
        .map(|i| match i % 3 {
            0 => Some(true),
            1 => Some(false),
            _ => None,
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        (
            "answers.xlsx",
            sheet::xlsx_answered(&asked, &decisions).unwrap(),
        ),
        ("answers.csv", sheet::csv_answered(&asked, &decisions)),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let (answers, problems) = read_answers(&[path], &Default::default());
        assert!(problems.is_empty(), "{name}: {problems:?}");
        let want: Vec<(String, String, bool)> = asked
            .iter()
            .zip(&decisions)
            .filter_map(|(q, d)| d.map(|same| (q.text_a.clone(), q.text_b.clone(), same)))
            .collect();
        let got: Vec<(String, String, bool)> = answers
            .iter()
            .map(|a| (a.text_a.clone(), a.text_b.clone(), a.same))
            .collect();
        assert_eq!(got, want, "{name}");
        // Rows are named where they are: the header is row 1.
        assert_eq!(answers[0].row, 2, "{name}");
    }
    // The same questions give the same bytes.
    assert_eq!(sheet::xlsx(&asked).unwrap(), sheet::xlsx(&asked).unwrap());
}

#[test]
fn the_csv_has_the_contract_columns_a_bom_and_no_formulas() {
    let d = Deduper::new();
    let texts = ["=1+1 создать центры", "Создать центры"];
    let build = Build::from_clustering(&texts, &d.clustering(&d.prepare(&texts)));
    let mut asked = questions(&build, &[], 10);
    if asked.is_empty() {
        // A hand-made question is enough to check the shape.
        asked.push(sborka_review::Question {
            kind: sborka_review::Kind::Merge,
            text_a: texts[0].into(),
            text_b: texts[1].into(),
            support_a: 1,
            support_b: 1,
            districts_a: vec![],
            districts_b: vec![],
            score: 0.5,
            cluster_a: "c1".into(),
            cluster_b: "c2".into(),
            id_a: "0".into(),
            id_b: "1".into(),
            theme: None,
            level: None,
            effect: 1.0,
        });
    }
    let bytes = sheet::csv(&asked);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with('\u{feff}'));
    let header = text.trim_start_matches('\u{feff}').lines().next().unwrap();
    assert_eq!(header, COLUMNS.join(","));
    assert!(!text.contains(",=1+1"), "{text}");
}

#[test]
fn answers_in_any_spelling_and_problems_named_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.csv");
    std::fs::write(
        &path,
        "text_a,text_b,decision\nа,б,ДА\nв,г, нет \nд,е,+\nж,з,−\nи,к,\nл,м,может быть\nн,,да\n",
    )
    .unwrap();
    let missing = dir.path().join("missing.xlsx");
    let (answers, problems) = read_answers(&[path, missing], &Default::default());
    let got: Vec<(&str, bool, u64)> = answers
        .iter()
        .map(|a| (a.text_a.as_str(), a.same, a.row))
        .collect();
    assert_eq!(
        got,
        [
            ("а", true, 2),
            ("в", false, 3),
            ("д", true, 4),
            ("ж", false, 5)
        ]
    );
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert!(shown[0].contains("missing.xlsx") && shown[0].contains("no such file"));
    assert!(shown[1].contains("a.csv line 7") && shown[1].contains("может быть"));
    assert!(shown[2].contains("a.csv line 8") && shown[2].contains("both texts"));
}

#[test]
fn stale_and_conflicting_answers_are_named_never_applied() {
    let texts = &TEXTS;
    let answers = [
        // Applied.
        answer(TEXTS[4], TEXTS[6], true, 2),
        // Stale: the text is gone.
        answer(TEXTS[0], "Текст, которого нет", true, 3),
        // a = b, b = c, a ≠ c: all three set aside.
        answer(TEXTS[0], TEXTS[2], true, 4),
        answer(TEXTS[2], TEXTS[3], true, 5),
        answer(TEXTS[0], TEXTS[3], false, 6),
        // One pair answered both ways.
        answer(TEXTS[7], TEXTS[5], true, 7),
        answer(TEXTS[5], TEXTS[7], false, 8),
    ];
    let r = resolve(&answers, texts);
    assert_eq!(r.applied(), 1, "{r:?}");
    assert_eq!(r.stale.len(), 1);
    assert_eq!(r.stale[0].row, 3);
    let rows: Vec<Vec<u64>> = r
        .conflicts
        .iter()
        .map(|c| c.answers.iter().map(|a| a.row).collect())
        .collect();
    assert!(rows.contains(&vec![4, 5, 6]), "{rows:?}");
    assert!(rows.contains(&vec![7, 8]), "{rows:?}");
    // The order of the answers does not matter.
    let mut reversed = answers.to_vec();
    reversed.reverse();
    assert_eq!(resolve(&reversed, texts), r);
    // Only the applied answer shapes the clusters.
    let d = Deduper::new();
    let clustering = d.clustering_with(&d.prepare(texts), &r.constraints);
    let of = |i: u32| {
        clustering
            .clusters
            .iter()
            .position(|c| c.members.contains(&i))
    };
    assert_eq!(of(4), of(6));
    assert_ne!(of(0), of(3));
}

/// The analyst played from the gold labels, twenty answers a night.
/// Measured: F1 0.333 before any answer, 0.749 after 140 (0.4 × the 350
/// rows); the bar of 0.95 is out of reach of one question per
/// merge when the machine leaves 242 ideas for 67 (README, Review).
#[test]
fn answers_raise_f1_on_the_gold_set() {
    let data = support::analyst::load("gold").unwrap();
    let steps = support::analyst::play(&data, 7, 20);
    let first = &steps[0];
    let last = steps.last().unwrap();
    assert!(last.answers <= 140);
    for s in &steps {
        eprintln!("{} answers: F1 {:.3}", s.answers, s.f1);
        assert!(
            s.precision >= 0.999,
            "answers from the labels keep precision"
        );
    }
    assert!(steps.windows(2).all(|w| w[1].f1 >= w[0].f1 - 1e-9));
    assert!(
        first.f1 < 0.4 && last.f1 >= 0.72,
        "{:.3} → {:.3}",
        first.f1,
        last.f1
    );
}

/// LibreOffice opens the workbook (where `soffice` is installed).
#[test]
fn libreoffice_opens_the_workbook() {
    let Ok(status) = std::process::Command::new("soffice")
        .arg("--version")
        .output()
    else {
        eprintln!("soffice is not installed: the workbook is not opened in LibreOffice");
        return;
    };
    assert!(status.status.success());
    let d = Deduper::new();
    let build = Build::from_clustering(&TEXTS, &d.clustering(&d.prepare(&TEXTS)));
    let asked = questions(&build, &[], 100);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.xlsx");
    std::fs::write(&path, sheet::xlsx(&asked).unwrap()).unwrap();
    let out = std::process::Command::new("soffice")
        .args(["--headless", "--convert-to", "csv", "--outdir"])
        .arg(dir.path())
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let csv = std::fs::read_to_string(dir.path().join("review.csv")).unwrap();
    assert!(csv.starts_with("question,text_a,text_b"), "{csv}");
}
