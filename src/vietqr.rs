//! VietQR: the NAPAS 247 profile of the EMVCo merchant-presented QR code, which every
//! Vietnamese banking app scans to fill in a transfer (bank, account, amount, description).
//!
//! A payload is a run of `ID LENGTH VALUE` fields (two digits of id, two of length); the
//! account sits in field 38 under NAPAS's GUID `A000000727`, the description in 62/08, and
//! field 63 ends it with the CRC-16/CCITT-FALSE of everything before, its own `6304`
//! included.

use std::fmt::Write;

/// A transfer to encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer<'a> {
    /// The bank's NAPAS BIN, six digits.
    pub bin: &'a str,
    pub account_number: &'a str,
    /// Whole đồng; `None`: the payer types it.
    pub amount_vnd: Option<i64>,
    /// What the transfer says (ASCII letters, digits and spaces; at most 25 characters, what
    /// NAPAS carries whole).
    pub description: &'a str,
}

/// NAPAS's application identifier in field 38.
const NAPAS_GUID: &str = "A000000727";
/// Field 38/02: a transfer to an account (not to a card, `QRIBFTTC`).
const TO_ACCOUNT: &str = "QRIBFTTA";
/// Vietnamese đồng, ISO 4217.
const VND: &str = "704";
/// The longest description kept: ASCII, so a bank that cuts at 25 bytes keeps all of it.
pub const DESCRIPTION_MAX: usize = 25;

fn field(out: &mut String, id: &str, value: &str) {
    // Every value written here is ASCII and under 100 bytes.
    let _ = write!(out, "{id}{:02}{value}", value.len());
}

/// The payload of a dynamic VietQR code (point of initiation 12: for one transfer).
pub fn payload(t: &Transfer<'_>) -> String {
    let mut beneficiary = String::new();
    field(&mut beneficiary, "00", t.bin);
    field(&mut beneficiary, "01", t.account_number);
    let mut account = String::new();
    field(&mut account, "00", NAPAS_GUID);
    field(&mut account, "01", &beneficiary);
    field(&mut account, "02", TO_ACCOUNT);

    let mut out = String::with_capacity(160);
    field(&mut out, "00", "01");
    field(&mut out, "01", if t.amount_vnd.is_some() { "12" } else { "11" });
    field(&mut out, "38", &account);
    field(&mut out, "53", VND);
    if let Some(amount) = t.amount_vnd {
        field(&mut out, "54", &amount.to_string());
    }
    field(&mut out, "58", "VN");
    let description = description(t.description);
    if !description.is_empty() {
        let mut additional = String::new();
        field(&mut additional, "08", &description);
        field(&mut out, "62", &additional);
    }
    out.push_str("6304");
    let crc = crc16_ccitt(out.as_bytes());
    let _ = write!(out, "{crc:04X}");
    out
}

/// A description as banks carry it: diacritics dropped (đ → d), capitals, letters, digits
/// and single spaces only, at most [`DESCRIPTION_MAX`] characters.
pub fn description(text: &str) -> String {
    let folded = hoicho_projections::fold(text).to_uppercase();
    let kept: String = folded
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let words = kept.split_whitespace().collect::<Vec<_>>().join(" ");
    words
        .chars()
        .take(DESCRIPTION_MAX)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR.
pub fn crc16_ccitt(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in bytes {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The QR code of `payload` as an SVG drawing (`module` px a module, a quiet zone of four).
pub fn svg(payload: &str, module: u32) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .module_dimensions(module, module)
            .quiet_zone(true)
            .build(),
    )
}

/// The QR code of `payload` as a PNG image (`module` px a module, a quiet zone of four): what
/// mail clients show (most do not show SVG).
pub fn png(payload: &str, module: u32) -> Option<Vec<u8>> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let side = (width + 2 * quiet) as u32 * module;
    let mut pixels = vec![255u8; (side * side) as usize];
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (x, y) = ((i % width + quiet) as u32, (i / width + quiet) as u32);
        for dy in 0..module {
            let row = ((y * module + dy) * side) as usize;
            let start = row + (x * module) as usize;
            pixels[start..start + module as usize].fill(0);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().ok()?;
        writer.write_image_data(&pixels).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crc_is_ccitt_false() {
        // The check value of the CRC catalogue for CRC-16/CCITT-FALSE.
        assert_eq!(crc16_ccitt(b"123456789"), 0x29B1);
    }

    #[test]
    fn payloads_match_the_specification_field_by_field() {
        // Worked out by hand from the NAPAS/EMVCo fields (the CRC with Python's binascii.crc_hqx,
        // which is CRC-16/CCITT-FALSE from 0xFFFF): 00 02 "01" · 01 02 "12" · 38 57
        // (00 10 GUID · 01 27 (00 06 BIN · 01 13 account) · 02 08 QRIBFTTA) · 53 03 704 ·
        // 54 07 amount · 58 02 VN · 62 12 (08 08 code) · 63 04 CRC.
        let transfer = Transfer {
            bin: "970436",
            account_number: "0011001932418",
            amount_vnd: Some(1_500_000),
            description: "HC7K3M9Q",
        };
        assert_eq!(
            payload(&transfer),
            "00020101021238570010A00000072701270006970436011300110019324180208QRIBFTTA\
             5303704540715000005802VN62120808HC7K3M9Q6304FEC2"
        );
        // Without an amount or a description: a static code (01 "11"), no 54, no 62.
        let open = Transfer {
            bin: "970405",
            account_number: "3700205000001",
            amount_vnd: None,
            description: "",
        };
        assert_eq!(
            payload(&open),
            "00020101021138570010A00000072701270006970405011337002050000010208QRIBFTTA\
             53037045802VN630417EA"
        );
    }

    #[test]
    fn descriptions_lose_their_marks_and_stay_short() {
        assert_eq!(description("HC7K3M9Q Hộ Đức Lạng"), "HC7K3M9Q HO DUC LANG");
        assert_eq!(description("  a--b  "), "A B");
        assert_eq!(
            description("HC7K3M9Q phí gian hàng hội chợ OCOP").len(),
            DESCRIPTION_MAX
        );
    }
}
