//! What a survey photo must be before it is stored: a JPEG, PNG or WebP of
//! bounded bytes and bounded dimensions.
//!
//! The worker never decodes a photo, but every reader's browser does (the
//! board shows them): a 2 MB PNG can declare 30,000 × 30,000 pixels and
//! decode to gigabytes on a town centre's PC. So the declared dimensions
//! are read from the file's header — a bounded, linear walk that allocates
//! nothing — and checked before the bytes are kept. The app resizes photos
//! to [`MAX_SIDE_FROM_APP`] on the phone; other clients get some room.

use crate::access::{Action, Principal, authorize};
use crate::text::Text;

/// Bytes of one stored photo.
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;
/// The longest side the app's own resizing produces.
pub const MAX_SIDE_FROM_APP: u32 = 1600;
/// The longest side accepted from any client.
pub const MAX_SIDE: u32 = 4096;
/// Pixels accepted (decoded as RGBA: 64 MiB at most).
pub const MAX_PIXELS: u64 = 16 * 1024 * 1024;

/// The image types a photo may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
}

impl Kind {
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
        }
    }
}

/// A photo's type and declared size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Photo {
    pub kind: Kind,
    pub width: u32,
    pub height: u32,
}

/// Why a photo is refused; `code` is stable for clients, `message` says
/// which limit in the user's language.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoError {
    pub code: &'static str,
    pub message: Text,
}

fn refuse(code: &'static str, zh: String, en: String) -> PhotoError {
    PhotoError { code, message: Text::new(zh, en) }
}

/// Checks a photo's bytes: size, type, and declared dimensions.
pub fn inspect(bytes: &[u8]) -> Result<Photo, PhotoError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(refuse(
            "photo_too_large",
            format!("照片太大：最多 {} MB", MAX_PHOTO_BYTES / (1024 * 1024)),
            format!("photo too large: at most {} MB", MAX_PHOTO_BYTES / (1024 * 1024)),
        ));
    }
    let (kind, dimensions) = match bytes {
        [0xFF, 0xD8, 0xFF, ..] => (Kind::Jpeg, jpeg_size(bytes)),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => (Kind::Png, png_size(bytes)),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => (Kind::Webp, webp_size(bytes)),
        _ => {
            return Err(refuse(
                "not_an_image",
                "照片只能是 JPEG、PNG 或 WebP 图片".into(),
                "a photo must be a JPEG, PNG or WebP image".into(),
            ));
        }
    };
    let Some((width, height)) = dimensions.filter(|&(w, h)| w > 0 && h > 0) else {
        return Err(refuse(
            "broken_image",
            "照片文件已损坏，读不出尺寸：请重新拍摄或换一张".into(),
            "the photo is damaged (no readable size): take it again or choose another".into(),
        ));
    };
    if width.max(height) > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(refuse(
            "photo_too_many_pixels",
            format!("照片尺寸 {width}×{height} 太大：长边最多 {MAX_SIDE} 像素"),
            format!("photo {width}×{height} is too large: at most {MAX_SIDE} pixels on the long side"),
        ));
    }
    Ok(Photo { kind, width, height })
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?)))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

/// PNG: the first chunk is IHDR (width, height as big-endian u32).
fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    (b.get(12..16)? == b"IHDR").then_some(())?;
    Some((be32(b, 16)?, be32(b, 20)?))
}

/// JPEG: walks the marker segments to the first start-of-frame. Every step
/// moves forward by at least two bytes, so the walk ends within the file.
fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        // Markers start with 0xFF, possibly padded with more 0xFF bytes.
        (*b.get(at)? == 0xFF).then_some(())?;
        while *b.get(at)? == 0xFF {
            at += 1;
        }
        let marker = *b.get(at)?;
        at += 1;
        match marker {
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => continue,
            // End of image or start of scan before any frame header.
            0xD9 | 0xDA => return None,
            // Start of frame (not DHT 0xC4, JPG 0xC8, DAC 0xCC): length,
            // precision, height, width.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                return Some((be16(b, at + 5)?, be16(b, at + 3)?));
            }
            _ => {
                let length = be16(b, at)? as usize;
                if length < 2 {
                    return None;
                }
                at += length;
            }
        }
    }
}

/// WebP: the first chunk says how — lossy `VP8 `, lossless `VP8L` or
/// extended `VP8X` (canvas size).
fn webp_size(b: &[u8]) -> Option<(u32, u32)> {
    match b.get(12..16)? {
        b"VP8 " => {
            // Frame tag (3 bytes), start code 9D 01 2A, then 14-bit sizes.
            (b.get(23..26)? == [0x9D, 0x01, 0x2A]).then_some(())?;
            let w = u32::from(u16::from_le_bytes(b.get(26..28)?.try_into().ok()?)) & 0x3FFF;
            let h = u32::from(u16::from_le_bytes(b.get(28..30)?.try_into().ok()?)) & 0x3FFF;
            Some((w, h))
        }
        b"VP8L" => {
            (*b.get(20)? == 0x2F).then_some(())?;
            let bits = u32::from_le_bytes(b.get(21..25)?.try_into().ok()?);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => Some((le24(b, 24)? + 1, le24(b, 27)? + 1)),
        _ => None,
    }
}

/// Whether `principal` may see a photo: it may read one of the submissions
/// naming it, or a village it was uploaded for. `grounds` are (org unit,
/// department of the form) of each; any of them suffices, so a photo sent
/// by two villages stays readable by both and by those above them.
pub fn may_read_photo(principal: &Principal, grounds: &[(String, String)]) -> bool {
    grounds.iter().any(|(org_unit, department)| authorize(principal, &Action::ReadSubmission { org_unit, department }).is_allowed())
}

/// Whether `s` is a photo name: a SHA-256 in lowercase hex.
pub fn is_photo_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        b.extend_from_slice(b"IHDR");
        b.extend_from_slice(&width.to_be_bytes());
        b.extend_from_slice(&height.to_be_bytes());
        b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    fn jpeg(width: u16, height: u16) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        // An APP0 segment, padding, then SOF2 (progressive).
        b.extend_from_slice(&[0xFF, 0xE0, 0, 6, b'J', b'F', b'I', b'F']);
        b.extend_from_slice(&[0xFF, 0xFF, 0xC2, 0, 11, 8]);
        b.extend_from_slice(&height.to_be_bytes());
        b.extend_from_slice(&width.to_be_bytes());
        b.extend_from_slice(&[1, 1, 0x11, 0]);
        b.extend_from_slice(&[0xFF, 0xD9]);
        b
    }

    fn webp(chunk: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = b"RIFF\0\0\0\0WEBP".to_vec();
        b.extend_from_slice(chunk);
        b.extend_from_slice(&(body.len() as u32).to_le_bytes());
        b.extend_from_slice(body);
        b
    }

    #[test]
    fn reads_the_declared_size_of_each_kind() {
        assert_eq!(inspect(&png(1600, 1200)).unwrap(), Photo { kind: Kind::Png, width: 1600, height: 1200 });
        assert_eq!(inspect(&jpeg(1200, 1600)).unwrap(), Photo { kind: Kind::Jpeg, width: 1200, height: 1600 });
        // VP8: frame tag, start code, 14-bit sizes (upper bits are scale).
        let lossy = webp(b"VP8 ", &[0, 0, 0, 0x9D, 0x01, 0x2A, 0x40, 0x06, 0xB0, 0x04]);
        assert_eq!(inspect(&lossy).unwrap(), Photo { kind: Kind::Webp, width: 1600, height: 1200 });
        // VP8L: 0x2F, then (w-1) in 14 bits and (h-1) in the next 14.
        let bits: u32 = (1600 - 1) | ((1200 - 1) << 14);
        let mut body = vec![0x2F];
        body.extend_from_slice(&bits.to_le_bytes());
        assert_eq!(inspect(&webp(b"VP8L", &body)).unwrap().width, 1600);
        assert_eq!(inspect(&webp(b"VP8L", &body)).unwrap().height, 1200);
        let extended = webp(b"VP8X", &[0, 0, 0, 0, 0x3F, 0x06, 0, 0xAF, 0x04, 0]);
        assert_eq!((inspect(&extended).unwrap().width, inspect(&extended).unwrap().height), (1600, 1200));
    }

    #[test]
    fn refuses_what_would_decode_to_gigabytes() {
        for bytes in [png(30_000, 30_000), png(MAX_SIDE + 1, 10), jpeg(4096, 4097)] {
            let error = inspect(&bytes).unwrap_err();
            assert_eq!(error.code, "photo_too_many_pixels");
            assert!(error.message.zh.contains("长边最多 4096 像素"), "{}", error.message.zh);
        }
        assert!(inspect(&png(MAX_SIDE, MAX_SIDE)).is_ok(), "the limit itself is allowed");
    }

    #[test]
    fn refuses_other_files_damaged_headers_and_too_many_bytes() {
        assert_eq!(inspect(b"%PDF-1.7").unwrap_err().code, "not_an_image");
        assert_eq!(inspect(b"").unwrap_err().code, "not_an_image");
        // Truncated anywhere before the size: broken, never a panic.
        for whole in [png(100, 100), jpeg(100, 100), webp(b"VP8X", &[0; 10])] {
            for cut in 4..whole.len().min(24) {
                if let Err(e) = inspect(&whole[..cut]) {
                    assert!(matches!(e.code, "broken_image" | "not_an_image"), "{cut}: {}", e.code);
                }
            }
        }
        assert_eq!(inspect(&png(0, 100)).unwrap_err().code, "broken_image");
        // A JPEG whose segment says length 0 or 1 cannot loop in place.
        assert_eq!(inspect(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0xFF, 0xC0]).unwrap_err().code, "broken_image");
        // Scan data before any frame header.
        assert_eq!(inspect(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]).unwrap_err().code, "broken_image");
        let mut big = png(100, 100);
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(inspect(&big).unwrap_err().code, "photo_too_large");
    }

    #[test]
    fn a_long_run_of_padding_or_segments_ends() {
        let mut b = vec![0xFF, 0xD8];
        b.extend(std::iter::repeat_n(0xFF, 100_000));
        assert_eq!(inspect(&b).unwrap_err().code, "broken_image");
        let mut segments = vec![0xFF, 0xD8];
        for _ in 0..50_000 {
            segments.extend_from_slice(&[0xFF, 0xFE, 0, 2]);
        }
        assert_eq!(inspect(&segments).unwrap_err().code, "broken_image");
    }
}
