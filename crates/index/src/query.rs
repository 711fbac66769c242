//! The query language: words, "exact phrases", `-exclusions`, `OR`,
//! parentheses; words side by side must all match.
//!
//! Parsed by hand rather than by tantivy's `QueryParser` so that a user's
//! text can never name a field, a range or a regex, and so that every error
//! says which character is wrong. Words go through `sborka_text::Analyzer`,
//! the analysis of the index.

use sborka_text::Analyzer;

/// How deep parentheses may nest: deeper is an error, not a stack overflow.
const MAX_DEPTH: usize = 32;

/// How long a query may be, in characters.
pub const MAX_CHARS: usize = 2000;

/// A parsed query.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    /// Every proposal (an empty query, or one of exclusions only).
    All,
    /// One word: its terms (the lemmas of an ambiguous word; one
    /// otherwise), any of which matches.
    Word(Vec<String>),
    /// Words one after another: a quoted phrase, or a word the analyzer
    /// splits («соц-обслуживание»).
    Phrase(Vec<Vec<String>>),
    /// Every positive clause, none of the negative ones.
    And(Vec<(bool, Node)>),
    /// At least one.
    Or(Vec<Node>),
}

/// Why a query cannot be read: a one-line message pointing at a character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Lex {
    Word(String),
    Phrase(String),
    Open,
    Close,
    Or,
    Not,
}

/// Tokens with their 1-based character positions.
fn lex(text: &str) -> Result<Vec<(usize, Lex)>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if is_quote(c) {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && !is_quote(chars[end]) {
                end += 1;
            }
            if end == chars.len() {
                return Err(ParseError(format!(
                    "unclosed quote at character {at}: {}",
                    excerpt(&chars, i)
                )));
            }
            out.push((at, Lex::Phrase(chars[start..end].iter().collect())));
            i = end + 1;
        } else if c == '(' {
            out.push((at, Lex::Open));
            i += 1;
        } else if c == ')' {
            out.push((at, Lex::Close));
            i += 1;
        } else if c == '-' && i + 1 < chars.len() && !chars[i + 1].is_whitespace() {
            // A dash glued to what follows excludes it; a lone dash is
            // punctuation.
            let prev_is_space = i == 0 || chars[i - 1].is_whitespace() || chars[i - 1] == '(';
            if prev_is_space {
                out.push((at, Lex::Not));
                i += 1;
            } else {
                i = word(&chars, i, &mut out);
            }
        } else {
            i = word(&chars, i, &mut out);
        }
    }
    Ok(out)
}

fn word(chars: &[char], start: usize, out: &mut Vec<(usize, Lex)>) -> usize {
    let mut end = start;
    while end < chars.len()
        && !chars[end].is_whitespace()
        && !is_quote(chars[end])
        && chars[end] != '('
        && chars[end] != ')'
    {
        end += 1;
    }
    let w: String = chars[start..end].iter().collect();
    let lex = match w.as_str() {
        "OR" | "ИЛИ" => Lex::Or,
        // An explicit AND is what words side by side mean anyway.
        "AND" | "И" if !out.is_empty() => return end,
        _ => Lex::Word(w),
    };
    out.push((start + 1, lex));
    end
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '«' | '»' | '„' | '“' | '”')
}

/// A few characters of the query from `i`, for error messages.
fn excerpt(chars: &[char], i: usize) -> String {
    let s: String = chars[i..].iter().take(20).collect();
    if chars.len() - i > 20 {
        format!("{s}…")
    } else {
        s
    }
}

struct Parser<'a> {
    lexes: Vec<(usize, Lex)>,
    next: usize,
    analyzer: &'a Analyzer,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Lex> {
        self.lexes.get(self.next).map(|(_, l)| l)
    }

    fn at(&self) -> usize {
        self.lexes.get(self.next).map_or(0, |(at, _)| *at)
    }

    /// Clauses until the end or a closing parenthesis.
    fn and(&mut self) -> Result<Node, ParseError> {
        let mut clauses = Vec::new();
        while let Some(lex) = self.peek() {
            if *lex == Lex::Close {
                break;
            }
            let (negative, node) = self.or()?;
            if let Some(node) = node {
                clauses.push((negative, node));
            }
        }
        Ok(simplify_and(clauses))
    }

    /// One clause: `-x`, or `x OR y OR …`. `None` when it holds no word.
    fn or(&mut self) -> Result<(bool, Option<Node>), ParseError> {
        let at = self.at();
        if self.peek() == Some(&Lex::Not) {
            self.next += 1;
            let node = self.primary()?;
            if self.peek() == Some(&Lex::Or) {
                return Err(ParseError(format!(
                    "an exclusion cannot be one of OR's alternatives (character {at})"
                )));
            }
            return Ok((true, node));
        }
        let first = self.primary()?;
        let mut alternatives: Vec<Node> = first.into_iter().collect();
        while self.peek() == Some(&Lex::Or) {
            let or_at = self.at();
            self.next += 1;
            match self.peek() {
                None | Some(Lex::Close) | Some(Lex::Or) => {
                    return Err(ParseError(format!(
                        "OR at character {or_at} has nothing after it"
                    )));
                }
                Some(Lex::Not) => {
                    return Err(ParseError(format!(
                        "an exclusion cannot be one of OR's alternatives (character {})",
                        self.at()
                    )));
                }
                _ => {}
            }
            alternatives.extend(self.primary()?);
        }
        Ok((
            false,
            match alternatives.len() {
                0 => None,
                1 => alternatives.pop(),
                _ => Some(Node::Or(alternatives)),
            },
        ))
    }

    fn primary(&mut self) -> Result<Option<Node>, ParseError> {
        let at = self.at();
        let Some((_, lex)) = self.lexes.get(self.next).cloned() else {
            return Err(ParseError(
                "the query ends where a word was expected".to_string(),
            ));
        };
        self.next += 1;
        match lex {
            Lex::Word(w) | Lex::Phrase(w) => Ok(self.terms(&w)),
            Lex::Open => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(ParseError(format!(
                        "parentheses nest deeper than {MAX_DEPTH} at character {at}"
                    )));
                }
                let inner = self.and()?;
                if self.peek() != Some(&Lex::Close) {
                    return Err(ParseError(format!(
                        "unclosed parenthesis at character {at}"
                    )));
                }
                self.next += 1;
                self.depth -= 1;
                Ok(match inner {
                    Node::And(c) if c.is_empty() => None,
                    node => Some(node),
                })
            }
            Lex::Close => Err(ParseError(format!(
                "unexpected closing parenthesis at character {at}"
            ))),
            Lex::Or => Err(ParseError(format!(
                "OR at character {at} has nothing before it"
            ))),
            Lex::Not => Err(ParseError(format!(
                "an exclusion at character {at} must be followed by a word"
            ))),
        }
    }

    fn terms(&self, text: &str) -> Option<Node> {
        let mut words = self.analyzer.words(text);
        match words.len() {
            0 => None,
            1 => words.pop().map(Node::Word),
            _ => Some(Node::Phrase(words)),
        }
    }
}

fn simplify_and(mut clauses: Vec<(bool, Node)>) -> Node {
    if clauses.is_empty() {
        return Node::And(clauses);
    }
    if clauses.len() == 1 && !clauses[0].0 {
        return clauses.pop().map(|(_, n)| n).unwrap_or(Node::All);
    }
    Node::And(clauses)
}

/// Parses `text`. An empty query (or one without a word the analyzer
/// keeps) is [`Node::All`] if blank, an error otherwise.
pub(crate) fn parse(text: &str, analyzer: &Analyzer) -> Result<Node, ParseError> {
    let count = text.chars().count();
    if count > MAX_CHARS {
        return Err(ParseError(format!(
            "the query is {count} characters long; at most {MAX_CHARS} are read"
        )));
    }
    if text.trim().is_empty() {
        return Ok(Node::All);
    }
    let mut parser = Parser {
        lexes: lex(text)?,
        next: 0,
        analyzer,
        depth: 0,
    };
    let node = parser.and()?;
    if parser.next < parser.lexes.len() {
        return Err(ParseError(format!(
            "unexpected closing parenthesis at character {}",
            parser.at()
        )));
    }
    match node {
        Node::And(c) if c.is_empty() => Err(ParseError(format!(
            "no word to look for in {:?}",
            excerpt(&text.chars().collect::<Vec<_>>(), 0)
        ))),
        node => Ok(node),
    }
}

/// What a hit may be highlighted for: the terms of every word not under
/// an exclusion (into `words`), and every phrase (into `phrases`), whose
/// words are marked only where they stand one after another.
pub(crate) fn positive_terms(
    node: &Node,
    words: &mut Vec<String>,
    phrases: &mut Vec<Vec<Vec<String>>>,
) {
    match node {
        Node::All => {}
        Node::Word(ts) => words.extend(ts.iter().cloned()),
        Node::Phrase(ws) => phrases.push(ws.clone()),
        Node::And(clauses) => {
            for (negative, n) in clauses {
                if !negative {
                    positive_terms(n, words, phrases);
                }
            }
        }
        Node::Or(ns) => {
            for n in ns {
                positive_terms(n, words, phrases);
            }
        }
    }
}

/// The number of typos a term may carry in the fuzzy fallback: stems are
/// short, so one for most words, two for long ones, none for very short.
pub(crate) fn fuzz_distance(term: &str) -> u8 {
    match term.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Whether some beginning of `term` is within `max` of `query` (what
/// tantivy's prefix fuzzy terms match).
pub(crate) fn within_prefix_distance(query: &str, term: &str, max: u8) -> bool {
    let len = query.chars().count();
    let lo = len.saturating_sub(usize::from(max));
    term.char_indices()
        .map(|(i, _)| i)
        .chain([term.len()])
        .enumerate()
        .filter(|&(chars, _)| chars >= lo && chars <= len + usize::from(max))
        .any(|(_, end)| within_distance(query, &term[..end], max))
}

/// Optimal string alignment distance (Levenshtein with adjacent
/// transpositions), the distance tantivy's fuzzy terms use; `None` when it
/// exceeds `max`.
pub(crate) fn within_distance(a: &str, b: &str, max: u8) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let max = usize::from(max);
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()] <= max
}

/// A parsed query written back compactly, for the tests' tables: a word's
/// terms joined by `|`, phrases quoted, `(and …)`, `(or …)`, `-` for a
/// negated part, `*` for everything.
#[cfg(test)]
pub(crate) fn show(node: &Node) -> String {
    match node {
        Node::All => "*".to_string(),
        Node::Word(ts) => ts.join("|"),
        Node::Phrase(ws) => format!(
            "\"{}\"",
            ws.iter().map(|w| w.join("|")).collect::<Vec<_>>().join(" ")
        ),
        Node::And(cs) => format!(
            "(and {})",
            cs.iter()
                .map(|(neg, n)| format!("{}{}", if *neg { "-" } else { "" }, show(n)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Node::Or(ns) => format!("(or {})", ns.iter().map(show).collect::<Vec<_>>().join(" ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        let a = Analyzer::new();
        let cases = [
            ("", "*"),
            ("   ", "*"),
            ("пожилых", "пожил"),
            ("Ёлка", "елк"),
            ("пожилых сиделки", "(and пожил сиделк)"),
            ("пожилых AND сиделки", "(and пожил сиделк)"),
            ("\"без очереди\"", "\"без очеред\""),
            ("«без очереди»", "\"без очеред\""),
            ("пожилым -сиделки", "(and пожил -сиделк)"),
            ("-сиделки", "(and -сиделк)"),
            ("сиделка OR ёлка", "(or сиделк елк)"),
            ("сиделка ИЛИ ёлка дети", "(and (or сиделк елк) дет)"),
            ("(сиделка OR ёлка) -дети", "(and (or сиделк елк) -дет)"),
            ("соц-обслуживание", "\"соц обслуживан\""),
            (
                "<script>alert(1)</script>",
                "(and \"script alert\" 1 script)",
            ),
            ("пожилых —", "пожил"),
            ("or", "or"),
        ];
        for (text, want) in cases {
            let got = parse(text, &a).map(|n| show(&n));
            assert_eq!(got, Ok(want.to_string()), "{text:?}");
        }
    }

    #[test]
    fn parse_errors_table() {
        let a = Analyzer::new();
        let cases = [
            ("\"без очереди", "unclosed quote at character 1"),
            ("пожилых AND (", "unclosed parenthesis at character 13"),
            ("пожилых )", "unexpected closing parenthesis at character 9"),
            ("OR пожилых", "OR at character 1 has nothing before it"),
            ("пожилых OR", "OR at character 9 has nothing after it"),
            ("a OR -b", "an exclusion cannot be one of OR's alternatives"),
            ("— …", "no word to look for"),
            ("- -", "no word to look for"),
        ];
        for (text, want) in cases {
            let err = parse(text, &a).expect_err(text).0;
            assert!(err.contains(want), "{text:?}: {err}");
            assert!(!err.contains('\n'), "{text:?}: one line");
        }
        let deep = "(".repeat(100) + "a" + &")".repeat(100);
        assert!(parse(&deep, &a).unwrap_err().0.contains("nest deeper"));
        let long = "а ".repeat(MAX_CHARS);
        assert!(parse(&long, &a).unwrap_err().0.contains("at most"));
    }

    #[test]
    fn distance_table() {
        let cases = [
            ("пожил", "пожил", 0, true),
            ("пожил", "пожел", 1, true),
            ("пожил", "пожле", 1, false),
            ("сиделк", "сидекл", 1, true),
            ("сиделк", "сдлк", 1, false),
            ("сиделк", "сдлк", 2, true),
            ("", "аб", 1, false),
        ];
        for (a, b, max, want) in cases {
            assert_eq!(within_distance(a, b, max), want, "{a} {b} {max}");
        }
        // A misspelt stem against the beginning of a lemma.
        let prefixes = [
            ("пажил", "пожилой", 1, true),
            ("сидекк", "сиделка", 1, true),
            ("сидекк", "сиделка", 0, false),
            ("пожилой", "пожил", 1, false),
            ("пожилой", "пожило", 1, true),
        ];
        for (q, term, max, want) in prefixes {
            assert_eq!(
                within_prefix_distance(q, term, max),
                want,
                "{q} {term} {max}"
            );
        }
    }
}
