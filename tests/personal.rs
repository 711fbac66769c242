//! An export full of personal data — in columns and in texts, of every kind
//! sborka finds — and numbers that only look personal: no personal value
//! reaches any byte of any published output (the DOCX unzipped, the search
//! page and API fetched, the command line's search run), and every
//! look-alike survives as written.

use std::path::Path;

use serde_json::Value;

use crate::roadmap::unzip;
use crate::serve::{Server, encode};
use crate::util::*;

/// The CSV export: personal columns (ФИО … Паспорт) and texts with every
/// kind. Row 2 differs from row 1 only by its contacts: one idea. Row 7 has
/// no text (quarantined), row 8 a theme with a phone, row 9 a quote never
/// closed (its raw line holds a name).
const CSV: &str = "\
№;ФИО;Телефон;Email;Адрес;Дата рождения;СНИЛС;Паспорт;Текст предложения;Тема;Уровень;Субъект РФ;Примечание
1;Кондратьева Алевтина Павловна;+7 (912) 345-67-01;kondratieva.a@example.ru;г. Пермь, ул. Сибирская, д. 14, кв. 3;14.02.1961;112-233-445 95;5704 123456;Открыть горячую линию для многодетных семей, звоните 8 (912) 345-67-01 или пишите kondratieva.a@example.ru;Семья;Региональный;59;перезвонить 8-912-345-67-02
2;Лопатин Игорь Семёнович;+7 912 765-43-21;lopatin_i@example.com;г. Пермь, ул. Ленина, д. 50;03.09.1984;987-654-321 00;5705 765432;Открыть горячую линию для многодетных семей, звоните +7 912 765-43-21 или пишите lopatin_i@example.com;Семья;Региональный;59;
3;;;;;;;;Прошу учесть опыт сиделок: мой СНИЛС 123-456-789 64, паспорт 57 04 № 654321, ИНН 500100732259;;Федеральный;;
4;;;;;;;;Поддержать НКО «Забота» (ИНН 7707083893) сбором средств на карту 4111 1111 1111 1111;;Региональный;;
5;;;;;;;;Инициатива Вышинского В. А. и И. П. Сомовой: создать клубы общения для пожилых;;Муниципальный;;
6;;;;;;;;Исполнить Федеральный закон № 442-ФЗ «Об основах социального обслуживания» к 12.03.2018, выделить 1 500 000 руб. на регион 26, код ОКВЭД 88.10;;Федеральный;;
7;Зайцева Ольга Ивановна;8 900 000 00 07;;;;;;;;;;ольга.зайцева@почта.рф
8;;;;;;;;Создать в каждом районе пункт проката средств реабилитации;связаться: 8 (3452) 12-34-56;Муниципальный;;
9;\"Петухова Нина Сергеевна;;;;;;;Провести форум;;;;
10;;;;;;;;Организовать ярмарки вакансий для людей с инвалидностью;;Региональный;;
";

/// The JSON Lines export: personal keys, and a broken line with a name.
const JSONL: &str = r#"{"ФИО": "Мельникова Дарья Олеговна", "phone": "+7 (913) 111-22-33", "text": "Создать службу сопровождения выпускников детских домов, e-mail melnikova.d@example.org", "district": "СФО"}
{"text": "Ввести бесплатное обучение компьютерной грамотности пенсионеров", "ФИО": "Носов Пётр", "Контакты": "тел. 12-34-56", "district": "СФО"}
{"ФИО": "Шубина Вера Львовна", "text": "оборвано
"#;

/// Spellings of personal values, none of which may appear in an output.
const SECRETS: &[&str] = &[
    "Кондратьева",
    "Алевтина",
    "345-67-01",
    "345-67-02",
    "kondratieva",
    "example.ru",
    "Сибирская",
    "14.02.1961",
    "112-233-445",
    "11223344595",
    "5704 123456",
    "Лопатин",
    "765-43-21",
    "lopatin",
    "ул. Ленина",
    "03.09.1984",
    "987-654-321",
    "765432",
    "123-456-789 64",
    "654321",
    "500100732259",
    "7707083893",
    "4111 1111",
    "Вышинск",
    "Сомов",
    "Зайцева",
    "900 000 00 07",
    "ольга.зайцева",
    "почта.рф",
    "3452) 12",
    "12-34-56",
    "Петухова",
    "Мельникова",
    "111-22-33",
    "melnikova",
    "example.org",
    "Носов",
    "Шубина",
];

/// Numbers that only look personal, as written in row 6.
const KEPT: &[&str] = &[
    "№ 442-ФЗ",
    "12.03.2018",
    "1 500 000 руб.",
    "регион 26",
    "ОКВЭД 88.10",
];

const LOOKALIKES: &str = "Исполнить Федеральный закон № 442-ФЗ «Об основах социального \
     обслуживания» к 12.03.2018, выделить 1 500 000 руб. на регион 26, код ОКВЭД 88.10";

fn exports() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("perm.csv"), CSV).unwrap();
    std::fs::write(dir.path().join("sfo.jsonl"), JSONL).unwrap();
    dir
}

/// Every file of a build but the index, as text (the DOCX's parts one by
/// one), by name.
fn outputs(out_dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(out_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            // The index: its segment files, as bytes (the stored texts are
            // compressed; the search runs below read them).
            for seg in std::fs::read_dir(&path).unwrap() {
                let seg = seg.unwrap().path();
                let bytes = std::fs::read(&seg).unwrap();
                files.push((seg.display().to_string(), lossy(&bytes)));
            }
        } else if name.ends_with(".docx") || name.ends_with(".xlsx") {
            for (part, bytes) in unzip(&std::fs::read(&path).unwrap()) {
                files.push((format!("{name}/{part}"), lossy(&bytes)));
            }
        } else {
            files.push((name, lossy(&std::fs::read(&path).unwrap())));
        }
    }
    files.sort();
    files
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Case aside: the index's word list (`lemmas.tsv`) holds words folded
/// to lower case.
fn assert_no_secret(what: &str, text: &str) {
    let text = text.to_lowercase();
    for secret in SECRETS {
        assert!(
            !text.contains(&secret.to_lowercase()),
            "{what} holds the personal value {secret:?}"
        );
    }
}

/// Everything the search shows: the command line in both formats, the API
/// and the page, over every proposal.
fn searched(out_dir: &Path) -> Vec<(String, String)> {
    let dir = out_dir.to_str().unwrap();
    let mut shown = Vec::new();
    for format in ["text", "json"] {
        for grouping in [&["--all"][..], &[]] {
            let mut args = vec!["search", "", "--in", dir, "--limit", "100", "--facets"];
            args.extend(["--format", format]);
            args.extend(grouping);
            let out = sborka(&args);
            assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
            shown.push((format!("sborka {}", args.join(" ")), stdout(&out)));
        }
    }
    // A personal value is no word of the index either.
    for word in [
        "Кондратьева",
        "kondratieva",
        "Вышинского",
        "Мельникова",
        "Носов",
    ] {
        let out = sborka(&["search", word, "--in", dir, "--exact"]);
        assert_eq!(code(&out), 1, "{word} found: {}", stdout(&out));
    }
    let server = Server::start(out_dir);
    for path in [
        "/api/search?q=&all=1&limit=100&facets=1".to_string(),
        "/api/search?q=&limit=100".to_string(),
        "/?q=&all=1&limit=100".to_string(),
        format!("/?q={}", encode("линию")),
        "/roadmap.html".to_string(),
    ] {
        let (status, body) = server.get(&path);
        assert_eq!(status, 200, "{path}");
        shown.push((format!("GET {path}"), body));
    }
    shown
}

#[test]
fn no_personal_value_reaches_a_published_output() {
    let input = exports();
    let (_tmp, out_dir, out) = build(&[input.path()], &["--threads", "2"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("personal data kept out of the outputs: 20 cells"),
        "{}",
        stderr(&out)
    );
    assert_invariant(&out_dir);

    let files = outputs(&out_dir);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "proposals.jsonl",
        "quarantine.csv",
        "quarantine.jsonl",
        "report.json",
        "roadmap.docx/word/document.xml",
        "roadmap.html",
        "roadmap.json",
        "roadmap.md",
        // roadmap.xlsx's «Идеи» and «Предложения» (inline strings).
        "roadmap.xlsx/xl/worksheets/sheet1.xml",
        "roadmap.xlsx/xl/worksheets/sheet2.xml",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    for (name, text) in files.iter().chain(&searched(&out_dir)) {
        assert_no_secret(name, text);
    }

    // The look-alikes survive as written, in every document.
    for (name, text) in &files {
        let shows_texts = [
            "roadmap.html",
            "roadmap.md",
            "roadmap.json",
            "proposals.jsonl",
        ]
        .contains(&name.as_str())
            || name == "roadmap.docx/word/document.xml"
            || name == "roadmap.xlsx/xl/worksheets/sheet2.xml";
        if shows_texts {
            for kept in KEPT {
                assert!(text.contains(kept), "{name} lost {kept:?}");
            }
        }
    }
    let proposals = read_jsonl(&out_dir.join("proposals.jsonl"));
    let text_of = |id: &str| {
        proposals
            .iter()
            .find(|p| p["id"] == id)
            .map(|p| p["text"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{id} accepted"))
    };
    assert_eq!(text_of("perm.csv#6"), LOOKALIKES);
    // The masks read as part of the sentence.
    let hotline = "Открыть горячую линию для многодетных семей, звоните [телефон скрыт] \
                   или пишите [e-mail скрыт]";
    assert_eq!(text_of("perm.csv#1"), hotline);
    assert_eq!(
        text_of("perm.csv#3"),
        "Прошу учесть опыт сиделок: мой СНИЛС [СНИЛС скрыт], паспорт [паспорт скрыт], \
         ИНН [ИНН скрыт]"
    );
    assert_eq!(
        text_of("perm.csv#4"),
        "Поддержать НКО «Забота» (ИНН [ИНН скрыт]) сбором средств на карту [номер карты скрыт]"
    );
    assert_eq!(
        text_of("perm.csv#5"),
        "Инициатива [ФИО скрыто] и [ФИО скрыто]: создать клубы общения для пожилых"
    );
    // No personal column in `extra`; the other columns masked.
    let first = proposals.iter().find(|p| p["id"] == "perm.csv#1").unwrap();
    assert_eq!(
        first["extra"],
        serde_json::json!({"Примечание": "перезвонить [телефон скрыт]"})
    );
    assert_eq!(first["theme"], "family");
    // A theme the catalogue could not place is kept as written, masked:
    // here in `extra`, as the text placed the theme (реабилитация).
    let eighth = proposals.iter().find(|p| p["id"] == "perm.csv#8").unwrap();
    assert_eq!(eighth["extra"]["theme"], "связаться: [телефон скрыт]");
    assert_eq!(eighth["theme"], "equal-rights");
    assert!(eighth["theme_confidence"].is_number(), "{eighth}");

    // Two proposals that differ only by their contacts are one idea.
    let roadmap = read_json(&out_dir.join("roadmap.json"));
    let items: Vec<&Value> = roadmap["themes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["levels"].as_array().unwrap())
        .flat_map(|l| l["items"].as_array().unwrap())
        .collect();
    let hot = items.iter().find(|i| i["text"] == hotline).unwrap();
    assert_eq!(hot["support"]["proposals"], 2);
    assert_eq!(hot["support"]["verbatim"], 1);

    // The quarantine keeps neither personal columns nor lines holding them.
    let quarantine = read_jsonl(&out_dir.join("quarantine.jsonl"));
    let raw_of = |id: &str, record: u64| {
        quarantine
            .iter()
            .find(|q| q["source"]["file"] == id && q["source"]["record"] == record)
            .map(|q| q["raw"].clone())
            .unwrap_or_else(|| panic!("{id} record {record} quarantined"))
    };
    let seventh = raw_of("perm.csv", 7);
    assert!(seventh.get("ФИО").is_none() && seventh.get("Телефон").is_none());
    assert_eq!(seventh["Примечание"], "[e-mail скрыт]");
    let withheld = "[не показано: в таблице есть столбцы с персональными данными]";
    assert_eq!(raw_of("perm.csv", 9)["line"], withheld);
    assert_eq!(raw_of("sfo.jsonl", 3)["line"], withheld);

    // report.json counts what was masked, by file and kind; the columns
    // say which are personal.
    let report = read_json(&out_dir.join("report.json"));
    let masked = |file: &str| {
        report["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == file)
            .map(|f| f["masked"].clone())
            .unwrap()
    };
    assert_eq!(
        masked("perm.csv"),
        serde_json::json!({"column": 16, "phone": 4, "email": 3, "snils": 1, "inn": 2,
                           "passport": 1, "card": 1, "name": 2})
    );
    assert_eq!(
        masked("sfo.jsonl"),
        serde_json::json!({"column": 4, "phone": 0, "email": 1, "snils": 0, "inn": 0,
                           "passport": 0, "card": 0, "name": 0})
    );
    assert_eq!(report["personal"]["kept_in_proposals_jsonl"], false);
    assert_eq!(report["personal"]["masked"]["column"], 20);
    assert_eq!(report["personal"]["masked"]["phone"], 4);
    let columns = &report["files"][0]["columns"];
    assert_eq!(
        columns[1],
        serde_json::json!({"header": "ФИО", "field": "personal"})
    );

    // The roadmap's method says what was removed and how.
    let method = roadmap["method"].to_string();
    assert!(method.contains("Персональные данные"), "{method}");
    assert!(method.contains("не скопировано 20 значений"), "{method}");
    assert!(method.contains("номера телефонов — 4"), "{method}");
    let html = std::fs::read_to_string(out_dir.join("roadmap.html")).unwrap();
    assert!(html.contains("[телефон скрыт]"));

    // The same input gives the same bytes whatever the threads.
    let (_tmp1, one, _) = build(&[input.path()], &["--threads", "1"]);
    for name in [
        "roadmap.json",
        "proposals.jsonl",
        "quarantine.jsonl",
        "roadmap.md",
    ] {
        assert_eq!(
            std::fs::read(one.join(name)).unwrap(),
            std::fs::read(out_dir.join(name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn keep_personal_keeps_it_in_proposals_jsonl_only() {
    let input = exports();
    let (_tmp, out_dir, out) = build(&[input.path()], &["--keep-personal", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("WARNING: --keep-personal"),
        "said even with -q: {}",
        stderr(&out)
    );
    let report = read_json(&out_dir.join("report.json"));
    assert_eq!(report["personal"]["kept_in_proposals_jsonl"], true);
    assert!(
        report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("--keep-personal")),
        "{}",
        report["warnings"]
    );

    let proposals = read_jsonl(&out_dir.join("proposals.jsonl"));
    let first = proposals.iter().find(|p| p["id"] == "perm.csv#1").unwrap();
    // `text` stays what the build read, so a review sheet made from this
    // file keys its answers as the next build does; the original is beside it.
    assert_eq!(
        first["text"],
        "Открыть горячую линию для многодетных семей, звоните [телефон скрыт] или пишите \
         [e-mail скрыт]"
    );
    assert_eq!(
        first["text_as_written"],
        "Открыть горячую линию для многодетных семей, звоните 8 (912) 345-67-01 или пишите \
         kondratieva.a@example.ru"
    );
    assert_eq!(first["extra"]["ФИО"], "Кондратьева Алевтина Павловна");
    assert_eq!(first["extra"]["Примечание"], "перезвонить 8-912-345-67-02");
    // The look-alikes' proposal had nothing to keep.
    let sixth = proposals.iter().find(|p| p["id"] == "perm.csv#6").unwrap();
    assert_eq!(sixth["text"], LOOKALIKES);
    assert!(sixth.get("text_as_written").is_none(), "{sixth}");

    // Everything else is masked all the same.
    for (name, text) in outputs(&out_dir) {
        if name != "proposals.jsonl" {
            assert_no_secret(&name, &text);
        }
    }
}

#[test]
fn check_names_personal_columns_and_counts() {
    let input = exports();
    let csv = input.path().join("perm.csv");
    let out = sborka(&["check", csv.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(
        text.contains("ФИО → personal; Телефон → personal"),
        "{text}"
    );
    assert!(
        text.contains(
            "personal data: 16 cells of personal columns left out; masked in texts: \
             phone 4, email 3, snils 1, inn 2, passport 1, card 1, name 2"
        ),
        "{text}"
    );
}
