//! Personal data in a proposal's text, found by rules and replaced by
//! marks that keep the sentence readable: «звоните 8 (900) 123-45-67» →
//! «звоните [телефон скрыт]».
//!
//! # What is found
//!
//! - **Phones** in Russian formats: `+7` or `8` and ten digits grouped
//!   3-3-2-2, 3-3-4, 3-7, 4-2-2-2 (a four-digit city code), 5-1-2-2…, with
//!   spaces, dashes or the code in brackets; ten digits 3-3-2-2 or a
//!   bracketed code without the prefix; `+` and 11–13 digits (abroad); a
//!   city number 3-2-2 (`123-45-67`); 2-2-2 (`12-34-56`, also a date's
//!   shape) only after a word such as «тел.», «звоните», «факс».
//! - **E-mail** addresses: a local part, `@`, a domain with a dot and a
//!   top-level domain of two letters or more (Cyrillic ones too).
//! - **СНИЛС**: 11 digits 3-3-3-2 or together, whose checksum holds (or
//!   after the word «СНИЛС»).
//! - **ИНН**: 10 digits (an organisation) or 12 (a person) written
//!   together, whose checksums hold (or after the word «ИНН»).
//! - **Passports**: series and number, 2-2-6 or 4-6 (`45 10 № 123456`,
//!   `4510 номер 123456`), or 10 digits after the word «паспорт».
//! - **Bank cards**: 16–19 digits (4-4-4-4…, or 15 as 4-6-5) that pass
//!   Luhn's check and start as a payment system's do (2–6).
//! - **Names with initials**: «Петров И. И.», «Петров И.И.», «И.И. Петров»
//!   — two capital initials beside a capitalised word; not after «им.» or
//!   «имени» (a school named after someone). Full names without initials
//!   («Иванова Мария Петровна») need the morphological dictionary's name
//!   tags, which sborka does not have yet: they are not found.
//!
//! # What is not
//!
//! Numbers that only look alike stay as written (each has a test): a law's
//! number («№ 442-ФЗ»), dates (`12.03.2018`, `2017–2018`), amounts
//! (`1 500 000 руб.`, `2 500 000 000`), region codes (`26`), OKVED codes
//! (`88.10`), postcodes, document numbers after «№», a number glued to
//! letters, a number followed by a currency or «%».
//!
//! # Cost
//!
//! Every text passes here once, at ingest. A pre-scan of its bytes looks
//! for a digit, `@` or `.` before anything else; a text without a digit or
//! `@` costs one pass over its bytes and the initials check at its dots.
//! The rules are hand-written scans, not regular expressions, and allocate
//! only for what they find.
//!
//! Masking is a pure function of the text: the same text gives the same
//! bytes, whatever else the build reads.

use std::borrow::Cow;

use sborka_core::{Masked, PersonalKind};

/// A personal value in a text: its kind and byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    pub kind: PersonalKind,
    pub start: usize,
    pub end: usize,
}

/// The text with every personal value replaced by its kind's mark
/// ([`PersonalKind::mark`]), each counted in `masked`. Borrowed when there
/// was nothing to replace.
///
/// ```
/// use sborka_core::{Masked, PersonalKind};
/// use sborka_text::personal::mask;
///
/// let mut masked = Masked::default();
/// let text = "Открыть кружок, звоните 8 (900) 123-45-67, закон № 442-ФЗ";
/// assert_eq!(mask(text, &mut masked), "Открыть кружок, звоните [телефон скрыт], закон № 442-ФЗ");
/// assert_eq!(masked.found(PersonalKind::Phone), 1);
/// ```
pub fn mask<'t>(text: &'t str, masked: &mut Masked) -> Cow<'t, str> {
    let found = find(text);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16 * found.len());
    let mut at = 0;
    for f in &found {
        out.push_str(&text[at..f.start]);
        out.push_str(f.kind.mark());
        masked.add(f.kind);
        at = f.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// Every personal value in `text`, in order, none overlapping another.
pub fn find(text: &str) -> Vec<Found> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    if memchr::memchr(b'@', bytes).is_some() {
        emails(text, &mut found);
    }
    if bytes.iter().any(u8::is_ascii_digit) {
        numbers(text, &mut found);
    }
    if memchr::memchr(b'.', bytes).is_some() {
        initials(text, &mut found);
    }
    if found.len() > 1 {
        found.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
        let mut end = 0;
        found.retain(|f| {
            let keep = f.start >= end;
            if keep {
                end = f.end;
            }
            keep
        });
    }
    found
}

// ---------------------------------------------------------------------
// E-mail

fn emails(text: &str, found: &mut Vec<Found>) {
    let is_local = |c: char| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-') || is_cyrillic(c)
    };
    let is_domain = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.' || is_cyrillic(c);
    for at in memchr::memchr_iter(b'@', text.as_bytes()) {
        if found.last().is_some_and(|f| f.end > at) {
            continue;
        }
        let before = &text[..at];
        let local = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_local(c))
            .last()
            .map_or(at, |(i, _)| i);
        let start = local + text[local..at].len() - text[local..at].trim_start_matches('.').len();
        let after = &text[at + 1..];
        let domain_len = after
            .char_indices()
            .find(|&(_, c)| !is_domain(c))
            .map_or(after.len(), |(i, _)| i);
        let domain = after[..domain_len].trim_end_matches(['.', '-']);
        if start == at || !is_domain_name(domain) {
            continue;
        }
        found.push(Found {
            kind: PersonalKind::Email,
            start,
            end: at + 1 + domain.len(),
        });
    }
}

/// `mail.ru`, `почта.рф`: labels of letters, digits and dashes, the last of
/// two letters or more.
fn is_domain_name(domain: &str) -> bool {
    let Some((_, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    domain.split('.').all(|label| !label.is_empty())
        && tld.chars().count() >= 2
        && tld.chars().all(char::is_alphabetic)
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё')
}

// ---------------------------------------------------------------------
// Numbers

/// What separates two groups of digits (bits, several in one gap).
const SPACE: u8 = 1;
const DASH: u8 = 2;
const OPEN: u8 = 4;
const CLOSE: u8 = 8;
const DOT: u8 = 16;
/// «№» or the word «номер».
const NUMERO: u8 = 32;

/// The most groups of digits one run holds; a longer run is cut.
const MAX_GROUPS: usize = 12;
/// The longest number any rule takes (a card of 19 digits).
const MAX_DIGITS: usize = 19;

/// Digits in groups, separated by at most three of the characters above:
/// `8 (900) 123-45-67`, `112-233-445 95`, `45 10 № 123456`, `12.03.2018`.
struct Run {
    /// Where the run starts: a `+` or `(` before its first digit, or the
    /// digit.
    start: usize,
    plus: bool,
    /// `(` right before the first digit.
    open: bool,
    /// A letter or digit right before `start`: part of a code (`А123`).
    glued: bool,
    groups: [(usize, usize); MAX_GROUPS],
    /// `gaps[i]` separates group `i` from group `i + 1`.
    gaps: [u8; MAX_GROUPS],
    len: usize,
}

fn numbers(text: &str, found: &mut Vec<Found>) {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(u8::is_ascii_digit) {
        let digit = at + offset;
        let run = Run::parse(text, digit);
        let end = run.groups[run.len - 1].1;
        // Inside an e-mail address found before.
        if !found.iter().any(|f| f.start <= digit && digit < f.end) {
            run.classify(text, found);
        }
        at = end;
    }
}

impl Run {
    fn parse(text: &str, digit: usize) -> Run {
        let b = text.as_bytes();
        let mut start = digit;
        let (mut plus, mut open) = (false, false);
        if digit > 0 && b[digit - 1] == b'+' {
            plus = true;
            start -= 1;
        } else if digit > 0 && b[digit - 1] == b'(' {
            open = true;
            start -= 1;
        }
        let glued = text[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let mut run = Run {
            start,
            plus,
            open,
            glued,
            groups: [(0, 0); MAX_GROUPS],
            gaps: [0; MAX_GROUPS],
            len: 0,
        };
        let mut p = digit;
        loop {
            let from = p;
            while p < b.len() && b[p].is_ascii_digit() {
                p += 1;
            }
            run.groups[run.len] = (from, p);
            run.len += 1;
            if run.len == MAX_GROUPS {
                break;
            }
            let (gap, next) = gap(b, p);
            if gap == 0 || next >= b.len() || !b[next].is_ascii_digit() {
                break;
            }
            run.gaps[run.len - 1] = gap;
            p = next;
        }
        run
    }

    /// Finds the personal values of the run: the whole run, else its
    /// longest part that is one, from the left (a part is set off by
    /// spaces: two phones in a row, a phone and a year).
    fn classify(&self, text: &str, found: &mut Vec<Found>) {
        let mut a = 0;
        while a < self.len {
            let mut matched = None;
            if a == 0 || self.gaps[a - 1] & SPACE != 0 {
                for b in (a + 1..=self.len).rev() {
                    if b < self.len && self.gaps[b - 1] & SPACE == 0 {
                        continue;
                    }
                    if let Some(kind) = self.kind(text, a, b) {
                        matched = Some((kind, b));
                        break;
                    }
                }
            }
            match matched {
                Some((kind, b)) => {
                    let start = if a == 0 {
                        self.start
                    } else {
                        let s = self.groups[a].0;
                        if text.as_bytes()[s - 1] == b'(' {
                            s - 1
                        } else {
                            s
                        }
                    };
                    found.push(Found {
                        kind,
                        start,
                        end: self.groups[b - 1].1,
                    });
                    a = b;
                }
                None => a += 1,
            }
        }
    }

    /// What groups `a..b` are, if personal.
    fn kind(&self, text: &str, a: usize, b: usize) -> Option<PersonalKind> {
        let mut shape = [0usize; MAX_GROUPS];
        let mut digits = [0u8; MAX_DIGITS];
        let mut n = 0;
        for (i, &(s, e)) in self.groups[a..b].iter().enumerate() {
            shape[i] = e - s;
            if n + (e - s) > MAX_DIGITS {
                return None;
            }
            for (d, &byte) in digits[n..].iter_mut().zip(&text.as_bytes()[s..e]) {
                *d = byte - b'0';
            }
            n += e - s;
        }
        let shape = &shape[..b - a];
        let digits = &digits[..n];
        let seps = self.gaps[a..b - 1].iter().fold(0, |acc, g| acc | g);
        let (start, end) = (self.groups[a].0, self.groups[b - 1].1);
        let glued = if a == 0 { self.glued } else { false };
        if glued
            || text[end..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric)
        {
            return None;
        }
        let plus = a == 0 && self.plus;
        let open = if a == 0 {
            self.open
        } else {
            self.gaps[a - 1] & OPEN != 0
        };
        // A document's number («№ 123-45-67», «№ 442-ФЗ»).
        if text[..start]
            .trim_end_matches([' ', '\u{a0}', '(', '+'])
            .ends_with('№')
        {
            return None;
        }
        let context = Lazy {
            text,
            start: if a == 0 { self.start } else { start },
            words: std::cell::OnceCell::new(),
        };
        let kind = shape_kind(shape, digits, seps, plus, open, &context)?;
        // A quantity: «1500000000 руб.», «8 900 123 45 67 %».
        if !context.get().keyword && is_quantity(&text[end..]) {
            return None;
        }
        Some(kind)
    }
}

/// The separators at `p` (a bit set) and where the next group would start.
fn gap(b: &[u8], mut p: usize) -> (u8, usize) {
    let mut gap = 0;
    for _ in 0..3 {
        let (bit, len) = match b.get(p..) {
            Some([b' ', ..]) => (SPACE, 1),
            Some([b'-', ..]) => (DASH, 1),
            Some([b'(', ..]) => (OPEN, 1),
            Some([b')', ..]) => (CLOSE, 1),
            Some([b'.', ..]) => (DOT, 1),
            // NBSP
            Some([0xc2, 0xa0, ..]) => (SPACE, 2),
            // U+2011 non-breaking hyphen, U+2013 en dash
            Some([0xe2, 0x80, 0x91 | 0x93, ..]) => (DASH, 3),
            // U+2009 thin space, U+202F narrow no-break space
            Some([0xe2, 0x80, 0x89 | 0xaf, ..]) => (SPACE, 3),
            // U+2116 «№»
            Some([0xe2, 0x84, 0x96, ..]) => (NUMERO, 3),
            Some(rest) if rest.starts_with("номер".as_bytes()) => (NUMERO, "номер".len()),
            _ => break,
        };
        gap |= bit;
        p += len;
    }
    (gap, p)
}

/// The [`Context`] of a number, read only when a rule asks: most numbers
/// (years, amounts) are told apart by their shape alone.
struct Lazy<'t> {
    text: &'t str,
    start: usize,
    words: std::cell::OnceCell<Context>,
}

impl Lazy<'_> {
    fn get(&self) -> &Context {
        self.words
            .get_or_init(|| Context::new(self.text, self.start))
    }
}

/// Words before a number that say what it is.
struct Context {
    keyword: bool,
    phone: bool,
    snils: bool,
    inn: bool,
    passport: bool,
}

impl Context {
    /// The words in the 40 bytes before `start`.
    fn new(text: &str, start: usize) -> Context {
        let window = window_before(text, start, 40).to_lowercase();
        let has = |word: &str, whole: bool| {
            window.match_indices(word).any(|(i, _)| {
                let before = window[..i].chars().next_back();
                let after = window[i + word.len()..].chars().next();
                !before.is_some_and(char::is_alphabetic)
                    && (!whole || !after.is_some_and(char::is_alphabetic))
            })
        };
        let phone = [
            "тел",
            "звон",
            "факс",
            "моб",
            "сот",
            "whatsapp",
            "viber",
            "вайбер",
        ]
        .iter()
        .any(|w| has(w, false));
        let snils = has("снилс", true);
        let inn = has("инн", true);
        let passport = has("паспорт", false);
        Context {
            keyword: phone || snils || inn || passport,
            phone,
            snils,
            inn,
            passport,
        }
    }
}

/// At most `bytes` bytes of `text` before `end`, from a character's start.
fn window_before(text: &str, end: usize, bytes: usize) -> &str {
    let mut from = end.saturating_sub(bytes);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    &text[from..end]
}

/// The kind of a number by the shape of its groups, its digits and the
/// words before it.
fn shape_kind(
    shape: &[usize],
    digits: &[u8],
    seps: u8,
    plus: bool,
    open: bool,
    context: &Lazy<'_>,
) -> Option<PersonalKind> {
    let n = digits.len();
    let plain = seps & !(SPACE | DASH) == 0;
    let first = digits[0];

    if plain && !plus && is_card_shape(shape) && (2..=6).contains(&first) && luhn(digits) {
        return Some(PersonalKind::Card);
    }
    if plain && !plus && n == 11 && (shape == [3, 3, 3, 2] || shape == [11]) {
        // A mobile number written together (8 900…) before a СНИЛС whose
        // checksum happens to hold.
        let mobile = shape == [11] && matches!(first, 7 | 8) && digits[1] == 9;
        if context.get().snils || (!mobile && snils_valid(digits)) {
            return Some(PersonalKind::Snils);
        }
    }
    if seps & !(SPACE | NUMERO) == 0 && !plus && (shape == [2, 2, 6] || shape == [4, 6]) {
        return Some(PersonalKind::Passport);
    }
    if shape == [10] && context.get().passport {
        return Some(PersonalKind::Passport);
    }
    if !plus && (shape == [10] || shape == [12]) {
        if context.get().inn {
            return Some(PersonalKind::Inn);
        }
        // An amount written together ends in zeros.
        let round = digits.ends_with(&[0; 5]);
        let valid = if n == 10 {
            inn10_valid(digits) && first != 9
        } else {
            inn12_valid(digits)
        };
        if valid && !round {
            return Some(PersonalKind::Inn);
        }
    }
    if seps & (DOT | NUMERO) == 0 && is_phone(shape, digits, seps, plus, open, context) {
        return Some(PersonalKind::Phone);
    }
    None
}

fn is_card_shape(shape: &[usize]) -> bool {
    matches!(
        shape,
        [4, 4, 4, 4] | [4, 4, 4, 4, 1..=3] | [4, 6, 5] | [16..=19]
    )
}

fn is_phone(
    shape: &[usize],
    digits: &[u8],
    seps: u8,
    plus: bool,
    open: bool,
    context: &Lazy<'_>,
) -> bool {
    let n = digits.len();
    let first = digits[0];
    if plus {
        return if first == 7 {
            n == 11
        } else {
            (11..=13).contains(&n)
        };
    }
    // Ten digits of a number within Russia: a code of 3–5 digits and the
    // subscriber's number.
    let national = |shape: &[usize]| {
        matches!(
            shape,
            [3, 3, 2, 2]
                | [3, 3, 4]
                | [3, 7]
                | [10]
                | [4, 2, 2, 2]
                | [4, 3, 3]
                | [4, 6]
                | [5, 1, 2, 2]
                | [5, 5]
        )
    };
    match shape {
        [1, rest @ ..] if matches!(first, 7 | 8) && national(rest) => true,
        [11] => matches!(first, 7 | 8),
        _ if open && national(shape) => true,
        [3, 3, 2, 2] => true,
        [10] => first == 9,
        [3, 2, 2] => seps & !(SPACE | DASH) == 0,
        [2, 2, 2] => seps == DASH && context.get().phone,
        _ => false,
    }
}

/// Whether the text after a number starts with a unit that makes it a
/// quantity: a currency, «%», «чел.».
fn is_quantity(after: &str) -> bool {
    let after = after.trim_start_matches([' ', '\u{a0}', '\u{202f}', '\u{2009}']);
    let head: String = after.chars().take(4).flat_map(char::to_lowercase).collect();
    [
        "руб", "р.", "₽", "тыс", "млн", "млрд", "коп", "долл", "евро", "$", "€", "%", "чел",
    ]
    .iter()
    .any(|unit| head.starts_with(unit))
}

/// СНИЛС: the first nine digits weighted 9…1; the sum below 100 is the
/// check number, 100 and 101 give 00, above that the sum modulo 101 (100
/// again giving 00). Numbers up to 001-001-998 were issued without one.
fn snils_valid(d: &[u8]) -> bool {
    let number = d[..9].iter().fold(0u32, |acc, &x| acc * 10 + u32::from(x));
    if number <= 1_001_998 {
        return false;
    }
    let sum: u32 = d[..9]
        .iter()
        .zip((1..=9).rev())
        .map(|(&x, w)| u32::from(x) * w)
        .sum();
    let check = match sum {
        0..100 => sum,
        100 | 101 => 0,
        _ => match sum % 101 {
            100 => 0,
            c => c,
        },
    };
    check == u32::from(d[9]) * 10 + u32::from(d[10])
}

fn inn_digit(d: &[u8], weights: &[u32]) -> u8 {
    let sum: u32 = d.iter().zip(weights).map(|(&x, w)| u32::from(x) * w).sum();
    (sum % 11 % 10) as u8
}

/// ИНН of an organisation: one check digit.
fn inn10_valid(d: &[u8]) -> bool {
    inn_digit(d, &[2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[9]
}

/// ИНН of a person: two check digits.
fn inn12_valid(d: &[u8]) -> bool {
    inn_digit(d, &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[10]
        && inn_digit(d, &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[11]
}

fn luhn(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 1 {
                if x * 2 > 9 { x * 2 - 9 } else { x * 2 }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

// ---------------------------------------------------------------------
// Names with initials

/// «Петров И. И.», «Петров И.И.», «И. И. Петров», «И.И.Петров».
fn initials(text: &str, found: &mut Vec<Found>) {
    let b = text.as_bytes();
    // Each initial: a capital Cyrillic letter after no letter, then a dot.
    let mut marks: Vec<(usize, usize)> = Vec::new();
    for dot in memchr::memchr_iter(b'.', b) {
        if dot >= 2
            && is_capital(b, dot - 2)
            && !text[..dot - 2]
                .chars()
                .next_back()
                .is_some_and(char::is_alphabetic)
        {
            marks.push((dot - 2, dot + 1));
        }
    }
    // Two initials in a row: one right after the other, or a space apart.
    let adjoin = |(_, e1): (usize, usize), (s2, _): (usize, usize)| {
        s2 == e1 || (s2 == e1 + 1 && b[e1] == b' ')
    };
    for (i, pair) in marks.windows(2).enumerate() {
        let ((s, e1), (s2, e)) = (pair[0], pair[1]);
        if !adjoin(pair[0], pair[1]) {
            continue;
        }
        // Three initials or more are an abbreviation («П. Ф. Р.»), and
        // «Р. Ф.» is the country.
        let before = i > 0 && adjoin(marks[i - 1], pair[0]);
        let after = marks.get(i + 2).is_some_and(|&next| adjoin(pair[1], next));
        if before || after || (&text[s..e1] == "Р." && &text[s2..e] == "Ф.") {
            continue;
        }
        if found.last().is_some_and(|f| f.end > s) {
            continue;
        }
        let after = if b.get(e) == Some(&b' ') { e + 1 } else { e };
        let name = match capitalized_word(text, after) {
            Some(end) => Some((s, end)),
            None if s > 0 && b[s - 1] == b' ' => {
                capitalized_word_before(text, s - 1).map(|start| (start, e))
            }
            None => None,
        };
        let Some((start, end)) = name else {
            continue;
        };
        // A school, a street «им. И. И. Петрова»: not a participant.
        let before = window_before(text, start, 16).trim_end().to_lowercase();
        if before.ends_with("им.") || before.ends_with("имени") {
            continue;
        }
        found.push(Found {
            kind: PersonalKind::Name,
            start,
            end,
        });
    }
}

/// А–Я or Ё at `p` (two bytes in UTF-8).
fn is_capital(b: &[u8], p: usize) -> bool {
    matches!((b[p], b.get(p + 1)), (0xd0, Some(0x90..=0xaf | 0x81)))
}

fn is_small(c: char) -> bool {
    matches!(c, 'а'..='я' | 'ё')
}

/// The end of a surname-like word at `at`: a capital Cyrillic letter and
/// two small ones or more, perhaps two such parts joined by a dash
/// («Салтыков-Щедрин»).
fn capitalized_word(text: &str, at: usize) -> Option<usize> {
    let mut end = at;
    for (part, piece) in text[at..].split('-').enumerate().take(2) {
        let mut chars = piece.char_indices();
        let capital = chars
            .next()
            .is_some_and(|(_, c)| matches!(c, 'А'..='Я' | 'Ё'));
        let len = chars
            .find(|&(_, c)| !is_small(c))
            .map_or(piece.len(), |(i, _)| i);
        let smalls = piece[..len].chars().count().saturating_sub(1);
        if !capital || smalls < 2 {
            if part == 0 {
                return None;
            }
            break;
        }
        if part == 1 {
            end += 1;
        }
        end += len;
        if len < piece.len() {
            break;
        }
    }
    let next = text[end..].chars().next();
    if next.is_some_and(char::is_alphanumeric) {
        return None;
    }
    Some(end)
}

/// The start of a surname-like word ending at `end`.
fn capitalized_word_before(text: &str, end: usize) -> Option<usize> {
    let start = text[..end]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_cyrillic(c) || c == '-')
        .last()
        .map(|(i, _)| i)?;
    (capitalized_word(text, start) == Some(end)).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        mask(text, &mut Masked::default()).into_owned()
    }

    /// Each kind in the forms people write it, with the text around it.
    #[test]
    fn finds_each_kind() {
        use PersonalKind::*;
        let cases: &[(&str, PersonalKind, &str)] = &[
            // Phones
            ("звоните +7 (900) 123-45-67", Phone, "+7 (900) 123-45-67"),
            ("звоните +7 900 123 45 67.", Phone, "+7 900 123 45 67"),
            ("звоните +79001234567", Phone, "+79001234567"),
            ("звоните 8 (900) 123-45-67", Phone, "8 (900) 123-45-67"),
            ("звоните 8(900)1234567", Phone, "8(900)1234567"),
            ("звоните 8-900-123-45-67", Phone, "8-900-123-45-67"),
            ("звоните 89001234567", Phone, "89001234567"),
            ("звоните 8 800 555 35 35", Phone, "8 800 555 35 35"),
            ("звоните 8 (8652) 12-34-56", Phone, "8 (8652) 12-34-56"),
            ("звоните (8652) 12-34-56", Phone, "(8652) 12-34-56"),
            ("звоните (900) 123-45-67", Phone, "(900) 123-45-67"),
            ("звоните 900 123-45-67", Phone, "900 123-45-67"),
            ("звоните 9001234567", Phone, "9001234567"),
            ("звоните 123-45-67", Phone, "123-45-67"),
            ("тел. 12-34-56", Phone, "12-34-56"),
            (
                "звоните 8\u{a0}900\u{a0}123\u{a0}45\u{a0}67",
                Phone,
                "8\u{a0}900\u{a0}123\u{a0}45\u{a0}67",
            ),
            ("звоните 8–900–123–45–67", Phone, "8–900–123–45–67"),
            ("Минск +375 29 123 45 67", Phone, "+375 29 123 45 67"),
            // E-mail
            ("пишите ivanov.i@mail.ru.", Email, "ivanov.i@mail.ru"),
            (
                "пишите (my_name+tag@sub.example.com)",
                Email,
                "my_name+tag@sub.example.com",
            ),
            ("пишите иванов@почта.рф", Email, "иванов@почта.рф"),
            ("адрес:petrov-77@yandex.ru", Email, "petrov-77@yandex.ru"),
            // СНИЛС
            ("СНИЛС 112-233-445 95", Snils, "112-233-445 95"),
            ("номер 112-233-445-95", Snils, "112-233-445-95"),
            ("номер 11223344595", Snils, "11223344595"),
            ("СНИЛС 123-456-789 00", Snils, "123-456-789 00"),
            // ИНН
            ("ИНН 7707083893", Inn, "7707083893"),
            ("организация 7707083893", Inn, "7707083893"),
            ("ИНН 500100732259", Inn, "500100732259"),
            ("заявитель 500100732259", Inn, "500100732259"),
            // Passports
            ("паспорт 45 10 123456", Passport, "45 10 123456"),
            ("паспорт серии 45 10 № 123456", Passport, "45 10 № 123456"),
            ("паспорт 4510 123456", Passport, "4510 123456"),
            ("серия 4510 номер 123456", Passport, "4510 номер 123456"),
            ("паспорт 4510123456", Passport, "4510123456"),
            // Cards
            ("карта 4111 1111 1111 1111", Card, "4111 1111 1111 1111"),
            ("карта 4111-1111-1111-1111", Card, "4111-1111-1111-1111"),
            ("карта 2200000000000004", Card, "2200000000000004"),
            ("карта 3782 822463 10005", Card, "3782 822463 10005"),
            // Names
            ("предложил Петров И. И., учитель", Name, "Петров И. И."),
            ("предложил Петров И.И. из Уфы", Name, "Петров И.И."),
            ("автор И. И. Петров", Name, "И. И. Петров"),
            ("автор И.И.Петров", Name, "И.И.Петров"),
            (
                "автор Салтыкова-Щедрина Е.А.",
                Name,
                "Салтыкова-Щедрина Е.А.",
            ),
            ("автор Ёлкин Ё. Ё.", Name, "Ёлкин Ё. Ё."),
        ];
        for &(text, kind, want) in cases {
            let got: Vec<(PersonalKind, &str)> = find(text)
                .iter()
                .map(|f| (f.kind, &text[f.start..f.end]))
                .collect();
            assert_eq!(got, [(kind, want)], "{text:?}");
        }
    }

    /// What only looks like personal data stays as written.
    #[test]
    fn leaves_false_positives_alone() {
        let cases = [
            // Law numbers
            "в соответствии с Федеральным законом № 442-ФЗ",
            "закон от 28.12.2013 № 442-ФЗ «Об основах социального обслуживания»",
            "152-ФЗ «О персональных данных»",
            "ГОСТ Р 52143-2013",
            // Dates
            "к 12.03.2018 подготовить",
            "в 2017–2018 годах",
            "с 01-02-2018 по 31-12-2018",
            "срок 12-03-18",
            "2018-03-12",
            "в 2017 2018 2019 годах",
            // Amounts
            "выделить 1 500 000 руб.",
            "выделить 2 500 000 000 рублей",
            "бюджет 9 500 000 000",
            "выделить 1500000000 руб.",
            "выделить 1500000000",
            "увеличить на 12,5 %",
            "охватить 8 900 000 человек",
            // Region and other codes
            "регион 26, код 77",
            "Ставропольский край (26)",
            "ОКВЭД 88.10 и 87.90.1",
            "индекс 355000",
            "ОКТМО 07701000",
            "документ № 123-45-67",
            "приказ № 4510 123456",
            "код А123ВС77",
            "СП 59.13330.2016",
            "п. 2.1.3 и 3.4",
            "с 10-15 до 18-00",
            "тел12-34-56",
            "123 456 789",
            "1 234 567",
            // E-mail look-alikes
            "@minsoc в телеграме",
            "формула a@b",
            "user@localhost",
            // Names
            "т.е. в России",
            "школа им. А. С. Пушкина",
            "школа имени А.С. Пушкина",
            "в г. Н. Новгороде",
            "Ф.И.О. участника",
            "С. Петербург",
            "и т.д. Создать",
            // Abbreviations of three initials, and the country (a real
            // petition of fixtures/exports/roi-2013.csv).
            "из Пенсионного Ф. Р. Ф., выделить средства в П. Ф. Р. Ф. и",
            "Конституции Р. Ф. гарантировано",
            "Конституция Р.Ф. Москва",
        ];
        for text in cases {
            assert_eq!(find(text), [], "{text:?}");
            assert_eq!(masked(text), text);
        }
    }

    proptest::proptest! {
        /// Any text: the values found are in order, apart, on character
        /// boundaries, and masking is a function of the text alone.
        #[test]
        fn found_values_are_ordered_and_apart(
            text in "[0-9 ()+№.@a-zА-Яа-яЁё\u{a0}-]{0,80}"
        ) {
            let found = find(&text);
            let mut end = 0;
            for f in &found {
                proptest::prop_assert!(f.start >= end && f.start < f.end);
                proptest::prop_assert!(text.is_char_boundary(f.start));
                proptest::prop_assert!(text.is_char_boundary(f.end));
                end = f.end;
            }
            proptest::prop_assert_eq!(masked(&text), masked(&text));
        }

        /// Phones and the rest amid letters and digits: found whole.
        #[test]
        fn a_phone_amid_words_is_found_whole(
            before in "[а-я ]{0,20}",
            after in "[ ,.]{1}[а-я ]{0,20}",
        ) {
            let text = format!("{before} 8 (912) 345-67-01{after}");
            proptest::prop_assert_eq!(
                masked(&text),
                format!("{before} [телефон скрыт]{after}")
            );
        }
    }

    #[test]
    fn checksums() {
        let digits = |s: &str| -> Vec<u8> { s.bytes().map(|b| b - b'0').collect() };
        assert!(snils_valid(&digits("11223344595")));
        assert!(!snils_valid(&digits("11223344596")));
        // 165 % 101 = 64
        assert!(snils_valid(&digits("12345678964")));
        assert!(!snils_valid(&digits("12345678900")));
        // Issued before checksums: none to check.
        assert!(!snils_valid(&digits("00100199800")));
        assert!(inn10_valid(&digits("7707083893")));
        assert!(!inn10_valid(&digits("7707083894")));
        assert!(inn12_valid(&digits("500100732259")));
        assert!(!inn12_valid(&digits("500100732258")));
        assert!(luhn(&digits("4111111111111111")));
        assert!(!luhn(&digits("4111111111111112")));
    }

    #[test]
    fn masks_read_naturally_and_count() {
        let mut m = Masked::default();
        let text =
            "Звоните 8-900-123-45-67 или пишите ivanov@mail.ru, СНИЛС 112-233-445 95 (Петров И.И.)";
        assert_eq!(
            mask(text, &mut m),
            "Звоните [телефон скрыт] или пишите [e-mail скрыт], СНИЛС [СНИЛС скрыт] ([ФИО скрыто])"
        );
        assert_eq!(m.found(PersonalKind::Phone), 1);
        assert_eq!(m.found(PersonalKind::Email), 1);
        assert_eq!(m.found(PersonalKind::Snils), 1);
        assert_eq!(m.found(PersonalKind::Name), 1);
        // Two phones in a row, and a phone before a year.
        assert_eq!(
            masked("тел. 8 900 123 45 67 8 900 765 43 21"),
            "тел. [телефон скрыт] [телефон скрыт]"
        );
        assert!(matches!(mask("ничего личного", &mut m), Cow::Borrowed(_)));
        // Deterministic and idempotent: a masked text has nothing left.
        let once = masked(text);
        assert_eq!(masked(&once), once);
    }
}
