//! The 2D codes of a notice as module matrices: QR (ISO/IEC 18004, level M) and Data Matrix
//! (ECC200). Drawn as vector rectangles by the PDF writer.

/// A square or rectangular matrix of dark (true) and light modules, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modules {
    pub width: usize,
    pub height: usize,
    pub dark: Vec<bool>,
}

impl Modules {
    /// Horizontal runs of dark modules: (row, first column, length).
    pub fn runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.height {
            let row = &self.dark[y * self.width..(y + 1) * self.width];
            let mut x = 0;
            while x < self.width {
                if row[x] {
                    let start = x;
                    while x < self.width && row[x] {
                        x += 1;
                    }
                    runs.push((y, start, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot encode the {0}: {1}")]
pub struct CodeError(&'static str, String);

/// The QR code of `content`, error correction level M, in byte mode and version 4 as pagoPA's
/// notices (a larger version only for a content that does not fit).
pub fn qr(content: &str) -> Result<Modules, CodeError> {
    use qrcode::{bits::Bits, EcLevel, QrCode, Version};
    let v4 = || {
        let mut bits = Bits::new(Version::Normal(4));
        bits.push_byte_data(content.as_bytes())?;
        bits.push_terminator(EcLevel::M)?;
        QrCode::with_bits(bits, EcLevel::M)
    };
    let code = v4()
        .or_else(|_| QrCode::with_error_correction_level(content, EcLevel::M))
        .map_err(|e| CodeError("QR code", e.to_string()))?;
    let width = code.width();
    Ok(Modules {
        width,
        height: width,
        dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect(),
    })
}

/// The square Data Matrix (ECC200) of `content`, whose characters are ISO-8859-1.
pub fn data_matrix(content: &str) -> Result<Modules, CodeError> {
    let bytes: Vec<u8> = content
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    let code =
        datamatrix::DataMatrix::encode(&bytes, datamatrix::SymbolList::default().enforce_square())
            .map_err(|e| CodeError("data matrix", format!("{e:?}")))?;
    let bitmap = code.bitmap();
    let (width, height) = (bitmap.width(), bitmap.height());
    let mut dark = vec![false; width * height];
    for (x, y) in bitmap.pixels() {
        dark[y * width + x] = true;
    }
    Ok(Modules {
        width,
        height,
        dark,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_of_a_notice_is_version_4() {
        let m = qr("PAGOPA|002|302000000000000184|77777777777|1230").unwrap();
        assert_eq!((m.width, m.height), (33, 33));
        assert!(m.runs().len() > 100);
    }

    #[test]
    fn data_matrix_round_trips() {
        let content = format!("codfase=NBPA;18302000000000000184{}A", " ".repeat(200));
        let m = data_matrix(&content).unwrap();
        assert_eq!(m.width, m.height);
        let decoded = datamatrix::DataMatrix::decode(&m.dark, m.width).unwrap();
        assert_eq!(decoded, content.as_bytes());
    }
}
