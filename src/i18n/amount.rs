//! Amounts of money as people type them on a phone: "3.500.000", "3 500 000", "3,5 triệu",
//! "3.5tr", "350k", "1,2 tỷ đồng".

/// The whole đồng `text` says, or `None` when it says something else: a decimal comma with
/// no unit ("3,5"), a fraction of a đồng ("1,2345678 triệu"), or more than ten thousand
/// billion.
pub fn read_amount_vnd(text: &str) -> Option<i64> {
    let mut rest: String = text
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    for currency in ["đồng", "dong", "vnđ", "vnd", "đ", "₫"] {
        if let Some(stripped) = rest.strip_suffix(currency) {
            rest = stripped.to_owned();
            break;
        }
    }
    let units: [(&str, i64); 9] = [
        ("triệu", 1_000_000),
        ("trieu", 1_000_000),
        ("tr", 1_000_000),
        ("nghìn", 1_000),
        ("nghin", 1_000),
        ("ngàn", 1_000),
        ("ngan", 1_000),
        ("k", 1_000),
        ("tỷ", 1_000_000_000),
    ];
    let unit = units
        .iter()
        .chain([("ty", 1_000_000_000)].iter())
        .find_map(|(word, times)| rest.strip_suffix(word).map(|n| (n.to_owned(), *times)));
    match unit {
        Some((number, times)) => scaled(&number, times),
        None => grouped(&rest),
    }
}

/// "3,5" or "3.5" times a unit, exactly; "1.250" with a unit is 1.25 of it (one separator is
/// a decimal one), "1.250.000" with a unit is grouped thousands.
fn scaled(number: &str, times: i64) -> Option<i64> {
    let separators = number.matches(['.', ',']).count();
    if separators > 1 {
        return grouped(number)?.checked_mul(times);
    }
    let (whole, fraction) = number.split_once(['.', ',']).unwrap_or((number, ""));
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 9 {
        return None;
    }
    let scale = 10i64.pow(fraction.len() as u32);
    let part = if fraction.is_empty() {
        0
    } else {
        fraction.parse::<i64>().ok()?
    };
    if (part * times) % scale != 0 {
        return None; // a fraction of a đồng
    }
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(times)?
        .checked_add(part * times / scale)
}

/// "3500000", "3.500.000", "3,500,000": digits, grouped by threes after the first group.
fn grouped(number: &str) -> Option<i64> {
    if number.contains('.') && number.contains(',') {
        return None;
    }
    let mut groups = number.split(['.', ',']);
    let first = groups.next()?;
    if first.is_empty() || first.len() > 12 || !all_digits(first) {
        return None;
    }
    let mut digits = first.to_owned();
    for group in groups {
        if group.len() != 3 || !all_digits(group) {
            return None;
        }
        digits.push_str(group);
    }
    digits.parse().ok()
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::read_amount_vnd;

    #[test]
    fn amounts_read_as_people_type_them() {
        for (text, amount) in [
            ("3500000", 3_500_000),
            ("3.500.000", 3_500_000),
            ("3 500 000", 3_500_000),
            ("3,500,000", 3_500_000),
            ("3.500.000 đ", 3_500_000),
            ("3.500.000₫", 3_500_000),
            ("3,5 triệu", 3_500_000),
            ("3,5 Triệu đồng", 3_500_000),
            ("3.5tr", 3_500_000),
            ("3tr", 3_000_000),
            ("350k", 350_000),
            ("350 nghìn", 350_000),
            ("1,25 tỷ", 1_250_000_000),
            ("0", 0),
        ] {
            assert_eq!(read_amount_vnd(text), Some(amount), "{text}");
        }
    }

    #[test]
    fn what_is_not_whole_dong_is_not_read() {
        for text in [
            "",
            "3,5",
            "3.5",
            "abc",
            "3.50.000",
            "1.500,5",
            "1,0000005 tr",
            "-5",
            "tr",
            "3,5,6 triệu",
        ] {
            assert_eq!(read_amount_vnd(text), None, "{text}");
        }
    }
}
