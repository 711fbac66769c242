//! sborka's Russian analysis as a tantivy tokenizer, so that the index and
//! clustering see the same terms.

use tantivy::Index;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the tokenizer is registered under in every sborka index.
pub const TOKENIZER: &str = "sborka_ru";

#[derive(Clone, Default)]
pub(crate) struct RussianTokenizer {
    analyzer: sborka_text::Analyzer,
    /// Reused from text to text: the analysis, and the tokens with their
    /// strings (no allocation per word once they have grown).
    terms: sborka_text::Terms,
    tokens: Vec<Token>,
}

pub(crate) struct RussianTokenStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl Tokenizer for RussianTokenizer {
    type TokenStream<'a> = RussianTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> RussianTokenStream<'a> {
        self.analyzer.analyse(text, &mut self.terms);
        let n = self.terms.len();
        self.tokens.truncate(n);
        for (i, term) in self.terms.iter().enumerate() {
            let (start, end) = self.terms.span(i);
            if i == self.tokens.len() {
                self.tokens.push(Token::default());
            }
            let token = &mut self.tokens[i];
            token.offset_from = start;
            token.offset_to = end;
            token.position = i;
            token.position_length = 1;
            token.text.clear();
            token.text.push_str(term);
        }
        RussianTokenStream {
            tokens: &mut self.tokens[..n],
            next: 0,
        }
    }
}

impl TokenStream for RussianTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

pub(crate) fn register(index: &Index) {
    index
        .tokenizers()
        .register(TOKENIZER, RussianTokenizer::default());
}
