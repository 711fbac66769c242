//! `roadmap.md`: GitHub-flavoured Markdown, readable as plain text.

use std::fmt::Write;

use crate::model::{Item, Roadmap};
use crate::plural;

/// Escapes text from an export so that it cannot change the document's
/// structure: no table cell, emphasis, code, link, heading or HTML can start
/// inside it. Line breaks become spaces, so an escaped text never begins a
/// line and block markers (`1.`, `-`, `>`) cannot take effect.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape_into(&mut out, text);
    out
}

/// [`escape`], appending to `out`.
fn escape_into(out: &mut String, text: &str) {
    let start = out.len();
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '<' | '>' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {}
            '\n' => out.push(' '),
            c if crate::unprintable(c) => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    // A right-to-left override or embedding in the text must not run on into
    // the rest of the line: isolate it (FSI … PDI closes whatever it opened).
    if out[start..].chars().any(is_bidi_control) {
        out.insert(start, '\u{2068}');
        out.push('\u{2069}');
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

pub fn render_markdown(r: &Roadmap<'_>) -> String {
    render(r, None)
}

/// The document, showing at most `cap` ideas per level.
pub(crate) fn render(r: &Roadmap<'_>, cap: Option<usize>) -> String {
    let mut o = String::with_capacity(1 << 16);
    // Writing to a String cannot fail.
    let _ = write_doc(&mut o, r, cap);
    o
}

fn write_doc(o: &mut String, r: &Roadmap<'_>, cap: Option<usize>) -> std::fmt::Result {
    writeln!(o, "# {}\n", escape(&r.title))?;
    writeln!(o, "{}\n", escape(&r.subtitle))?;
    if let Some(date) = &r.date {
        writeln!(o, "Дата: {}\n", escape(date))?;
    }
    let t = &r.totals;
    writeln!(o, "## Итоги\n")?;
    writeln!(o, "| показатель | значение |\n|---|---:|")?;
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
        writeln!(o, "| {name} | {value} |")?;
    }
    writeln!(o)?;
    if !r.sessions.is_empty() {
        writeln!(o, "## Сессии\n")?;
        writeln!(
            o,
            "| округ | город | даты | предложений |\n|---|---|---|---:|"
        )?;
        for s in &r.sessions {
            writeln!(
                o,
                "| {} ({}) | {} | {} | {} |",
                escape(&s.name),
                escape(&s.short),
                escape(&s.city),
                escape(&s.dates),
                s.proposals
            )?;
        }
        writeln!(o)?;
    }
    writeln!(o, "## Содержание\n")?;
    writeln!(o, "- {}\n- Как считали\n- Сводка", crate::changes::TITLE)?;
    for (i, theme) in r.themes.iter().enumerate() {
        writeln!(
            o,
            "- {}. {} — {} {}",
            i + 1,
            escape(&theme.name),
            theme.ideas,
            plural(theme.ideas, "идея", "идеи", "идей")
        )?;
    }
    if !r.quarantine.is_empty() {
        writeln!(o, "- Приложение. Карантин")?;
    }
    writeln!(o)?;
    write_changes(o, r)?;
    writeln!(o, "## Как считали\n")?;
    for part in &r.method {
        writeln!(o, "### {}\n", escape(&part.title))?;
        for p in &part.paragraphs {
            writeln!(o, "{}\n", escape(p))?;
        }
    }
    write_summary(o, r)?;
    for (i, theme) in r.themes.iter().enumerate() {
        writeln!(o, "## {}. {}\n", i + 1, escape(&theme.name))?;
        for level in &theme.levels {
            writeln!(o, "### {}\n", escape(&level.name))?;
            let (items, omitted) = crate::shown(level, cap);
            for (k, item) in items.iter().enumerate() {
                write_item(o, k + 1, item)?;
            }
            if let Some(omitted) = &omitted {
                writeln!(o, "*{}*\n", escape(&crate::omitted_note(omitted)))?;
            }
        }
    }
    if !r.quarantine.is_empty() {
        writeln!(o, "## Приложение. Карантин\n")?;
        writeln!(o, "| файл | причина | записей |\n|---|---|---:|")?;
        for q in &r.quarantine {
            writeln!(
                o,
                "| {} | {} (`{}`) | {} |",
                escape(&q.file),
                escape(&q.description),
                q.reason.code(),
                q.count
            )?;
        }
        writeln!(o)?;
    }
    Ok(())
}

/// «Что изменилось с прошлой сборки»: the lead, then each list's first
/// entries.
fn write_changes(o: &mut String, r: &Roadmap<'_>) -> std::fmt::Result {
    let view = crate::changes::view(&r.changes);
    writeln!(o, "## {}\n", crate::changes::TITLE)?;
    writeln!(o, "{}\n", escape(&view.lead))?;
    for list in &view.lists {
        writeln!(o, "### {}\n", escape(&list.title()))?;
        for (i, c) in list.shown.iter().enumerate() {
            writeln!(
                o,
                "{}. {}  \n   *{}*",
                i + 1,
                escape(&c.text),
                escape(&crate::changes::note(list.kind, c))
            )?;
        }
        writeln!(o)?;
        if let Some(more) = list.more() {
            writeln!(o, "*{}*\n", escape(&more))?;
        }
    }
    Ok(())
}

fn write_summary(o: &mut String, r: &Roadmap<'_>) -> std::fmt::Result {
    let s = &r.summary;
    writeln!(o, "## Сводка\n")?;
    writeln!(o, "### Темы по числу предложений\n")?;
    writeln!(
        o,
        "| # | тема | предложений | идей | округов |\n|---:|---|---:|---:|---:|"
    )?;
    for (i, t) in s.ranking.iter().enumerate() {
        writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            i + 1,
            escape(&t.name),
            t.proposals,
            t.ideas,
            t.districts
        )?;
    }
    writeln!(o)?;
    if !s.districts.is_empty() {
        writeln!(o, "### Округа и темы: число предложений\n")?;
        let names: Vec<String> = s.districts.iter().map(|d| escape(d)).collect();
        writeln!(o, "| тема | {} |", names.join(" | "))?;
        writeln!(o, "|---|{}", "---:|".repeat(names.len()))?;
        for t in &s.ranking {
            let cells: Vec<String> = t.by_district.iter().map(u64::to_string).collect();
            writeln!(o, "| {} | {} |", escape(&t.name), cells.join(" | "))?;
        }
        writeln!(o)?;
    }
    writeln!(o, "### Уровни по темам: число идей\n")?;
    let names: Vec<String> = s.levels.iter().map(|l| escape(l)).collect();
    writeln!(o, "| тема | {} |", names.join(" | "))?;
    writeln!(o, "|---|{}", "---:|".repeat(names.len()))?;
    for t in &s.ranking {
        let cells: Vec<String> = t.by_level.iter().map(u64::to_string).collect();
        writeln!(o, "| {} | {} |", escape(&t.name), cells.join(" | "))?;
    }
    writeln!(o)?;
    writeln!(o, "### Поддержка идей\n")?;
    writeln!(o, "| округов | идей |\n|---|---:|")?;
    for (k, n) in s.support_distribution.iter().enumerate() {
        if k == 0 {
            writeln!(o, "| не указан | {n} |")?;
        } else {
            writeln!(o, "| {k} | {n} |")?;
        }
    }
    writeln!(o)?;
    writeln!(o, "### Идеи, поддержанные несколькими округами\n")?;
    if s.top_ideas.is_empty() {
        writeln!(o, "Ни одну идею не предложили больше чем в одном округе.\n")?;
    }
    for (i, idea) in s.top_ideas.iter().enumerate() {
        let k = idea.districts.len() as u64;
        writeln!(
            o,
            "{}. {}  \n   *{k} {} ({}) · {} {} · {}, {}*",
            i + 1,
            escape(&idea.text),
            plural(k, "округ", "округа", "округов"),
            escape(&idea.districts.join(", ")),
            idea.proposals,
            plural(idea.proposals, "предложение", "предложения", "предложений"),
            escape(&idea.theme),
            escape(&idea.level.to_lowercase())
        )?;
    }
    if !s.top_ideas.is_empty() {
        writeln!(o)?;
    }
    Ok(())
}

fn write_item(o: &mut String, n: usize, item: &Item<'_>) -> std::fmt::Result {
    writeln!(o, "{n}. {}", escape(item.text))?;
    let facts: Vec<String> = crate::item_facts(item).iter().map(|f| escape(f)).collect();
    writeln!(o, "   *{}*", facts.join(" · "))?;
    if !item.other_themes.is_empty() {
        writeln!(
            o,
            "   Также в темах: {}",
            escape(&item.other_themes.join("; "))
        )?;
    }
    if !item.other_levels.is_empty() {
        writeln!(
            o,
            "   Также уровни: {}",
            escape(&item.other_levels.join(", "))
        )?;
    }
    if !item.raw_labels.is_empty() {
        writeln!(
            o,
            "   Нераспознанные метки: {}",
            escape(&item.raw_labels.join("; "))
        )?;
    }
    o.push_str("   Источники: ");
    for (i, m) in item.members.iter().enumerate() {
        if i > 0 {
            o.push_str(", ");
        }
        escape_into(o, &m.id.to_string());
        if let Some(id) = &m.source_id {
            o.push_str(" (№ ");
            escape_into(o, id);
            o.push(')');
        }
    }
    o.push_str("\n\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_table() {
        let cases = [
            ("# Заголовок", "\\# Заголовок"),
            ("a | b", "a \\| b"),
            ("*жирный*", "\\*жирный\\*"),
            ("<script>", "\\<script\\>"),
            ("=HYPERLINK(\"x\")", "=HYPERLINK(\"x\")"),
            ("[ссылка](http://x)", "\\[ссылка\\](http://x)"),
            ("строка\nвторая", "строка вторая"),
            ("1. пункт", "1. пункт"),
            ("a\u{0}b\u{7f}", "a\u{fffd}b\u{fffd}"),
            ("\u{202e}наоборот", "\u{2068}\u{202e}наоборот\u{2069}"),
            ("שלום\u{200f}", "שלום\u{200f}"),
            (
                "`код` ~зачёркнуто~ &amp;",
                "\\`код\\` \\~зачёркнуто\\~ \\&amp;",
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(escape(raw), want, "{raw:?}");
        }
    }
}
