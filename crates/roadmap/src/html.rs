//! `roadmap.html`: one self-contained page (inline CSS, no scripts needed).

use std::fmt::Write;

use crate::model::{Item, Roadmap};
use crate::plural;

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1d232b}
h1{font-size:1.8rem}h2{margin-top:2.5rem;border-bottom:2px solid #d8dee6}
table{border-collapse:collapse}td,th{border:1px solid #d8dee6;padding:.2rem .6rem;text-align:left}
.item{margin:.8rem 0;padding:.6rem .8rem;border-left:4px solid #3b6ea8;background:#f5f8fb}
.meta{color:#55606e;font-size:.9rem}
@media print{h2{break-before:page}details{display:block}details>*{display:block}.item{break-inside:avoid}}
";

pub fn render_html(r: &Roadmap) -> String {
    let mut o = String::new();
    let _ = write_doc(&mut o, r);
    o
}

fn write_doc(o: &mut String, r: &Roadmap) -> std::fmt::Result {
    writeln!(
        o,
        "<!DOCTYPE html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(
        o,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        o,
        "<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>",
        escape(&r.title)
    )?;
    writeln!(
        o,
        "<h1>{}</h1>\n<p>{}</p>",
        escape(&r.title),
        escape(&r.subtitle)
    )?;
    if let Some(date) = &r.date {
        writeln!(o, "<p>Дата: {}</p>", escape(date))?;
    }
    let t = &r.totals;
    writeln!(o, "<h2 id=\"totals\">Итоги</h2>\n<table>")?;
    for (name, value) in [
        ("записей прочитано", t.records),
        ("предложений принято", t.proposals),
        ("различных идей", t.ideas),
        ("федеральных округов", t.districts),
        ("субъектов РФ", t.regions),
        ("в карантине", t.quarantined),
        ("тема не распознана", t.unknown_theme),
        ("уровень не указан", t.unknown_level),
    ] {
        writeln!(o, "<tr><th>{name}</th><td>{value}</td></tr>")?;
    }
    writeln!(o, "</table>")?;
    writeln!(o, "<nav><h2 id=\"toc\">Содержание</h2>\n<ol>")?;
    for theme in &r.themes {
        writeln!(
            o,
            "<li><a href=\"#theme-{}\">{}</a> — {} {}</li>",
            escape(&theme.slug),
            escape(&theme.name),
            theme.ideas,
            plural(theme.ideas, "идея", "идеи", "идей")
        )?;
    }
    writeln!(o, "</ol></nav>")?;
    for theme in &r.themes {
        writeln!(o, "<section id=\"theme-{}\">", escape(&theme.slug))?;
        writeln!(o, "<h2>{}</h2>", escape(&theme.name))?;
        for level in &theme.levels {
            writeln!(
                o,
                "<h3 id=\"theme-{}-{}\">{}</h3>",
                escape(&theme.slug),
                escape(&level.slug),
                escape(&level.name)
            )?;
            for item in &level.items {
                write_item(o, item)?;
            }
        }
        writeln!(o, "</section>")?;
    }
    if !r.quarantine.is_empty() {
        writeln!(
            o,
            "<h2 id=\"quarantine\">Приложение. Карантин</h2>\n<table>"
        )?;
        writeln!(o, "<tr><th>файл</th><th>причина</th><th>записей</th></tr>")?;
        for q in &r.quarantine {
            writeln!(
                o,
                "<tr><td>{}</td><td>{} (<code>{}</code>)</td><td>{}</td></tr>",
                escape(&q.file),
                escape(&q.description),
                q.reason.code(),
                q.count
            )?;
        }
        writeln!(o, "</table>")?;
    }
    writeln!(o, "</body>\n</html>")
}

fn write_item(o: &mut String, item: &Item) -> std::fmt::Result {
    writeln!(o, "<div class=\"item\" id=\"{}\">", escape(&item.cluster))?;
    writeln!(o, "<p>{}</p>", escape(&item.text))?;
    let facts: Vec<String> = crate::item_facts(item).iter().map(|f| escape(f)).collect();
    writeln!(o, "<p class=\"meta\">{}</p>", facts.join(" · "))?;
    writeln!(o, "<details><summary>Источники</summary><ul>")?;
    for m in &item.members {
        writeln!(o, "<li>{}</li>", escape(&m.id))?;
    }
    writeln!(o, "</ul></details>\n</div>")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escape_table() {
        let cases = [
            (
                "<script>alert(1)</script>",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
            ),
            (
                "<img src=x onerror=\"y\">",
                "&lt;img src=x onerror=&quot;y&quot;&gt;",
            ),
            ("a & b 'c'", "a &amp; b &#39;c&#39;"),
        ];
        for (raw, want) in cases {
            assert_eq!(super::escape(raw), want);
        }
    }
}
