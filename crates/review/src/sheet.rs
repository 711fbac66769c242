//! The review queue as a sheet analysts fill in: XLSX (a drop-down for the
//! answer, an explanation sheet) or CSV (UTF-8 with a byte-order mark and
//! commas, which Russian Excel opens right).

use rust_xlsxwriter::{
    DataValidation, DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, XlsxError,
};

use crate::COLUMNS;
use crate::queue::Question;

/// A question's cells, in the order of [`COLUMNS`], with its decision.
fn cells(q: &Question, decision: Option<bool>) -> [Cell<'_>; 15] {
    [
        Cell::Text(q.kind.name().into()),
        Cell::Text(q.text_a.as_str().into()),
        Cell::Text(q.text_b.as_str().into()),
        Cell::Number(q.support_a as f64),
        Cell::Number(q.support_b as f64),
        Cell::Text(q.districts_a.join(", ").into()),
        Cell::Text(q.districts_b.join(", ").into()),
        Cell::Number((f64::from(q.score) * 1000.0).round() / 1000.0),
        Cell::Text(match decision {
            Some(true) => "да".into(),
            Some(false) => "нет".into(),
            None => "".into(),
        }),
        Cell::Text(q.cluster_a.as_str().into()),
        Cell::Text(q.cluster_b.as_str().into()),
        Cell::Text(q.id_a.as_str().into()),
        Cell::Text(q.id_b.as_str().into()),
        Cell::Text(q.theme.as_deref().unwrap_or("").into()),
        Cell::Text(q.level.as_deref().unwrap_or("").into()),
    ]
}

enum Cell<'a> {
    Text(std::borrow::Cow<'a, str>),
    Number(f64),
}

/// The explanation sheet, a line a row.
const EXPLANATION: &[&str] = &[
    "Очередь вопросов sborka: ответы аналитиков, которые сборка учитывает при каждой следующей сборке.",
    "",
    "Каждая строка листа «Вопросы» — один вопрос о двух текстах (text_a и text_b).",
    "merge — две идеи, которые машина оставила раздельными, хотя модель сочла их похожими: это одна идея?",
    "member — предложение, чья связь с идеей наименее надёжна, и главный текст идеи: это одна идея?",
    "",
    "Впишите в столбец decision «да» (одна идея) или «нет» (разные идеи); пустую строку сборка пропустит.",
    "Подходят также yes / no, 1 / 0, + / − в любом регистре.",
    "",
    "support_a, support_b — сколько предложений у каждой идеи; districts_a, districts_b — их округа;",
    "score — вероятность, с которой модель считает тексты одной идеей. Вопросы упорядочены по ожидаемому эффекту:",
    "сколько предложений затрагивает ответ, умноженное на неуверенность машины.",
    "",
    "Затем: sborka build ЭКСПОРТЫ --decisions ЭТОТ_ФАЙЛ (или папка с такими файлами).",
    "Ответ привязан к текстам обеих сторон, а не к номерам строк или файлам: он переживёт переэкспорт и новые файлы.",
    "«да» объединяет две идеи, «нет» разделяет их, даже если модель считает иначе.",
    "Противоречащие ответы (a = b, b = c, a ≠ c) сборка не применяет и называет с файлом и строкой;",
    "ответы о текстах, которых больше нет, называются устаревшими. Всё это — в report.json.",
];

/// The queue as an XLSX workbook: «Вопросы» (frozen header, autofilter,
/// wrapped texts, a да / нет drop-down in `decision`) and «Как отвечать».
/// The same questions give the same bytes (the document's dates are
/// fixed).
pub fn xlsx(questions: &[Question]) -> Result<Vec<u8>, XlsxError> {
    xlsx_answered(questions, &[])
}

/// [`xlsx`] with the decisions already filled in (`decisions[i]` for
/// question `i`; missing ones empty): a queue a script answered.
pub fn xlsx_answered(
    questions: &[Question],
    decisions: &[Option<bool>],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let date = ExcelDateTime::from_ymd(2018, 3, 2)?;
    book.set_properties(
        &DocProperties::new()
            .set_title("sborka: очередь вопросов")
            .set_creation_datetime(&date),
    );
    let header = Format::new().set_bold().set_text_wrap();
    let wrapped = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let top = Format::new().set_align(FormatAlign::Top);
    let sheet = book.add_worksheet().set_name("Вопросы")?;
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &header)?;
    }
    const WIDTHS: [f64; 15] = [
        9.0, 60.0, 60.0, 10.0, 10.0, 18.0, 18.0, 8.0, 10.0, 20.0, 20.0, 22.0, 22.0, 16.0, 14.0,
    ];
    for (c, w) in WIDTHS.iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    for (r, q) in questions.iter().enumerate() {
        let row = r as u32 + 1;
        for (c, cell) in cells(q, decisions.get(r).copied().flatten())
            .iter()
            .enumerate()
        {
            let col = c as u16;
            let format = if matches!(c, 1 | 2 | 5 | 6) {
                &wrapped
            } else {
                &top
            };
            match cell {
                // Strings are strings: a text that starts with «=» is never
                // a formula.
                Cell::Text(t) => sheet.write_string_with_format(row, col, t.as_ref(), format)?,
                Cell::Number(n) => sheet.write_number_with_format(row, col, *n, format)?,
            };
        }
    }
    let last = questions.len().max(1) as u32;
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last, COLUMNS.len() as u16 - 1)?;
    let decision = COLUMNS
        .iter()
        .position(|c| *c == "decision")
        .expect("a decision column") as u16;
    let validation = DataValidation::new()
        .allow_list_strings(&["да", "нет"])?
        .set_input_title("Одна идея?")?
        .set_input_message("да — одна идея, нет — разные идеи")?;
    sheet.add_data_validation(1, decision, last, decision, &validation)?;
    let help = book.add_worksheet().set_name("Как отвечать")?;
    help.set_column_width(0, 120)?;
    for (r, line) in EXPLANATION.iter().enumerate() {
        help.write_string(r as u32, 0, *line)?;
    }
    book.save_to_buffer()
}

/// The queue as CSV: UTF-8 with a byte-order mark, `,` between cells, a
/// cell that would start like a formula (`=`, `+`, `-`, `@`) prefixed
/// with `'` (which the answer's key ignores).
pub fn csv(questions: &[Question]) -> Vec<u8> {
    csv_answered(questions, &[])
}

/// [`csv`] with the decisions already filled in.
pub fn csv_answered(questions: &[Question], decisions: &[Option<bool>]) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record(COLUMNS).expect("writing to memory");
        for (r, q) in questions.iter().enumerate() {
            let row: Vec<String> = cells(q, decisions.get(r).copied().flatten())
                .iter()
                .map(|cell| match cell {
                    Cell::Text(t) if t.starts_with(['=', '+', '-', '@']) => format!("'{t}"),
                    Cell::Text(t) => t.to_string(),
                    Cell::Number(n) => n.to_string(),
                })
                .collect();
            w.write_record(&row).expect("writing to memory");
        }
        w.flush().expect("writing to memory");
    }
    out
}
