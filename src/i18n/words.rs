//! An amount of money in Vietnamese words, as a receipt writes it below the figures:
//! 1.500.000 → "Một triệu năm trăm nghìn đồng".
//!
//! Read the way it is said: groups of three digits with nghìn, triệu, tỷ; "mốt" and "lăm"
//! after the tens; "lẻ" for a missing tens digit (105: "một trăm lẻ năm") and before a last
//! part under one hundred (1.000.005: "một triệu lẻ năm").

const DIGITS: [&str; 10] = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"];

/// 0–99.
fn tens(n: u64) -> String {
    match n {
        0..=9 => DIGITS[n as usize].to_owned(),
        10 => "mười".to_owned(),
        11..=19 => format!("mười {}", if n == 15 { "lăm" } else { DIGITS[(n - 10) as usize] }),
        _ => {
            let (t, u) = (n / 10, n % 10);
            let unit = match u {
                0 => return format!("{} mươi", DIGITS[t as usize]),
                1 => "mốt",
                5 => "lăm",
                _ => DIGITS[u as usize],
            };
            format!("{} mươi {unit}", DIGITS[t as usize])
        }
    }
}

/// 0–999.
fn hundreds(n: u64) -> String {
    let (h, rest) = (n / 100, n % 100);
    match (h, rest) {
        (0, _) => tens(rest),
        (_, 0) => format!("{} trăm", DIGITS[h as usize]),
        (_, 1..=9) => format!("{} trăm lẻ {}", DIGITS[h as usize], DIGITS[rest as usize]),
        _ => format!("{} trăm {}", DIGITS[h as usize], tens(rest)),
    }
}

/// A whole number in words, lower case: 21.000.000 → "hai mươi mốt triệu".
pub fn number_vi(n: u64) -> String {
    if n < 1000 {
        return hundreds(n);
    }
    let (unit, name) = if n >= 1_000_000_000 {
        (1_000_000_000, "tỷ")
    } else if n >= 1_000_000 {
        (1_000_000, "triệu")
    } else {
        (1_000, "nghìn")
    };
    let (head, rest) = (n / unit, n % unit);
    let head = format!("{} {name}", number_vi(head));
    match rest {
        0 => head,
        1..=99 => format!("{head} lẻ {}", tens(rest)),
        _ => format!("{head} {}", number_vi(rest)),
    }
}

/// An amount of đồng in words, capitalised: "Một triệu năm trăm nghìn đồng"; a negative one
/// begins "Âm".
pub fn amount_vnd_vi(amount: i64) -> String {
    let words = format!("{} đồng", number_vi(amount.unsigned_abs()));
    let words = if amount < 0 { format!("âm {words}") } else { words };
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_a_receipt_writes_them() {
        assert_eq!(amount_vnd_vi(1_500_000), "Một triệu năm trăm nghìn đồng");
        assert_eq!(amount_vnd_vi(0), "Không đồng");
        assert_eq!(number_vi(105), "một trăm lẻ năm");
        assert_eq!(number_vi(115), "một trăm mười lăm");
        assert_eq!(number_vi(21), "hai mươi mốt");
        assert_eq!(number_vi(1_000_005), "một triệu lẻ năm");
        assert_eq!(number_vi(2_000_000_000_000), "hai nghìn tỷ");
    }
}
