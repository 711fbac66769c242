//! sborka's Russian analysis as a tantivy tokenizer, so that the index and
//! clustering see the same terms.

use tantivy::Index;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the tokenizer is registered under in every sborka index.
pub const TOKENIZER: &str = "sborka_ru";

#[derive(Clone, Default)]
pub(crate) struct RussianTokenizer {
    /// The index's analysis: lemmas ([`sborka_text::Analyzer::lemmatizing`]).
    analyzer: sborka_text::Analyzer,
    /// Reused from text to text: the analysis and the token handed out (no
    /// allocation per word once they have grown).
    terms: sborka_text::Terms,
    token: Token,
    /// The text `terms` is the analysis of (at first the empty text, which
    /// has no terms). A cluster's documents are
    /// indexed one after another, and a fifth of proposals repeat another
    /// word for word: such a text is not analysed again.
    analysed: String,
}

/// The terms of one text, handed to tantivy one token at a time.
pub(crate) struct RussianTokenStream<'a> {
    terms: &'a sborka_text::Terms,
    token: &'a mut Token,
    next: usize,
}

impl Tokenizer for RussianTokenizer {
    type TokenStream<'a> = RussianTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> RussianTokenStream<'a> {
        if self.analysed != text {
            self.analyzer.analyse(text, &mut self.terms);
            self.analysed.clear();
            self.analysed.push_str(text);
        }
        RussianTokenStream {
            terms: &self.terms,
            token: &mut self.token,
            next: 0,
        }
    }
}

impl TokenStream for RussianTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let i = self.next;
        if i == self.terms.len() {
            return false;
        }
        self.next += 1;
        let (start, end) = self.terms.span(i);
        let token = &mut *self.token;
        token.offset_from = start;
        token.offset_to = end;
        token.position = self.terms.position(i);
        token.position_length = 1;
        token.text.clear();
        token.text.push_str(self.terms.term(i));
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Registers `analyzer` (each of tantivy's copies keeps its own cache).
pub(crate) fn register(index: &Index, analyzer: &sborka_text::Analyzer) {
    index.tokenizers().register(
        TOKENIZER,
        RussianTokenizer {
            analyzer: analyzer.clone(),
            ..RussianTokenizer::default()
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens of `text`, as tantivy reads them.
    fn tokens(tokenizer: &mut RussianTokenizer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
    }

    #[test]
    fn tokens_are_the_analyzers_terms_whatever_came_before() {
        let analyzer = sborka_text::Analyzer::new();
        let texts = [
            "Открыть центры для пожилых людей",
            "Открыть центры для пожилых людей",
            "",
            "Открыть центры для пожилых людей",
            "Ёлки, палки: 2018 год!",
            "   ",
            "Ёлки, палки: 2018 год!",
        ];
        let mut tokenizer = RussianTokenizer::default();
        for text in texts {
            let want: Vec<_> = analyzer
                .tokens(text)
                .into_iter()
                .map(|t| (t.term, t.position, t.start, t.end))
                .collect();
            assert_eq!(tokens(&mut tokenizer, text), want, "{text:?}");
        }
    }
}
