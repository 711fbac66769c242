//! Bytes → text: byte-order marks, UTF-8, then a charset detector with
//! Windows-1251 (the default of Russian Excel) as the fallback.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1251};

/// A decoded text and how it was decoded.
#[derive(Debug)]
pub(crate) struct Decoded<'a> {
    /// Borrowed from the bytes when they are valid UTF-8 (the common case:
    /// a large export is neither copied nor held twice).
    pub text: Cow<'a, str>,
    /// The WHATWG name, lower case: `utf-8`, `utf-16le`, `windows-1251`…
    pub encoding: String,
    /// Bytes that were not valid in that encoding (each became U+FFFD).
    pub invalid: u64,
}

/// The encodings a Russian export may come in that chardetng can name;
/// anything else it guesses loses to Windows-1251 unless it yields more
/// Cyrillic letters.
const CYRILLIC: [&str; 6] = [
    "windows-1251",
    "KOI8-R",
    "KOI8-U",
    "IBM866",
    "ISO-8859-5",
    "x-mac-cyrillic",
];

pub(crate) fn decode(bytes: &[u8]) -> Decoded<'_> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return with(encoding, &bytes[bom..]);
    }
    // Before UTF-8: UTF-16 of Russian text is all bytes below 0x80, so it is
    // valid UTF-8 too (full of NULs and 0x04s).
    if let Some(encoding) = utf16_without_bom(bytes) {
        return with(encoding, bytes);
    }
    // simdutf8 checks Cyrillic text several times faster than std (a
    // million-row export: 0.33 s of a 2.5 s read), and says the same.
    if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
        return Decoded {
            text: Cow::Borrowed(text),
            encoding: "utf-8".into(),
            invalid: 0,
        };
    }
    // UTF-8 with a few broken bytes (a bad copy, a cut multi-byte letter)
    // stays UTF-8: re-reading it as Windows-1251 would garble every letter.
    let utf8 = with(UTF_8, bytes);
    let multibyte = bytes.iter().filter(|&&b| b >= 0xc0).count() as u64;
    if multibyte > 0 && utf8.invalid * 20 <= multibyte {
        return utf8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"ru"), chardetng::Utf8Detection::Deny);
    if CYRILLIC.contains(&guess.name()) {
        return with(guess, bytes);
    }
    let guessed = with(guess, bytes);
    let cp1251 = with(WINDOWS_1251, bytes);
    if cyrillic_letters(&cp1251.text) >= cyrillic_letters(&guessed.text) {
        cp1251
    } else {
        guessed
    }
}

fn with(encoding: &'static Encoding, bytes: &[u8]) -> Decoded<'static> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(
        decoder
            .max_utf8_buffer_length(bytes.len())
            .unwrap_or(bytes.len()),
    );
    let (_, _, _) = decoder.decode_to_string(bytes, &mut text, true);
    // encoding_rs says only whether something was replaced: count the
    // replacement characters (a literal U+FFFD in the input counts too).
    let invalid = text.chars().filter(|&c| c == '\u{fffd}').count() as u64;
    Decoded {
        text: Cow::Owned(text),
        encoding: encoding.name().to_ascii_lowercase(),
        invalid,
    }
}

/// UTF-16 without a byte-order mark: many zero bytes, nearly all at odd
/// (little endian) or even (big endian) positions.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() < 4 || !bytes.len().is_multiple_of(2) {
        return None;
    }
    let sample = &bytes[..bytes.len().min(4096)];
    let (mut even, mut odd) = (0usize, 0usize);
    for (i, &b) in sample.iter().enumerate() {
        if b == 0 {
            if i.is_multiple_of(2) {
                even += 1;
            } else {
                odd += 1;
            }
        }
    }
    let half = sample.len() / 2;
    // ASCII in UTF-16 has a zero in every pair; Cyrillic (U+04xx) has 0x04.
    let pairs_04 = |first: bool| {
        sample
            .chunks_exact(2)
            .filter(|p| if first { p[0] == 4 } else { p[1] == 4 })
            .count()
    };
    let le = odd + pairs_04(false);
    let be = even + pairs_04(true);
    if le * 10 >= half * 9 && even * 10 < half {
        Some(UTF_16LE)
    } else if be * 10 >= half * 9 && odd * 10 < half {
        Some(UTF_16BE)
    } else {
        None
    }
}

fn cyrillic_letters(text: &str) -> usize {
    text.chars()
        .filter(|c| ('\u{400}'..='\u{4ff}').contains(c))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        encoding.encode(text).0.into_owned()
    }

    #[test]
    fn detection_table() {
        let text = "Текст предложения;Тема\nСоздать школу ухода за пожилыми;Пожилые\n";
        let utf16le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let utf16be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let bom = |prefix: &[u8], body: &[u8]| [prefix, body].concat();
        let mut broken = text.as_bytes().to_vec();
        broken[30] = 0xff;
        let cases: Vec<(&str, Vec<u8>, &str, u64)> = vec![
            ("utf-8", text.as_bytes().to_vec(), "utf-8", 0),
            (
                "utf-8 bom",
                bom(b"\xef\xbb\xbf", text.as_bytes()),
                "utf-8",
                0,
            ),
            ("utf-16le bom", bom(b"\xff\xfe", &utf16le), "utf-16le", 0),
            ("utf-16be bom", bom(b"\xfe\xff", &utf16be), "utf-16be", 0),
            ("utf-16le no bom", utf16le.clone(), "utf-16le", 0),
            ("cp1251", encode(WINDOWS_1251, text), "windows-1251", 0),
            // chardetng names KOI8-U, a superset: the Russian letters decode alike.
            ("koi8-r", encode(encoding_rs::KOI8_R, text), "koi8-u", 0),
            // The bad byte and the letter it cut: two replacements.
            ("utf-8, one bad byte", broken, "utf-8", 2),
        ];
        for (name, bytes, want, invalid) in cases {
            let d = decode(&bytes);
            assert_eq!(d.encoding, want, "{name}");
            assert_eq!(d.invalid, invalid, "{name}");
            if invalid == 0 {
                assert_eq!(d.text, text, "{name}");
            }
        }
    }

    #[test]
    fn short_cp1251_word() {
        // «Да» alone is too short for statistics: the fallback decides.
        let bytes = encode(WINDOWS_1251, "Да");
        let d = decode(&bytes);
        assert_eq!((&*d.text, d.encoding.as_str()), ("Да", "windows-1251"));
    }
}
