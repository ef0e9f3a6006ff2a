//! The embedded fonts (DejaVu Sans, regular and bold, subset to Latin) and their metrics.
//! Everything derived from a font file is computed once per process.

use std::collections::HashMap;
use std::sync::OnceLock;

static REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold-subset.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    Regular,
    Bold,
}

impl Style {
    pub const ALL: [Style; 2] = [Style::Regular, Style::Bold];

    pub fn resource_name(self) -> &'static [u8] {
        match self {
            Style::Regular => b"F1",
            Style::Bold => b"F2",
        }
    }

    pub fn get(self) -> &'static Font {
        static FONTS: OnceLock<[Font; 2]> = OnceLock::new();
        let fonts = FONTS.get_or_init(|| {
            [
                Font::load("GPDAAA+DejaVuSans", REGULAR_TTF),
                Font::load("GPDAAB+DejaVuSans-Bold", BOLD_TTF),
            ]
        });
        match self {
            Style::Regular => &fonts[0],
            Style::Bold => &fonts[1],
        }
    }
}

/// A font's metrics in thousandths of the font size, with the PDF objects that embed it.
pub struct Font {
    pub base_name: &'static str,
    glyphs: HashMap<char, (u16, u16)>,
    fallback: (u16, u16),
    /// Advance of every glyph id, in thousandths.
    pub widths: Vec<f32>,
    pub ascent: f32,
    pub descent: f32,
    pub cap_height: f32,
    pub bbox: [f32; 4],
    pub file_length: usize,
    /// The font file, zlib-compressed.
    pub file_deflated: Vec<u8>,
    /// The ToUnicode CMap, zlib-compressed.
    pub to_unicode_deflated: Vec<u8>,
}

impl Font {
    fn load(base_name: &'static str, data: &'static [u8]) -> Font {
        // The files are part of the binary and checked by the tests: a failure is a build bug.
        #[allow(clippy::expect_used)]
        let face = ttf_parser::Face::parse(data, 0).expect("embedded font parses");
        let per_em = f32::from(face.units_per_em());
        let scale = |v: f32| v * 1000.0 / per_em;
        let count = face.number_of_glyphs();
        let widths = (0..count)
            .map(|g| {
                scale(f32::from(
                    face.glyph_hor_advance(ttf_parser::GlyphId(g)).unwrap_or(0),
                ))
            })
            .collect::<Vec<_>>();
        let mut glyphs = HashMap::new();
        let mut cmap = pdf_writer::types::UnicodeCmap::new(
            pdf_writer::Name(b"Adobe-Identity-UCS"),
            pdf_writer::types::SystemInfo {
                registry: pdf_writer::Str(b"Adobe"),
                ordering: pdf_writer::Str(b"UCS"),
                supplement: 0,
            },
        );
        let mut mapped = std::collections::HashSet::new();
        if let Some(table) = face.tables().cmap {
            let mut codepoints = Vec::new();
            for sub in table.subtables.into_iter().filter(|s| s.is_unicode()) {
                sub.codepoints(|c| codepoints.push(c));
            }
            codepoints.sort_unstable();
            codepoints.dedup();
            for c in codepoints {
                let Some(ch) = char::from_u32(c) else {
                    continue;
                };
                if let Some(gid) = face.glyph_index(ch) {
                    let advance = face.glyph_hor_advance(gid).unwrap_or(0);
                    glyphs.insert(ch, (gid.0, advance));
                    if mapped.insert(gid.0) {
                        cmap.pair(gid.0, ch);
                    }
                }
            }
        }
        let fallback = glyphs.get(&'?').copied().unwrap_or((0, 0));
        let b = face.global_bounding_box();
        Font {
            base_name,
            widths,
            ascent: scale(f32::from(face.ascender())),
            descent: scale(f32::from(face.descender())),
            cap_height: scale(f32::from(face.capital_height().unwrap_or(700))),
            bbox: [
                scale(f32::from(b.x_min)),
                scale(f32::from(b.y_min)),
                scale(f32::from(b.x_max)),
                scale(f32::from(b.y_max)),
            ],
            file_length: data.len(),
            file_deflated: miniz_oxide::deflate::compress_to_vec_zlib(data, 9),
            to_unicode_deflated: miniz_oxide::deflate::compress_to_vec_zlib(&cmap.finish(), 9),
            glyphs: glyphs
                .into_iter()
                .map(|(c, (g, a))| (c, (g, (f32::from(a) * 1000.0 / per_em) as u16)))
                .collect(),
            fallback: (fallback.0, (f32::from(fallback.1) * 1000.0 / per_em) as u16),
        }
    }

    /// Glyph id and advance (thousandths) of a character; `?` for one the font lacks.
    fn glyph(&self, c: char) -> (u16, u16) {
        let c = if c.is_control() { ' ' } else { c };
        self.glyphs.get(&c).copied().unwrap_or(self.fallback)
    }

    pub fn has(&self, c: char) -> bool {
        self.glyphs.contains_key(&c)
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let thousandths: u32 = text.chars().map(|c| u32::from(self.glyph(c).1)).sum();
        thousandths as f32 * size / 1000.0
    }

    /// The glyph ids of `text`, big-endian, as an Identity-H string shows them.
    pub fn encode(&self, text: &str) -> Vec<u8> {
        text.chars()
            .flat_map(|c| self.glyph(c).0.to_be_bytes())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonts_cover_italian_german_and_slovenian_letters() {
        for style in Style::ALL {
            let font = style.get();
            for c in "ÀÈÉÌÒÙàèéìòù'’€čšžČŠŽćđßäöüÄÖÜ«»–…".chars()
            {
                assert!(font.has(c), "{} lacks {c}", font.base_name);
            }
            assert!(font.width("Mario Rossi", 10.0) > 40.0);
            assert_eq!(font.encode("A").len(), 2);
        }
    }
}
