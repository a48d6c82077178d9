//! Character encodings of input files: detection from the head of a file, a streaming UTF-16 →
//! UTF-8 transcoder, and per-field decoding of 8-bit code pages.
//!
//! Main items: [`Encoding`], [`detect`], [`Utf16Reader`], [`decode_field`].
//!
//! How the encoding is chosen (from the first [`SAMPLE_LEN`] bytes):
//! 1. a byte-order mark: UTF-8 (`EF BB BF`), UTF-16 LE (`FF FE`) or BE (`FE FF`);
//! 2. no BOM but one byte in two is NUL: UTF-16 LE or BE (ASCII-heavy text written without BOM);
//! 3. valid UTF-8, or *mostly* UTF-8 (more valid multi-byte characters than invalid sequences):
//!    UTF-8, and the rows whose mapped fields are not valid UTF-8 are skipped as undecodable;
//! 4. otherwise an 8-bit code page. It is Windows-1258 (the Windows "Vietnamese" code page,
//!    whose tone marks are separate combining bytes) when its tone bytes `CC EC D2 DE F2` follow
//!    vowels at least three times as often as other letters. Otherwise it is read as
//!    Windows-1252: this is how TCVN3 and VNI-Windows text (which put those same bytes after
//!    consonants: `ThÞ`, `Thò`) reaches [`crate::normalize::legacy`], which decodes it per column.
//!    Reading TCVN3 bytes as Windows-1258 instead would turn `Þ` into a combining tilde and lose
//!    the letter.
//!
//! Invariant: every path yields UTF-8 bytes to the CSV parser except the 8-bit code pages, whose
//! fields are decoded one by one ([`decode_field`]); their delimiters and quotes are ASCII, so
//! parsing the raw bytes is exact. Malformed UTF-16 becomes a `0xFF` byte, which is never valid
//! UTF-8, so such a row is reported as undecodable like a bad UTF-8 row.

use std::io::{self, Read};

use unicode_normalization::UnicodeNormalization;

/// How many bytes of the head of a file are examined to choose the encoding and the delimiter.
pub const SAMPLE_LEN: usize = 64 * 1024;

/// The character encoding of an input file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Encoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark (as Excel writes "CSV UTF-8").
    Utf8Bom,
    /// UTF-16, little-endian (Excel's "Unicode text"), with or without a BOM.
    Utf16Le,
    /// UTF-16, big-endian, with or without a BOM.
    Utf16Be,
    /// Windows-1258, the Windows "Vietnamese" code page. Decoded text is recomposed to NFC.
    Windows1258,
    /// Windows-1252: any other 8-bit text, in particular TCVN3 and VNI-Windows, which the
    /// normaliser decodes later from exactly this form.
    Windows1252,
}

impl Encoding {
    /// The name used in reports and accepted by [`Encoding::parse`].
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Windows1258 => "windows-1258",
            Encoding::Windows1252 => "windows-1252",
        }
    }

    /// Parses a name as given on a command line (`utf8`, `UTF-16LE`, `cp1258`, `windows-1252`…).
    pub fn parse(s: &str) -> Option<Encoding> {
        let key: String =
            s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
        Some(match key.as_str() {
            "utf8" => Encoding::Utf8,
            "utf8bom" | "utf8sig" => Encoding::Utf8Bom,
            "utf16" | "utf16le" | "unicode" => Encoding::Utf16Le,
            "utf16be" => Encoding::Utf16Be,
            "windows1258" | "cp1258" | "vietnamese" => Encoding::Windows1258,
            "windows1252" | "cp1252" | "latin1" | "tcvn3" | "vni" => Encoding::Windows1252,
            _ => return None,
        })
    }

    /// Whether the CSV parser sees UTF-8 (UTF-16 is transcoded to it).
    pub(crate) fn is_utf8(self) -> bool {
        !matches!(self, Encoding::Windows1258 | Encoding::Windows1252)
    }

    /// The byte-order mark this encoding's files start with, if `bytes` starts with it.
    pub(crate) fn bom_len(self, bytes: &[u8]) -> usize {
        let bom: &[u8] = match self {
            Encoding::Utf8 | Encoding::Utf8Bom => b"\xEF\xBB\xBF",
            Encoding::Utf16Le => b"\xFF\xFE",
            Encoding::Utf16Be => b"\xFE\xFF",
            Encoding::Windows1258 | Encoding::Windows1252 => return 0,
        };
        if bytes.starts_with(bom) { bom.len() } else { 0 }
    }
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Chooses the encoding of a file from its first bytes. `complete` says whether `head` is the
/// whole file (otherwise a multi-byte character cut at the end of `head` is not an error).
pub fn detect(head: &[u8], complete: bool) -> Encoding {
    if head.starts_with(b"\xEF\xBB\xBF") {
        return Encoding::Utf8Bom;
    }
    if head.starts_with(b"\xFF\xFE") {
        return Encoding::Utf16Le;
    }
    if head.starts_with(b"\xFE\xFF") {
        return Encoding::Utf16Be;
    }
    if let Some(e) = utf16_without_bom(head) {
        return e;
    }
    let (valid_multibyte, invalid) = utf8_counts(head, complete);
    if invalid == 0 || valid_multibyte > invalid {
        return Encoding::Utf8;
    }
    if looks_like_windows_1258(head) { Encoding::Windows1258 } else { Encoding::Windows1252 }
}

/// UTF-16 without BOM: in ASCII-heavy text one byte of each pair is NUL.
fn utf16_without_bom(head: &[u8]) -> Option<Encoding> {
    let pairs = head.len().min(4096) / 2;
    if pairs < 4 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in head[..pairs * 2].chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    if odd * 10 >= pairs * 4 && even * 20 < pairs {
        Some(Encoding::Utf16Le)
    } else if even * 10 >= pairs * 4 && odd * 20 < pairs {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// (valid non-ASCII characters, invalid sequences) in `bytes` read as UTF-8.
fn utf8_counts(mut bytes: &[u8], complete: bool) -> (usize, usize) {
    let count_multibyte = |s: &str| s.bytes().filter(|&b| b >= 0xC0).count();
    let (mut valid, mut invalid) = (0, 0);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => return (valid + count_multibyte(s), invalid),
            Err(e) => {
                let good = e.valid_up_to();
                // The prefix up to `good` is valid UTF-8 by construction.
                valid += bytes[..good].iter().filter(|&&b| b >= 0xC0).count();
                match e.error_len() {
                    Some(len) => {
                        invalid += 1;
                        bytes = &bytes[good + len..];
                    }
                    // Cut at the end of the sample: not an error unless the file ends there.
                    None => return (valid, invalid + usize::from(complete)),
                }
            }
        }
    }
}

/// Windows-1258 puts its five tone bytes after vowels; TCVN3 and VNI use the same bytes as
/// toned vowels after consonants.
fn looks_like_windows_1258(head: &[u8]) -> bool {
    const TONES: [u8; 5] = [0xCC, 0xEC, 0xD2, 0xDE, 0xF2];
    // Vowels of Windows-1258 that take a combining tone: ASCII ones and â ă ê ô ơ ư (both cases).
    let is_vowel = |b: u8| {
        matches!(b.to_ascii_lowercase(), b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
            || matches!(
                b,
                0xC2 | 0xE2 | 0xC3 | 0xE3 | 0xCA | 0xEA | 0xD4 | 0xF4 | 0xD5 | 0xF5 | 0xDD | 0xFD
            )
    };
    let (mut after_vowel, mut after_other) = (0usize, 0usize);
    for w in head.windows(2) {
        if TONES.contains(&w[1]) {
            if is_vowel(w[0]) {
                after_vowel += 1;
            } else {
                after_other += 1;
            }
        }
    }
    after_vowel > 0 && after_vowel >= 3 * after_other
}

/// Appends the text of one field to `out`. For UTF-8 input (including transcoded UTF-16) the
/// bytes are validated; `Err(offset)` gives the first invalid byte. 8-bit code pages always
/// decode; Windows-1258 text is recomposed to NFC.
pub fn decode_field(encoding: Encoding, bytes: &[u8], out: &mut String) -> Result<(), usize> {
    match encoding {
        Encoding::Windows1258 | Encoding::Windows1252 if !bytes.is_ascii() => {
            let codec = if encoding == Encoding::Windows1258 {
                encoding_rs::WINDOWS_1258
            } else {
                encoding_rs::WINDOWS_1252
            };
            let (text, _) = codec.decode_without_bom_handling(bytes);
            if encoding == Encoding::Windows1258 {
                out.extend(text.nfc());
            } else {
                out.push_str(&text);
            }
            Ok(())
        }
        _ => match std::str::from_utf8(bytes) {
            Ok(s) => {
                out.push_str(s);
                Ok(())
            }
            Err(e) => Err(e.valid_up_to()),
        },
    }
}

/// Decodes a whole (small) byte slice for sniffing: the head of a file as text.
pub(crate) fn decode_head(encoding: Encoding, bytes: &[u8]) -> String {
    let codec = match encoding {
        Encoding::Utf8 | Encoding::Utf8Bom => encoding_rs::UTF_8,
        Encoding::Utf16Le => encoding_rs::UTF_16LE,
        Encoding::Utf16Be => encoding_rs::UTF_16BE,
        Encoding::Windows1258 => encoding_rs::WINDOWS_1258,
        Encoding::Windows1252 => encoding_rs::WINDOWS_1252,
    };
    codec.decode_without_bom_handling(bytes).0.into_owned()
}

const TRANSCODE_BUF: usize = 64 * 1024;

/// A streaming UTF-16 → UTF-8 transcoder (`Read` in, `Read` out), with bounded memory.
///
/// Malformed UTF-16 (an unpaired surrogate) is written as one `0xFF` byte, which makes the row
/// that contains it fail UTF-8 validation: it is then reported and skipped like any
/// undecodable row.
pub struct Utf16Reader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Box<[u8]>,
    in_pos: usize,
    in_len: usize,
    eof: bool,
    output: Box<[u8]>,
    out_pos: usize,
    out_len: usize,
    finished: bool,
}

impl<R: Read> Utf16Reader<R> {
    /// A transcoder of `inner`, whose BOM (if any) has already been consumed.
    pub fn new(inner: R, big_endian: bool) -> Self {
        let codec = if big_endian { encoding_rs::UTF_16BE } else { encoding_rs::UTF_16LE };
        Utf16Reader {
            inner,
            decoder: codec.new_decoder_without_bom_handling(),
            input: vec![0; TRANSCODE_BUF].into_boxed_slice(),
            in_pos: 0,
            in_len: 0,
            eof: false,
            output: vec![0; TRANSCODE_BUF].into_boxed_slice(),
            out_pos: 0,
            out_len: 0,
            finished: false,
        }
    }

    fn fill_output(&mut self) -> io::Result<()> {
        self.out_pos = 0;
        self.out_len = 0;
        while !self.finished {
            if self.in_pos == self.in_len && !self.eof {
                self.in_len = loop {
                    match self.inner.read(&mut self.input) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                };
                self.in_pos = 0;
                self.eof = self.in_len == 0;
            }
            // Keep one spare byte for the marker of a malformed sequence.
            let room = self.output.len() - 1;
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.in_pos..self.in_len],
                &mut self.output[self.out_len..room],
                self.eof,
            );
            self.in_pos += read;
            self.out_len += written;
            match result {
                encoding_rs::DecoderResult::InputEmpty => {
                    if self.eof {
                        self.finished = true;
                    } else if self.out_len > 0 {
                        return Ok(());
                    }
                }
                encoding_rs::DecoderResult::OutputFull => return Ok(()),
                encoding_rs::DecoderResult::Malformed(..) => {
                    self.output[self.out_len] = 0xFF;
                    self.out_len += 1;
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos == self.out_len {
            if self.finished {
                return Ok(0);
            }
            self.fill_output()?;
        }
        let n = (self.out_len - self.out_pos).min(buf.len());
        buf[..n].copy_from_slice(&self.output[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

/// Windows-1258 bytes of Vietnamese text as Windows writes them: a base letter (with its
/// quality mark when the code page has it) followed by a combining tone byte. For tests.
#[cfg(test)]
pub(crate) fn encode_cp1258(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for c in s.chars() {
        let (tones, rest): (Vec<char>, Vec<char>) = std::iter::once(c)
            .nfd()
            .partition(|m| matches!(m, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}'));
        let base: String = rest.into_iter().nfc().collect();
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&base);
        assert!(!unmappable, "{c:?} has no Windows-1258 form");
        out.extend_from_slice(&bytes);
        out.extend(tones.into_iter().map(|t| match t {
            '\u{300}' => 0xCC,
            '\u{301}' => 0xEC,
            '\u{303}' => 0xDE,
            '\u{309}' => 0xD2,
            _ => 0xF2,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns one byte per call: the worst case of chunk boundaries.
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some((&b, rest)) = self.0.split_first() else { return Ok(0) };
            buf[0] = b;
            self.0 = rest;
            Ok(1)
        }
    }

    fn utf16le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn utf16be(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(|u| [(u >> 8) as u8, u as u8]).collect()
    }

    fn cp1258(s: &str) -> Vec<u8> {
        encode_cp1258(s)
    }

    #[test]
    fn boms_decide() {
        assert_eq!(detect(b"\xEF\xBB\xBFho_ten", true), Encoding::Utf8Bom);
        assert_eq!(detect(b"\xFF\xFEh\0", true), Encoding::Utf16Le);
        assert_eq!(detect(b"\xFE\xFF\0h", true), Encoding::Utf16Be);
    }

    #[test]
    fn utf16_without_bom_is_recognised() {
        assert_eq!(
            detect(&utf16le("ho_ten,ngay_sinh\nNguyễn Văn An,1980\n"), true),
            Encoding::Utf16Le
        );
        assert_eq!(
            detect(&utf16be("ho_ten,ngay_sinh\nNguyễn Văn An,1980\n"), true),
            Encoding::Utf16Be
        );
    }

    #[test]
    fn utf8_and_mostly_utf8() {
        assert_eq!(detect("họ tên\nNguyễn Văn An\n".as_bytes(), true), Encoding::Utf8);
        assert_eq!(detect(b"ho_ten\nNguyen Van An\n", true), Encoding::Utf8);
        // A UTF-8 file with one row pasted from a Windows-1258 source.
        let mut bytes = "họ tên\nNguyễn Văn An\nTrần Thị Bình\nLê Văn Đức\n".as_bytes().to_vec();
        bytes.extend(cp1258("Phạm Thị Hồng\n"));
        assert_eq!(detect(&bytes, true), Encoding::Utf8);
        // A character cut at the end of the sample is not an error…
        let cut = &"Nguyễn".as_bytes()[..6];
        assert_eq!(detect(cut, false), Encoding::Utf8);
        // …but a file that ends inside a character is not UTF-8.
        assert_eq!(utf8_counts(cut, true), (0, 1));
    }

    #[test]
    fn windows_1258_against_legacy_8_bit() {
        let text = "họ tên,giới tính\nNguyễn Thị Hồng,Nữ\nTrần Văn Đức,Nam\nLê Thị Thủy,Nữ\n";
        let bytes = cp1258(text);
        assert_eq!(detect(&bytes, true), Encoding::Windows1258);
        let mut out = String::new();
        decode_field(Encoding::Windows1258, &bytes, &mut out).unwrap();
        assert_eq!(out, text, "decoded and recomposed to NFC");

        // TCVN3 bytes ("Nguyễn Thị Hồng" as `NguyÔn ThÞ Hång`) are left to the legacy decoder.
        let tcvn3 =
            crate::normalize::legacy::encode_tcvn3("Nguyễn Thị Hồng,Nữ\nTrần Văn Đức,Nam\n");
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&tcvn3);
        assert_eq!(detect(&bytes, true), Encoding::Windows1252);
        let mut out = String::new();
        decode_field(Encoding::Windows1252, &bytes, &mut out).unwrap();
        assert_eq!(out, tcvn3);

        let vni = crate::normalize::legacy::encode_vni("Nguyễn Thị Hồng,Nữ\nTrần Thị Bình,Nữ\n");
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&vni);
        assert_eq!(detect(&bytes, true), Encoding::Windows1252);
    }

    #[test]
    fn field_decoding_reports_the_bad_byte() {
        let mut out = String::new();
        assert_eq!(decode_field(Encoding::Utf8, b"Nguy\xEAn", &mut out), Err(4));
        assert_eq!(decode_field(Encoding::Utf16Le, b"ok\xFF", &mut out), Err(2));
        out.clear();
        decode_field(Encoding::Utf8Bom, "Đức".as_bytes(), &mut out).unwrap();
        assert_eq!(out, "Đức");
    }

    #[test]
    fn utf16_transcoder_streams_and_marks_bad_units() {
        let text = "họ tên;ngày sinh\n".repeat(10_000);
        for (bytes, be) in [(utf16le(&text), false), (utf16be(&text), true)] {
            let mut out = Vec::new();
            Utf16Reader::new(bytes.as_slice(), be).read_to_end(&mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), text);
        }
        // An unpaired surrogate in the middle.
        let mut bytes = utf16le("ab");
        bytes.extend([0x00, 0xD8]);
        bytes.extend(utf16le("cd"));
        let mut out = Vec::new();
        Utf16Reader::new(bytes.as_slice(), false).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"ab\xFFcd");
        // A one-byte reader (worst case of chunk boundaries).
        let bytes = utf16le("Nguyễn 😀 Văn");
        let mut out = Vec::new();
        Utf16Reader::new(OneByte(&bytes), false).read_to_end(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "Nguyễn 😀 Văn");
    }

    #[test]
    fn names_parse() {
        for e in [
            Encoding::Utf8,
            Encoding::Utf8Bom,
            Encoding::Utf16Le,
            Encoding::Utf16Be,
            Encoding::Windows1258,
            Encoding::Windows1252,
        ] {
            assert_eq!(Encoding::parse(e.as_str()), Some(e));
        }
        assert_eq!(Encoding::parse("CP1258"), Some(Encoding::Windows1258));
        assert_eq!(Encoding::parse("ebcdic"), None);
    }
}
