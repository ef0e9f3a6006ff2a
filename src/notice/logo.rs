//! The institution's logo: a PNG decoded to the pixels a PDF image holds.

/// Largest logo file accepted.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;
/// Largest logo side, in pixels.
pub const MAX_LOGO_SIDE: u32 = 2000;

/// Pixels ready for a PDF image: gray or RGB, 8 bits, with an optional alpha channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    pub width: u32,
    pub height: u32,
    /// 1 (gray) or 3 (RGB) bytes per pixel.
    pub channels: u8,
    pub pixels: Vec<u8>,
    pub alpha: Option<Vec<u8>>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LogoError {
    #[error("the logo must be a PNG image (an SVG can be converted, e.g. `rsvg-convert -h 240 logo.svg > logo.png`)")]
    NotPng,
    #[error("the logo is larger than {MAX_LOGO_BYTES} bytes")]
    TooLarge,
    #[error("the logo is {0}x{1} pixels: at most {MAX_LOGO_SIDE} on each side")]
    TooManyPixels(u32, u32),
    #[error("the logo is not a readable PNG image: {0}")]
    Unreadable(String),
}

/// Decodes a PNG logo, within the limits above.
pub fn decode(data: &[u8]) -> Result<Logo, LogoError> {
    if data.len() > MAX_LOGO_BYTES {
        return Err(LogoError::TooLarge);
    }
    if !data.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(LogoError::NotPng);
    }
    let unreadable = |e: png::DecodingError| LogoError::Unreadable(e.to_string());
    let mut decoder = png::Decoder::new(std::io::Cursor::new(data));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(unreadable)?;
    let (w, h) = {
        let info = reader.info();
        (info.width, info.height)
    };
    if w == 0 || h == 0 || w > MAX_LOGO_SIDE || h > MAX_LOGO_SIDE {
        return Err(LogoError::TooManyPixels(w, h));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| LogoError::Unreadable("image too large".to_owned()))?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(unreadable)?;
    buf.truncate(info.buffer_size());
    let (channels, has_alpha) = match info.color_type {
        png::ColorType::Grayscale => (1, false),
        png::ColorType::GrayscaleAlpha => (1, true),
        png::ColorType::Rgb => (3, false),
        png::ColorType::Rgba => (3, true),
        png::ColorType::Indexed => {
            return Err(LogoError::Unreadable("unexpanded palette".to_owned()))
        }
    };
    if !has_alpha {
        return Ok(Logo {
            width: w,
            height: h,
            channels,
            pixels: buf,
            alpha: None,
        });
    }
    let stride = usize::from(channels) + 1;
    let mut pixels = Vec::with_capacity(buf.len() / stride * usize::from(channels));
    let mut alpha = Vec::with_capacity(buf.len() / stride);
    for px in buf.chunks_exact(stride) {
        pixels.extend_from_slice(&px[..stride - 1]);
        alpha.push(px[stride - 1]);
    }
    let opaque = alpha.iter().all(|a| *a == 255);
    Ok(Logo {
        width: w,
        height: h,
        channels,
        pixels,
        alpha: (!opaque).then_some(alpha),
    })
}

/// A logo compressed for PDF once, to be shared by every notice rendered with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub pixels_deflated: Vec<u8>,
    pub alpha_deflated: Option<Vec<u8>>,
}

/// Decodes and compresses a PNG logo for [`super::render`].
pub fn prepare(data: &[u8]) -> Result<Prepared, LogoError> {
    let logo = decode(data)?;
    let deflate = |b: &[u8]| miniz_oxide::deflate::compress_to_vec_zlib(b, 6);
    Ok(Prepared {
        width: logo.width,
        height: logo.height,
        channels: logo.channels,
        pixels_deflated: deflate(&logo.pixels),
        alpha_deflated: logo.alpha.as_deref().map(deflate),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_png() {
        assert_eq!(decode(b"<svg/>"), Err(LogoError::NotPng));
        assert!(matches!(
            decode(b"\x89PNG\r\n\x1a\nbroken"),
            Err(LogoError::Unreadable(_))
        ));
    }
}
