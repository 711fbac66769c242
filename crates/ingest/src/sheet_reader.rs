//! Workbooks: XLSX and XLS through calamine. Every sheet with a header
//! naming a text column is read (title rows above the header, blank rows
//! and section titles skipped); a merged cell's value fills the rows it
//! spans; numbers written as floats (`2018.0`) and dates are read as a
//! person would write them.
//!
//! An XLSX is a zip: before calamine opens it, every part is decompressed
//! once into nothing, counting, so that a zip bomb is refused at
//! `max_xlsx_bytes` whatever sizes it declares.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, DataRef, Dimensions, Reader, Xls, Xlsx};

use std::borrow::Cow;

use crate::table::{self, Ctx, Implied, Item, Row, Table, TableKind};
use crate::{FileOutcome, SheetReport};

/// The signature of a compound file (XLS, old DOC).
pub(crate) const CFB_SIGNATURE: [u8; 8] = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/// Columns beyond this are not read: no export has that many, and a
/// hostile cell reference (`XFD1048576`) must not widen every row.
pub(crate) const MAX_COLUMNS: u32 = 256;

/// The most parts a workbook's zip may have.
const MAX_ZIP_ENTRIES: usize = 10_000;

/// One sheet's cells, sparse: row → (column, value).
pub(crate) type Cells = BTreeMap<u32, Vec<(u32, String)>>;

pub(crate) fn read_xlsx(ctx: &Ctx<'_>, bytes: &[u8], out: FileOutcome) -> FileOutcome {
    if let Err(e) = check_zip(bytes, ctx.limits.max_xlsx_bytes) {
        return out.fail(e);
    }
    guarded(out, |out| Ok(read_sheets(ctx, xlsx_sheets(bytes)?, out)))
}

/// Every sheet of an XLSX workbook, by name, as cells (the size of the
/// decompressed workbook checked first by the caller).
pub(crate) fn xlsx_sheets(bytes: &[u8]) -> Result<Vec<(String, Cells)>, String> {
    let mut book = match Xlsx::new(Cursor::new(bytes)) {
        Ok(b) => b,
        Err(e) => return Err(format!("corrupt XLSX: {e}")),
    };
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let cells = read_xlsx_cells(&mut book, &name)
            .map_err(|e| format!("corrupt XLSX: sheet {name}: {e}"))?;
        sheets.push((name, cells));
    }
    Ok(sheets)
}

fn read_xlsx_cells(book: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<Cells, String> {
    let mut cells = Cells::new();
    {
        let mut reader = book
            .worksheet_cells_reader(name)
            .map_err(|e| e.to_string())?;
        while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
            let (row, col) = cell.get_position();
            if col >= MAX_COLUMNS {
                continue;
            }
            let value = show_ref(cell.get_value());
            if !value.is_empty() {
                cells.entry(row).or_default().push((col, value));
            }
        }
    }
    let merged = book
        .merge_cells_by_sheet_name(name)
        .map_err(|e| e.to_string())?;
    fill_merged(&mut cells, &merged);
    Ok(cells)
}

pub(crate) fn read_xls(ctx: &Ctx<'_>, bytes: &[u8], out: FileOutcome) -> FileOutcome {
    if let Err(e) = check_cfb(bytes) {
        return out.fail(format!("corrupt XLS: {e}"));
    }
    guarded(out, |out| Ok(read_sheets(ctx, xls_sheets(bytes)?, out)))
}

/// Every sheet of an XLS workbook, by name, as cells (its compound file
/// checked first by the caller).
pub(crate) fn xls_sheets(bytes: &[u8]) -> Result<Vec<(String, Cells)>, String> {
    let mut book = match Xls::new(Cursor::new(bytes)) {
        Ok(b) => b,
        Err(e) => return Err(format!("corrupt XLS: {e}")),
    };
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| format!("corrupt XLS: sheet {name}: {e}"))?;
        let mut cells = Cells::new();
        if let Some((top, left)) = range.start() {
            for (r, row) in range.rows().enumerate() {
                for (c, value) in row.iter().enumerate() {
                    let col = left.saturating_add(c as u32);
                    let value = show(value);
                    if col < MAX_COLUMNS && !value.is_empty() {
                        cells
                            .entry(top.saturating_add(r as u32))
                            .or_default()
                            .push((col, value));
                    }
                }
            }
        }
        #[allow(deprecated)]
        let merged = book.worksheet_merge_cells(&name).unwrap_or_default();
        fill_merged(&mut cells, &merged);
        sheets.push((name, cells));
    }
    Ok(sheets)
}

/// Runs a reader of a third-party format, turning a panic inside it into a
/// file error: a crafted workbook must not take the build down.
fn guarded(
    out: FileOutcome,
    read: impl FnOnce(FileOutcome) -> Result<FileOutcome, String>,
) -> FileOutcome {
    let input = out.report.clone();
    match catch_unwind(AssertUnwindSafe(|| read(out))) {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => with_report(input).fail(e),
        Err(_) => with_report(input).fail("the workbook reader failed on this file (corrupt?)"),
    }
}

fn with_report(report: crate::FileReport) -> FileOutcome {
    FileOutcome {
        report,
        proposals: Vec::new(),
        quarantined: Vec::new(),
    }
}

/// Decompresses every part of the zip into nothing, counting; an error if
/// the zip is broken or inflates beyond `max` bytes.
pub(crate) fn check_zip(bytes: &[u8], max: u64) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("corrupt XLSX (not a readable zip): {e}"))?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(format!(
            "corrupt XLSX: {} parts, more than {MAX_ZIP_ENTRIES}",
            zip.len()
        ));
    }
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .map_err(|e| format!("corrupt XLSX: part {}: {e}", i + 1))?;
        loop {
            let n = part
                .read(&mut buf)
                .map_err(|e| format!("corrupt XLSX: part {}: {e}", i + 1))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > max {
                return Err(format!(
                    "the XLSX decompresses to more than the limit of {max} bytes (a zip bomb?)"
                ));
            }
        }
    }
    Ok(())
}

/// Sector numbers at and above this are markers (end of chain, free…).
const CFB_RESERVED: u32 = 0xffff_fffa;
const CFB_END: u32 = 0xffff_fffe;

/// Checks the sector chains of a compound file (XLS) before calamine
/// follows them: calamine 0.38 follows the directory chain without a
/// bound, so a chain that loops makes it allocate until the machine runs
/// out of memory (found by the fuzz tests), and a sector number beyond the
/// allocation table makes it panic. Here every chain of the allocation
/// table and of the mini table must end, within the table.
pub(crate) fn check_cfb(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 512 || !bytes.starts_with(&CFB_SIGNATURE) {
        return Err("not a compound file (no XLS signature)".into());
    }
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    let u32_at = |b: &[u8], at: usize| -> u32 {
        b.get(at..at + 4)
            .map_or(CFB_END, |w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
    };
    let size: usize = match u16_at(30) {
        9 => 512,
        12 => 4096,
        s => return Err(format!("sector shift {s:#x}, expected 0x9 or 0xc")),
    };
    // Sector n starts after the header, which takes one sector.
    let sector = |id: u32| -> &[u8] {
        let start = (id as usize).saturating_add(1).saturating_mul(size);
        let end = start.saturating_add(size).min(bytes.len());
        bytes.get(start..end).unwrap_or(&[])
    };
    let max_sectors = bytes.len() / size + 1;

    // The allocation table's sectors: listed in the header, then in a
    // chain of DIFAT sectors (each one's last word links the next).
    let mut fat_sectors: Vec<u32> = (0..109).map(|i| u32_at(bytes, 76 + 4 * i)).collect();
    let mut next = u32_at(bytes, 68);
    let mut seen = 0;
    while next < CFB_RESERVED {
        seen += 1;
        if seen > max_sectors {
            return Err("the DIFAT chain loops".into());
        }
        let words: Vec<u32> = (0..size / 4).map(|i| u32_at(sector(next), 4 * i)).collect();
        let (last, rest) = words
            .split_last()
            .map_or((CFB_END, &[][..]), |(l, r)| (*l, r));
        fat_sectors.extend_from_slice(rest);
        next = last;
    }
    fat_sectors.retain(|&id| id < CFB_RESERVED - 2);
    if fat_sectors.len() > max_sectors {
        return Err("more allocation table sectors than the file has".into());
    }
    // calamine 0.38 panics on a sector that starts past the end of the
    // file (a cut file); here every sector a chain names must start in it.
    let in_file = |id: u32| (id as usize + 1).saturating_mul(size) <= bytes.len();
    let past_end =
        |what: &str, id: u32| format!("{what} names sector {id}, past the end of the file");
    if let Some(&id) = fat_sectors.iter().find(|&&id| !in_file(id)) {
        return Err(past_end("the allocation table", id));
    }
    let fat: Vec<u32> = fat_sectors
        .iter()
        .flat_map(|&id| {
            let data = sector(id);
            (0..size / 4).map(move |i| u32_at(data, 4 * i))
        })
        .collect();
    acyclic(&fat).map_err(|e| format!("allocation table: {e}"))?;
    let used = |id: &u32| *id < CFB_RESERVED;
    if let Some(&id) = fat.iter().filter(|id| used(id)).find(|&&id| !in_file(id)) {
        return Err(past_end("a chain", id));
    }
    let dir_start = u32_at(bytes, 48);
    if used(&dir_start) && !in_file(dir_start) {
        return Err(past_end("the directory", dir_start));
    }
    // The streams' first sectors, from the directory (128-byte entries).
    let mut entries: Vec<(String, u32, usize)> = Vec::new();
    let mut id = dir_start;
    let mut steps = 0;
    while used(&id) && steps <= max_sectors {
        let data = sector(id);
        for entry in data.chunks_exact(128) {
            let start = u32_at(entry, 116);
            let len = u32_at(entry, 120);
            let name: String = char::decode_utf16(
                entry[..64]
                    .chunks_exact(2)
                    .map(|p| u16::from_le_bytes([p[0], p[1]]))
                    .take_while(|&u| u != 0),
            )
            .map(|c| c.unwrap_or('\u{fffd}'))
            .collect();
            entries.push((name, start, len as usize));
            // Streams under 4096 bytes live in the mini stream.
            if used(&start) && len >= 4096 && !in_file(start) {
                return Err(past_end("a stream", start));
            }
        }
        id = fat.get(id as usize).copied().unwrap_or(CFB_END);
        steps += 1;
    }

    // The mini allocation table: a chain of the main one.
    let mut mini_fat = Vec::new();
    let mini_start = u32_at(bytes, 60);
    let mini_sectors = u32_at(bytes, 64) as usize;
    if mini_sectors > 0 && mini_start < CFB_RESERVED {
        let mut mini = Vec::new();
        let mut id = mini_start;
        while id < CFB_RESERVED && mini.len() < mini_sectors.min(max_sectors) * (size / 4) {
            let data = sector(id);
            mini.extend((0..size / 4).map(|i| u32_at(data, 4 * i)));
            id = fat.get(id as usize).copied().unwrap_or(CFB_END);
        }
        acyclic(&mini).map_err(|e| format!("mini allocation table: {e}"))?;
        mini_fat = mini;
    }

    // The workbook stream, as calamine finds it, for its sheets' declared
    // dimensions: calamine 0.38 reserves rows × columns cells as declared,
    // so a 6 KB file could ask for 500 GB (found by the fuzz tests).
    let chain = |start: u32, len: usize, table: &[u32], read: &dyn Fn(u32) -> Vec<u8>| {
        let mut out = Vec::new();
        let mut id = start;
        let mut steps = 0;
        while id < CFB_RESERVED && out.len() < len && steps <= table.len() {
            out.extend(read(id));
            id = table.get(id as usize).copied().unwrap_or(CFB_END);
            steps += 1;
        }
        out.truncate(len);
        out
    };
    let regular = |id: u32| sector(id).to_vec();
    let Some((_, root_start, root_len)) = entries.first().cloned() else {
        return Ok(());
    };
    let ministream = chain(root_start, root_len, &fat, &regular);
    let mini_sector = |id: u32| {
        let start = (id as usize).saturating_mul(64);
        ministream
            .get(start..start.saturating_add(64).min(ministream.len()))
            .unwrap_or(&[])
            .to_vec()
    };
    // Mini sectors past the end of the mini stream make calamine panic too.
    let in_mini = |id: u32| (id as usize).saturating_mul(64) <= ministream.len();
    if let Some(&id) = mini_fat
        .iter()
        .filter(|id| used(id))
        .find(|&&id| !in_mini(id))
    {
        return Err(format!(
            "the mini allocation table names mini sector {id}, past the end of the mini stream"
        ));
    }
    for (_, start, len) in entries.iter().skip(1) {
        // calamine follows a small stream's chain through the mini table.
        if (1..4096).contains(len) && used(start) && *start as usize >= mini_fat.len() {
            return Err(format!(
                "a small stream starts at mini sector {start}, beyond the mini allocation table"
            ));
        }
        if *len < 4096 && used(start) && !in_mini(*start) {
            return Err(format!(
                "a small stream starts at mini sector {start}, past the end of the mini stream"
            ));
        }
    }
    let find = |want: &str| {
        entries
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(want))
    };
    if let Some((_, start, len)) = find("Workbook").or_else(|| find("Book")) {
        let stream = if *len < 4096 {
            chain(*start, *len, &mini_fat, &mini_sector)
        } else {
            chain(*start, *len, &fat, &regular)
        };
        check_dimensions(&stream)?;
    }
    Ok(())
}

/// The most cells a sheet of an XLS may declare (BIFF8 allows 65,536 rows
/// of 256 columns; no export of proposals comes near this).
const MAX_XLS_CELLS: u64 = 4 << 20;

/// Every DIMENSIONS record of a BIFF stream, read as calamine reads it,
/// declares a sane range. calamine walks the records twice: from the start
/// of the stream (where BOUNDSHEET records give each sheet's offset), then
/// from each sheet's offset; a damaged offset lands inside a record and
/// reads other bytes as records, so every walk is checked (found by the
/// fuzz tests: such a file asked for 500 GB).
fn check_dimensions(stream: &[u8]) -> Result<(), String> {
    let mut sheets = Vec::new();
    walk_records(stream, 0, |typ, data| {
        if typ == 0x0085 && data.len() >= 4 {
            sheets.push(u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize);
        }
        check_dimensions_record(typ, data)
    })?;
    sheets.sort_unstable();
    sheets.dedup();
    for start in sheets {
        walk_records(stream, start, check_dimensions_record)?;
    }
    Ok(())
}

/// Calls `f` with the type and data of each record from `start` on, as
/// calamine's record iterator finds them; stops at the first record that
/// does not fit.
fn walk_records(
    stream: &[u8],
    start: usize,
    mut f: impl FnMut(u32, &[u8]) -> Result<(), String>,
) -> Result<(), String> {
    let u16_at = |b: &[u8], at: usize| u32::from(u16::from_le_bytes([b[at], b[at + 1]]));
    let mut pos = start;
    while pos.saturating_add(4) <= stream.len() {
        let typ = u16_at(stream, pos);
        let len = u16_at(stream, pos + 2) as usize;
        let Some(data) = stream.get(pos + 4..pos + 4 + len) else {
            break;
        };
        pos += 4 + len;
        f(typ, data)?;
    }
    Ok(())
}

/// A DIMENSIONS record (0x0200) declares a range of at most
/// [`MAX_XLS_CELLS`] cells, read as calamine reads it.
fn check_dimensions_record(typ: u32, r: &[u8]) -> Result<(), String> {
    if typ != 0x0200 {
        return Ok(());
    }
    let u16_at = |b: &[u8], at: usize| u32::from(u16::from_le_bytes([b[at], b[at + 1]]));
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let (rf, rl, mut cf, cl) = match r.len() {
        10 => (u16_at(r, 0), u16_at(r, 2), u16_at(r, 4), u16_at(r, 6)),
        14 | 16 => (u32_at(r, 0), u32_at(r, 4), u16_at(r, 8), u16_at(r, 10)),
        _ => return Ok(()),
    };
    if 0xff < cf || cl < cf {
        cf = 0;
    }
    if rl >= 1 && cl >= 1 {
        let (end_row, end_col) = (rl - 1, cl - 1);
        if end_row < rf || end_col < cf {
            return Err(format!(
                "a sheet's dimensions run backwards (rows {rf}–{end_row}, columns {cf}–{end_col})"
            ));
        }
        let cells = u64::from(end_row - rf + 1) * u64::from(end_col - cf + 1);
        if cells > MAX_XLS_CELLS {
            return Err(format!(
                "a sheet declares {cells} cells, more than the limit of {MAX_XLS_CELLS}"
            ));
        }
    }
    Ok(())
}

/// Every chain of `table` ends (at a marker) within the table.
fn acyclic(table: &[u32]) -> Result<(), String> {
    // 0: not seen, 1: on the current path, 2: known to end.
    let mut state = vec![0u8; table.len()];
    let mut path = Vec::new();
    for start in 0..table.len() {
        let mut id = start;
        while state[id] == 0 {
            state[id] = 1;
            path.push(id);
            let next = table[id];
            if next >= CFB_RESERVED {
                break;
            }
            if next as usize >= table.len() {
                return Err(format!("sector {id} links to {next}, beyond the table"));
            }
            id = next as usize;
            if state[id] == 1 {
                return Err(format!("the chain through sector {id} loops"));
            }
        }
        for p in path.drain(..) {
            state[p] = 2;
        }
    }
    Ok(())
}

/// A merged cell's value in every row it spans (its first column only: a
/// title merged across columns stays one cell).
fn fill_merged(cells: &mut Cells, merged: &[Dimensions]) {
    for m in merged {
        let (top, col) = m.start;
        let bottom = m.end.0;
        if bottom <= top || col >= MAX_COLUMNS {
            continue;
        }
        let Some(value) = cells
            .get(&top)
            .and_then(|r| r.iter().find(|(c, _)| *c == col))
            .map(|(_, v)| v.clone())
        else {
            continue;
        };
        // Only rows that exist: a hostile region cannot create rows.
        let rows: Vec<u32> = cells.range(top + 1..=bottom).map(|(r, _)| *r).collect();
        for r in rows {
            let row = cells.entry(r).or_default();
            if !row.iter().any(|(c, _)| *c == col) {
                row.push((col, value.clone()));
            }
        }
    }
}

/// Reads the tables of an HTML page as the sheets of a workbook, named
/// «таблица 1», «таблица 2»…
pub(crate) fn read_html(ctx: &Ctx<'_>, text: &str, out: FileOutcome) -> FileOutcome {
    let sheets = crate::html::tables(text)
        .into_iter()
        .enumerate()
        .map(|(i, cells)| (format!("таблица {}", i + 1), cells))
        .collect();
    read_sheets(ctx, sheets, out)
}

/// Reads every sheet; the file fails only if no sheet has a header.
fn read_sheets(ctx: &Ctx<'_>, sheets: Vec<(String, Cells)>, mut out: FileOutcome) -> FileOutcome {
    let by_name = table::implied_by_name(ctx.catalog, &ctx.input.name);
    let mut read_any = false;
    let mut no_header: Vec<String> = Vec::new();
    for (name, cells) in sheets {
        let by_sheet = Implied::of(
            table::district_in_words(ctx.catalog, &name).map(sborka_core::Value::District),
        );
        let implied = by_sheet.or(&by_name);
        let kind = TableKind {
            sheet: Some(&name),
            strict_width: false,
        };
        let before = out.report.records;
        let rows = cells.into_iter().map(|(r, mut row)| {
            row.sort_by_key(|(c, _)| *c);
            let width = row.last().map_or(0, |(c, _)| *c as usize + 1);
            let mut dense = vec![String::new(); width];
            for (c, v) in row {
                dense[c as usize] = v;
            }
            Item::Row(Row {
                line: u64::from(r) + 1,
                cells: dense.into_iter().map(Cow::Owned).collect(),
                terminated: true,
            })
        });
        let table = table::read_table(ctx, &kind, rows, &implied, &mut out);
        let mut sheet = SheetReport {
            name: name.clone(),
            header_row: None,
            records: out.report.records - before,
            skipped: None,
        };
        match table {
            Table::Read {
                header_row,
                columns,
                complete,
            } => {
                by_sheet.describe(
                    ctx.catalog,
                    &format!("sheet {name}"),
                    &mut out.report.implied,
                );
                sheet.header_row = Some(header_row);
                if !read_any {
                    out.report.header_row = Some(header_row);
                    out.report.columns = columns;
                }
                read_any = true;
                out.report.sheets.push(sheet);
                if !complete {
                    break;
                }
            }
            Table::Empty => {
                sheet.skipped = Some("empty".into());
                out.report.sheets.push(sheet);
            }
            Table::NoHeader(best) => {
                let what = format!(
                    "no header row with a text column in the first {} rows",
                    table::HEADER_SCAN
                );
                out.report.problem(format!(
                    "sheet {name} of {}: {what}; not read",
                    ctx.input.name
                ));
                no_header.push(format!("sheet {name}: {}", best.join(", ")));
                sheet.skipped = Some(what);
                out.report.sheets.push(sheet);
            }
        }
    }
    if read_any {
        by_name.describe(ctx.catalog, "the file name", &mut out.report.implied);
        out
    } else if no_header.is_empty() {
        out.fail("the workbook has no data")
    } else {
        out.fail(format!(
            "no text column in any sheet ({}); name one as in catalog/headers.toml",
            no_header.join("; ")
        ))
    }
}

/// A cell as text: whole floats without `.0`, dates as `YYYY-MM-DD`.
fn show(value: &Data) -> String {
    match value {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float(*f),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => date(d),
        Data::Error(e) => format!("#{e:?}"),
        Data::Empty => String::new(),
    }
}

fn show_ref(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => float(*f),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => date(d),
        DataRef::Error(e) => format!("#{e:?}"),
        DataRef::Empty => String::new(),
    }
}

fn float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

fn date(d: &calamine::ExcelDateTime) -> String {
    let serial = d.as_f64();
    // Outside 1900–9999 the conversion means nothing; keep the number.
    if !(1.0..2_958_466.0).contains(&serial) {
        return float(serial);
    }
    let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
    if (h, min, s) == (0, 0, 0) {
        format!("{y:04}-{m:02}-{day:02}")
    } else {
        format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_table() {
        let cases = [
            (Data::Float(2018.0), "2018"),
            (Data::Float(26.5), "26.5"),
            (Data::Int(77), "77"),
            (Data::Float(f64::NAN), "NaN"),
            (Data::Float(1e20), "100000000000000000000"),
            (Data::String(" Текст ".into()), " Текст "),
            (Data::Empty, ""),
            (
                Data::DateTime(calamine::ExcelDateTime::new(
                    43139.0,
                    calamine::ExcelDateTimeType::DateTime,
                    false,
                )),
                "2018-02-08",
            ),
        ];
        for (value, want) in cases {
            assert_eq!(show(&value), want, "{value:?}");
        }
    }

    #[test]
    fn merged_cells_fill_down_not_across() {
        let mut cells = Cells::new();
        cells.insert(0, vec![(0, "Раздел".into())]);
        cells.insert(1, vec![(0, "Пожилые".into()), (1, "a".into())]);
        cells.insert(2, vec![(1, "b".into())]);
        cells.insert(3, vec![(1, "c".into())]);
        let merged = [
            Dimensions {
                start: (0, 0),
                end: (0, 3),
            },
            Dimensions {
                start: (1, 0),
                end: (2, 0),
            },
            Dimensions {
                start: (1, 0),
                end: (1_000_000, 0),
            },
        ];
        fill_merged(&mut cells, &merged);
        assert_eq!(cells[&0], [(0, "Раздел".to_string())]);
        assert_eq!(
            cells[&2],
            [(1, "b".to_string()), (0, "Пожилые".to_string())]
        );
        assert_eq!(
            cells[&3].len(),
            2,
            "the long region fills existing rows only"
        );
        assert_eq!(cells.len(), 4);
    }

    #[test]
    fn acyclic_table() {
        let end = CFB_END;
        let cases: [(&[u32], bool); 6] = [
            (&[], true),
            (&[1, 2, end], true),
            (&[end, 0, 1, 0xffff_ffff], true),
            (&[1, 0], false),
            (&[1, 2, 2], false),
            (&[5, end], false),
        ];
        for (table, ok) in cases {
            assert_eq!(acyclic(table).is_ok(), ok, "{table:?}");
        }
    }

    #[test]
    fn a_looping_xls_is_refused() {
        // A header whose one allocation-table sector (0) says the
        // directory chain 1 → 1 loops.
        let mut bytes = vec![0u8; 512 * 3];
        bytes[..8].copy_from_slice(&CFB_SIGNATURE);
        bytes[26] = 3;
        bytes[30] = 9;
        bytes[32] = 6;
        bytes[44] = 1; // one FAT sector
        bytes[48] = 1; // directory starts at sector 1
        bytes[68..72].copy_from_slice(&CFB_END.to_le_bytes());
        bytes[76..80].copy_from_slice(&0u32.to_le_bytes()); // FAT in sector 0
        for i in 1..109 {
            bytes[76 + 4 * i..80 + 4 * i].copy_from_slice(&u32::MAX.to_le_bytes());
        }
        let fat = 512;
        bytes[fat..fat + 4].copy_from_slice(&0xffff_fffdu32.to_le_bytes());
        bytes[fat + 4..fat + 8].copy_from_slice(&1u32.to_le_bytes());
        let err = check_cfb(&bytes).unwrap_err();
        assert!(err.contains("loops"), "{err}");
        bytes[fat + 4..fat + 8].copy_from_slice(&CFB_END.to_le_bytes());
        assert_eq!(check_cfb(&bytes), Ok(()));
    }

    #[test]
    fn dimensions_table() {
        let record = |rf: u32, rl: u32, cf: u16, cl: u16| {
            let mut r = vec![0x00, 0x02, 14, 0];
            r.extend(rf.to_le_bytes());
            r.extend(rl.to_le_bytes());
            r.extend(cf.to_le_bytes());
            r.extend(cl.to_le_bytes());
            r.extend([0, 0]);
            r
        };
        let other = vec![0x09, 0x08, 2, 0, 1, 2];
        let cases = [
            (record(0, 10, 0, 5), true),
            (record(0, 0, 0, 0), true),
            (record(0, 65_536, 0, 64), true),
            (record(0, 1 << 30, 0, 200), false),
            (record(100, 10, 0, 5), false),
            ([other.clone(), record(0, 4, 0, 4)].concat(), true),
            ([other, record(0, u32::MAX, 0, 255)].concat(), false),
        ];
        for (stream, ok) in cases {
            assert_eq!(check_dimensions(&stream).is_ok(), ok, "{stream:?}");
        }
    }

    #[test]
    fn zip_limits() {
        use std::io::Write;
        let mut buf = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file("xl/big.xml", options).unwrap();
            zip.write_all(&vec![b'a'; 1 << 20]).unwrap();
            zip.finish().unwrap();
        }
        let bytes = buf.into_inner();
        assert!(bytes.len() < 10_000, "a small file that inflates");
        assert_eq!(check_zip(&bytes, 2 << 20), Ok(()));
        let err = check_zip(&bytes, 1 << 19).unwrap_err();
        assert!(err.contains("more than the limit of 524288 bytes"), "{err}");
        let err = check_zip(b"PK\x03\x04 nothing", 1 << 20).unwrap_err();
        assert!(err.starts_with("corrupt XLSX"), "{err}");
    }
}
