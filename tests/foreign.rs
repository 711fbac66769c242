//! Exports no one here wrote (fixtures/foreign): a petition portal's XLS
//! and a regional appeals CSV without a known text header, a folder with a
//! UTF-16 text file beside a PDF, a binary `.dat` and an Excel lock file.

use serde_json::Value;

use crate::util::*;

/// The report's entry of `file`.
fn file<'r>(report: &'r Value, name: &str) -> &'r Value {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == name)
        .unwrap_or_else(|| panic!("{name} in {report}"))
}

fn accepted_share(entry: &Value) -> f64 {
    entry["accepted"].as_f64().unwrap() / entry["records"].as_f64().unwrap()
}

#[test]
fn a_petition_portals_xls_builds() {
    let xls = fixture("foreign/roi-petitions.xls");
    let (_tmp, out_dir, out) = build(&[&xls], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_invariant(&out_dir);
    let report = read_json(&out_dir.join("report.json"));
    let f = file(&report, "roi-petitions.xls");
    assert_eq!(f["records"], 40);
    assert!(accepted_share(f) >= 0.95, "{f}");
    // The choice of the text column, and why, with its title.
    assert_eq!(f["text_column"]["column"], "description");
    assert_eq!(f["text_column"]["title"], "name");
    assert_eq!(f["text_column"]["by"], "header_word");
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains(
            "roi-petitions.xls: no header is a known text column; read «description» as the text"
        ),
        "{warnings}"
    );
    assert!(
        stderr(&out).contains("read «description» as the text"),
        "{}",
        stderr(&out)
    );
    let proposals = read_jsonl(&out_dir.join("proposals.jsonl"));
    for p in &proposals {
        let text = p["text"].as_str().unwrap();
        // «name. description», the HTML made text, paragraphs kept.
        assert!(
            !text.contains("<div") && !text.contains("<br") && !text.contains("&quot;"),
            "{text}"
        );
        assert!(!text.contains("<script"), "{text}");
        assert!(p["level"].is_string(), "jurisdiction is the level: {p}");
        assert!(
            p["source"]["source_id"]
                .as_str()
                .unwrap()
                .starts_with("Инициатива №"),
            "{p}"
        );
    }
    let first = proposals[0]["text"].as_str().unwrap();
    let name = first.split(". ").next().unwrap();
    assert!(!name.is_empty() && first.len() > name.len() + 40, "{first}");
    assert!(
        proposals
            .iter()
            .any(|p| p["text"].as_str().unwrap().contains('\n'))
    );
}

#[test]
fn a_regional_appeals_csv_builds() {
    let csv = fixture("foreign/obrashcheniya-nso.csv");
    let (_tmp, out_dir, out) = build(&[&csv], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_invariant(&out_dir);
    let report = read_json(&out_dir.join("report.json"));
    let f = file(&report, "obrashcheniya-nso.csv");
    assert_eq!(f["encoding"], "windows-1251");
    assert_eq!(
        (f["records"].as_u64(), f["quarantined"].as_u64()),
        (Some(32), Some(1))
    );
    assert!(accepted_share(f) >= 0.95, "{f}");
    assert_eq!(f["text_column"]["column"], "Текст Сообщения");
    assert_eq!(f["text_column"]["by"], "header_word");
    // The portal's topics are not session themes: the text places most.
    let inferred = f["inferred_theme"].as_u64().unwrap();
    assert!(inferred >= 15, "{f}");
    assert_eq!(report["totals"]["inferred_theme"].as_u64(), Some(inferred));
    let proposals = read_jsonl(&out_dir.join("proposals.jsonl"));
    for p in proposals
        .iter()
        .filter(|p| p["theme_confidence"].is_number())
    {
        let confidence = p["theme_confidence"].as_f64().unwrap();
        assert!((0.57..=1.0).contains(&confidence), "{p}");
        assert!(p["inferred"].to_string().contains("theme"), "{p}");
        // The portal's topic is kept where it was not placed.
        assert!(p["extra"]["theme"].is_string(), "{p}");
    }
    // The roadmap says how many themes came from the text.
    let md = std::fs::read_to_string(out_dir.join("roadmap.md")).unwrap();
    assert!(md.contains(&format!("Тема {inferred} предложени")), "{md}");
    let roadmap = read_json(&out_dir.join("roadmap.json"));
    assert_eq!(roadmap["totals"]["inferred_theme"].as_u64(), Some(inferred));
}

/// Every file of the folder is read or named with its reason, in
/// report.json and on stderr; the UTF-16 `.txt` is read.
#[test]
fn a_folder_passes_over_nothing_in_silence() {
    let folder = fixture("foreign/folder");
    let (_tmp, out_dir, out) = build(&[&folder], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = read_json(&out_dir.join("report.json"));
    let f = file(&report, "pfo-perm-unicode.txt");
    assert_eq!(f["encoding"], "utf-16le");
    assert_eq!(f["delimiter"], "\t");
    assert_eq!(
        (f["records"].as_u64(), f["accepted"].as_u64()),
        (Some(29), Some(29))
    );
    assert_eq!(report["files"].as_array().unwrap().len(), 1);
    let skipped: Vec<(&str, &str)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["file"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("pribor.dat", "binary content, not a table"),
            ("programma-sessii.pdf", "a PDF document, not a table"),
            (
                "~$svod.xlsx",
                "an office lock file (Microsoft Office: the workbook is open somewhere), not an export"
            ),
        ]
    );
    let err = stderr(&out);
    for (name, reason) in &skipped {
        assert!(
            err.contains(&format!("sborka: {name}: passed over: {reason}")),
            "{err}"
        );
    }
    // The labels as a person reads them: «Площадка N. …», «Соц. работник
    // будущего», «краевой», «муниц.»; «не знаю» stays unplaced.
    let proposals = read_jsonl(&out_dir.join("proposals.jsonl"));
    let by_text = |start: &str| {
        proposals
            .iter()
            .find(|p| p["text"].as_str().unwrap().starts_with(start))
            .unwrap_or_else(|| panic!("{start}"))
    };
    let p = by_text("Доплата социальным работникам");
    assert_eq!(
        (p["theme"].as_str(), p["level"].as_str()),
        (Some("social-worker"), Some("regional"))
    );
    assert!(p["inferred"].to_string().contains("\"theme\""), "{p}");
    assert!(
        p["theme_confidence"].is_null(),
        "a label, not the text: {p}"
    );
    let p = by_text("Организовать доставку горячих обедов");
    assert_eq!(
        (p["theme"].as_str(), p["level"].as_str()),
        (Some("elderly"), Some("municipal"))
    );
    let p = by_text("Семейные клубы");
    assert_eq!(p["level"], Value::Null);
    assert_eq!(p["unrecognized"]["level"], "не знаю");
    assert_eq!(f["unknown_level"], 2);
}

/// `--text-column` fixes a wrong choice; `check` prints the choice.
#[test]
fn the_text_column_can_be_named() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("a.csv");
    std::fs::write(
        &csv,
        "Тематика;Комментарий модератора;Идея\n\
         Семья;Передано в профильный отдел для рассмотрения по существу;Открыть кризисное отделение для матерей с детьми\n\
         Пожилые;Передано в профильный отдел для рассмотрения по существу;Служба сиделок\n",
    )
    .unwrap();
    let path = csv.to_str().unwrap();
    let out = sborka(&["check", path]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("text column: no header is a known text column; read «Комментарий модератора» as the text (it holds the longest Russian text)"),
        "{text}"
    );
    let out = sborka(&["check", path, "--text-column", "идея", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let f = &json["files"][0];
    assert!(f["text_column"].is_null(), "{f}");
    assert_eq!(f["columns"][2]["field"], "text");
    assert_eq!(f["columns"][1]["field"], Value::Null);
}

/// A portal's «Excel» export that is an HTML page (named `.xls`, or
/// `.html`), and delimited text named `.xls`: read as the tables they are,
/// the name's claim said in the report. A page without a table is passed
/// over, named.
#[test]
fn an_excel_export_that_is_a_web_page_or_text_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("exports");
    std::fs::create_dir(&folder).unwrap();
    let page = "<HTML><body><h1>Выгрузка инициатив</h1>\n<TABLE border=1>\n\
        <tr><th colspan=\"3\">Инициативы граждан, 2018</th></tr>\n\
        <tr><th>№</th><th>Текст инициативы</th><th>Тема</th></tr>\n\
        <tr><td>17</td><td>Создать <b>школу</b> ухода за пожилыми &amp; их родными</td>\
        <td>Старшее поколение</td></tr>\n\
        <tr><td>18</td><td>Открыть пункты проката ТСР<br>в каждом районе</td><td></td></tr>\n\
        </TABLE></body></HTML>";
    std::fs::write(folder.join("vygruzka.xls"), page).unwrap();
    std::fs::write(folder.join("portal.html"), page).unwrap();
    std::fs::write(
        folder.join("svod.xls"),
        "text;theme\nВвести выплату многодетным семьям;Семья\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("about.html"),
        "<html><body><p>О сессии</p></body></html>",
    )
    .unwrap();
    let (_tmp, out_dir, out) = build(&[&folder], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = read_json(&out_dir.join("report.json"));
    for name in ["vygruzka.xls", "portal.html"] {
        let f = file(&report, name);
        assert_eq!(f["format"], "html", "{f}");
        assert_eq!(
            (f["records"].as_u64(), f["accepted"].as_u64()),
            (Some(2), Some(2)),
            "{f}"
        );
        assert_eq!(f["header_row"], 2, "the title row above the header: {f}");
        assert_eq!(f["sheets"][0]["name"], "таблица 1", "{f}");
    }
    let named = |name: &str| file(&report, name)["problems"].to_string();
    assert!(named("vygruzka.xls").contains("named as a workbook, but it is text"));
    assert!(!named("portal.html").contains("named as a workbook"));
    let f = file(&report, "svod.xls");
    assert_eq!(
        (f["format"].as_str(), f["accepted"].as_u64()),
        (Some("csv"), Some(1)),
        "{f}"
    );
    assert!(named("svod.xls").contains("named as a workbook, but it is text"));
    let skipped = report["skipped"].to_string();
    assert!(
        skipped.contains("about.html") && skipped.contains("a document without a table"),
        "{skipped}"
    );

    let proposals = read_jsonl(&out_dir.join("proposals.jsonl"));
    let school = proposals
        .iter()
        .find(|p| p["id"] == "vygruzka.xls#таблица 1#1")
        .unwrap_or_else(|| panic!("{proposals:?}"));
    assert_eq!(
        school["text"],
        "Создать школу ухода за пожилыми & их родными"
    );
    assert_eq!(school["theme"], "elderly");
    assert_eq!(school["source"]["source_id"], "17");
    assert_eq!(school["source"]["line"], 3, "the row of the table");
    let tsr = proposals
        .iter()
        .find(|p| p["id"] == "portal.html#таблица 1#2")
        .unwrap_or_else(|| panic!("{proposals:?}"));
    assert_eq!(tsr["text"], "Открыть пункты проката ТСР\nв каждом районе");
}
