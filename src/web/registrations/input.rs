//! Reading an application (API.md "An application, as JSON") into checked values: every bad
//! field named in the client's language, nothing stored until all is well.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Months, NaiveDate};
use hoicho_events::{Address, Application, BoothCode, BoothRequest, Producer, ProducerType, Product, Zone, ZoneCode};
use hoicho_projections::BoothView;
use serde_json::{Map, Value};

use crate::i18n::Lang;
use crate::web::kit::error::ApiError;
use crate::web::kit::input::{field, Check};

/// What of the fair an application is checked against.
pub struct FairContext<'a> {
    pub zones: &'a BTreeMap<ZoneCode, Zone>,
    pub booths: &'a BTreeMap<BoothCode, BoothView>,
    /// Today in the fair's time zone: certificates must not have expired already.
    pub today: NaiveDate,
}

const FIELDS: &[&str] = &[
    "organization",
    "producer_type",
    "tax_code",
    "representative",
    "phone",
    "email",
    "language",
    "address",
    "products",
    "producers",
    "booth_request",
];

fn producer_type(
    check: &mut Check,
    obj: &Map<String, Value>,
    path: &str,
    allow_delegation: bool,
) -> Option<ProducerType> {
    let text = check.text(obj, path, "producer_type", 32, true)?;
    let parsed = match text.as_str() {
        "doanh_nghiep" => Some(ProducerType::DoanhNghiep),
        "htx" => Some(ProducerType::Htx),
        "to_hop_tac" => Some(ProducerType::ToHopTac),
        "ho_kinh_doanh" => Some(ProducerType::HoKinhDoanh),
        "ca_nhan" => Some(ProducerType::CaNhan),
        "doan" if allow_delegation => Some(ProducerType::Doan),
        _ => None,
    };
    if parsed.is_none() {
        check.fail2(
            field(path, "producer_type"),
            "phải là một trong: doanh_nghiep, htx, to_hop_tac, ho_kinh_doanh, ca_nhan, doan",
            "must be one of doanh_nghiep, htx, to_hop_tac, ho_kinh_doanh, ca_nhan, doan",
        );
    }
    parsed
}

/// Province codes that begin a 12-digit personal identity number (CCCD).
const PROVINCE_CODES: &[&str] = &[
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022", "024", "025",
    "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042", "044", "045", "046", "048",
    "049", "051", "052", "054", "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
    "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096",
];

/// The check digit of a 10-digit tax code (Circular 105/2020/TT-BTC): 10 − (Σ dᵢ·wᵢ mod 11)
/// over the first nine digits; a result of 10 means no valid code has those nine digits.
fn tax_check_digit(first9: &[u8]) -> Option<u8> {
    const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];
    let sum: u32 = first9.iter().zip(WEIGHTS).map(|(d, w)| u32::from(*d) * w).sum();
    let check = 10 - (sum % 11);
    (check <= 9).then_some(check as u8)
}

/// A tax code in its stored form (`0312687878`, `0312687878-001`, or a 12-digit personal
/// id), or why it is not one.
pub fn tax_code(raw: &str) -> Result<String, (&'static str, &'static str)> {
    let cleaned: String = raw.chars().filter(|c| !matches!(c, ' ' | '.')).collect();
    let digits: Vec<u8> = cleaned
        .chars()
        .filter(char::is_ascii_digit)
        .map(|c| c as u8 - b'0')
        .collect();
    let only_digits_and_dash = cleaned.chars().all(|c| c.is_ascii_digit() || c == '-');
    if !only_digits_and_dash || cleaned.matches('-').count() > 1 {
        return Err((
            "chỉ gồm chữ số (và một dấu '-' trước mã chi nhánh)",
            "may hold only digits (and one '-' before a branch number)",
        ));
    }
    let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    match (digits.len(), cleaned.find('-')) {
        (10, None) | (13, Some(10)) | (13, None) => {
            if tax_check_digit(&digits[..9]) != Some(digits[9]) {
                return Err(("mã số thuế sai chữ số kiểm tra", "the tax code's check digit is wrong"));
            }
            if digits.len() == 13 {
                if &text[10..] == "000" {
                    return Err((
                        "mã chi nhánh phải từ 001 đến 999",
                        "the branch number must be 001 to 999",
                    ));
                }
                return Ok(format!("{}-{}", &text[..10], &text[10..]));
            }
            Ok(text)
        }
        (12, None) => {
            if PROVINCE_CODES.contains(&&text[..3]) {
                Ok(text)
            } else {
                Err((
                    "số định danh cá nhân có mã tỉnh không hợp lệ",
                    "the personal id number has no valid province code",
                ))
            }
        }
        _ => Err((
            "phải là mã số thuế 10 số, 13 số (10 số và mã chi nhánh) hoặc số định danh cá nhân 12 số",
            "must be a 10-digit tax code, 13 digits (10 and a branch) or a 12-digit personal id",
        )),
    }
}

fn tax_code_field(check: &mut Check, obj: &Map<String, Value>, path: &str, required: bool) -> Option<String> {
    let raw = check.text(obj, path, "tax_code", 20, required)?;
    match tax_code(&raw) {
        Ok(code) => Some(code),
        Err((vi, en)) => {
            check.fail2(field(path, "tax_code"), vi, en);
            None
        }
    }
}

/// A Vietnamese mobile number as `+84` and nine digits.
pub fn mobile_phone(raw: &str) -> Option<String> {
    let compact: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let national = if let Some(rest) = compact.strip_prefix("+84") {
        rest.to_owned()
    } else if let Some(rest) = compact.strip_prefix("0084") {
        rest.to_owned()
    } else if let Some(rest) = compact.strip_prefix('0') {
        rest.to_owned()
    } else if compact.len() == 11 && compact.starts_with("84") {
        compact[2..].to_owned()
    } else {
        return None;
    };
    let ok = national.len() == 9
        && national.chars().all(|c| c.is_ascii_digit())
        && matches!(national.as_bytes()[0], b'3' | b'5' | b'7' | b'8' | b'9');
    ok.then(|| format!("+84{national}"))
}

const GROUPS: &[&str] = &["I", "II", "III", "IV", "V", "VI"];

fn product(check: &mut Check, value: &Value, path: &str, today: NaiveDate) -> Option<Product> {
    let obj = check.object(
        value,
        path,
        &[
            "name",
            "group",
            "subgroup",
            "stars",
            "certificate_no",
            "certificate_expires",
        ],
    )?;
    let name = check.name(obj, path, "name", 200, true);
    let group = check.text(obj, path, "group", 8, true).map(|g| g.to_uppercase());
    let group = match group {
        Some(g) if GROUPS.contains(&g.as_str()) => Some(g),
        Some(_) => {
            check.fail2(
                field(path, "group"),
                "phải là nhóm sản phẩm OCOP I, II, III, IV, V hoặc VI",
                "must be an OCOP product group I to VI",
            );
            None
        }
        None => None,
    };
    let subgroup = check.text(obj, path, "subgroup", 16, false);
    if let (Some(sub), Some(g)) = (&subgroup, &group) {
        let ok = sub
            .strip_prefix(g.as_str())
            .is_some_and(|rest| rest.starts_with('.') && rest.len() > 1)
            && sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
        if !ok {
            check.fail2(
                field(path, "subgroup"),
                format!("phải thuộc nhóm {g}, ví dụ {g}.1"),
                format!("must be within group {g}, e.g. {g}.1"),
            );
        }
    }
    let stars = match obj.get("stars") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(n @ 3..=5) => Some(n as u8),
            _ => {
                check.fail2(
                    field(path, "stars"),
                    "phải là 3, 4, 5 hoặc null (chưa có sao OCOP)",
                    "must be 3, 4, 5 or null (no OCOP rating)",
                );
                None
            }
        },
    };
    let starred = stars.is_some();
    let certificate_no = check.name(obj, path, "certificate_no", 64, starred);
    let expires = if starred || obj.get("certificate_expires").is_some_and(|v| !v.is_null()) {
        check.date(obj, path, "certificate_expires")
    } else {
        None
    };
    if let Some(expires) = expires {
        if expires < today {
            check.fail2(
                field(path, "certificate_expires"),
                "giấy chứng nhận OCOP đã hết hạn",
                "the OCOP certificate has already expired",
            );
        } else if today
            .checked_add_months(Months::new(37))
            .is_some_and(|limit| expires > limit)
        {
            check.fail2(
                field(path, "certificate_expires"),
                "giấy chứng nhận OCOP chỉ có hiệu lực 36 tháng",
                "an OCOP certificate is valid for 36 months",
            );
        }
    }
    Some(Product {
        name: name?,
        group: group?,
        subgroup,
        stars,
        certificate_no,
        certificate_expires: expires,
    })
}

fn products(
    check: &mut Check,
    obj: &Map<String, Value>,
    path: &str,
    today: NaiveDate,
    required: bool,
) -> Option<Vec<Product>> {
    let items = match obj.get("products") {
        None | Some(Value::Null) if !required => return Some(Vec::new()),
        _ => check.array(obj, path, "products", 30)?,
    };
    if required && items.is_empty() {
        check.fail2(
            field(path, "products"),
            "cần ít nhất một sản phẩm",
            "needs at least one product",
        );
        return None;
    }
    let parsed: Vec<Option<Product>> = items
        .iter()
        .enumerate()
        .map(|(i, v)| product(check, v, &format!("{}[{i}]", field(path, "products")), today))
        .collect();
    parsed.into_iter().collect()
}

fn address(check: &mut Check, value: Option<&Value>) -> Option<Address> {
    let Some(value) = value else {
        check.fail2("address", "bắt buộc", "is required");
        return None;
    };
    let obj = check.object(value, "address", &["line", "commune", "province", "legacy_district"])?;
    let line = check.name(obj, "address", "line", 200, false);
    let commune = check.name(obj, "address", "commune", 100, true);
    let province = check.name(obj, "address", "province", 100, true);
    let legacy_district = check.name(obj, "address", "legacy_district", 100, false);
    Some(Address {
        line,
        commune: commune?,
        province: province?,
        legacy_district,
    })
}

fn booth_request(check: &mut Check, value: Option<&Value>, fair: &FairContext<'_>) -> Option<BoothRequest> {
    let Some(value) = value else {
        check.fail2("booth_request", "bắt buộc", "is required");
        return None;
    };
    let path = "booth_request";
    let obj = check.object(
        value,
        path,
        &["count", "kind", "zone", "preferred_booths", "needs_power", "note"],
    )?;
    let count = check.integer(obj, path, "count", 1, 10, true);
    let kind = match obj.get("kind") {
        None | Some(Value::Null) => None,
        Some(_) => check.code(obj, path, "kind", 32).map(|k| k.to_lowercase()),
    };
    if let Some(k) = &kind {
        let known_kind = fair.booths.is_empty() || fair.booths.values().any(|b| b.booth.kind == *k);
        if !known_kind {
            let kinds: BTreeSet<&str> = fair.booths.values().map(|b| b.booth.kind.as_str()).collect();
            let known = kinds.into_iter().collect::<Vec<_>>().join(", ");
            check.fail2(
                field(path, "kind"),
                format!("hội chợ có các loại gian: {known}"),
                format!("this fair has booth kinds {known}"),
            );
        }
    }
    let zone = match obj.get("zone") {
        None | Some(Value::Null) => None,
        Some(_) => check.code(obj, path, "zone", 16),
    };
    if let Some(z) = &zone {
        if !fair.zones.is_empty() && !fair.zones.contains_key(&ZoneCode::new_unchecked(z.as_str())) {
            check.fail2(
                field(path, "zone"),
                format!("hội chợ không có khu {z}"),
                format!("this fair has no zone {z}"),
            );
        }
    }
    let mut preferred = Vec::new();
    if let Some(items) = obj.get("preferred_booths").filter(|v| !v.is_null()) {
        match items.as_array() {
            Some(items) if items.len() <= 10 => {
                for (i, item) in items.iter().enumerate() {
                    let code = item.as_str().map(str::trim).unwrap_or("");
                    if fair.booths.contains_key(&BoothCode::new_unchecked(code)) {
                        preferred.push(BoothCode::new_unchecked(code));
                    } else {
                        check.fail2(
                            format!("{path}.preferred_booths[{i}]"),
                            "không có gian này trong sơ đồ",
                            "no such booth on the floor plan",
                        );
                    }
                }
            }
            _ => check.fail2(
                format!("{path}.preferred_booths"),
                "phải là danh sách tối đa 10 mã gian",
                "must be a list of at most 10 booth codes",
            ),
        }
    }
    let needs_power = match obj.get("needs_power") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            check.fail2(
                format!("{path}.needs_power"),
                "phải là true hoặc false",
                "must be true or false",
            );
            false
        }
    };
    let note = check.text(obj, path, "note", 500, false);
    Some(BoothRequest {
        count: count? as u32,
        kind,
        zone: zone.map(ZoneCode::new_unchecked),
        preferred_booths: preferred,
        needs_power,
        note,
    })
}

fn producer(check: &mut Check, value: &Value, path: &str, today: NaiveDate) -> Option<Producer> {
    let obj = check.object(value, path, &["organization", "producer_type", "tax_code", "products"])?;
    let organization = check.name(obj, path, "organization", 200, true);
    let kind = producer_type(check, obj, path, false);
    let optional_tax = matches!(kind, Some(ProducerType::HoKinhDoanh | ProducerType::CaNhan));
    let tax = tax_code_field(check, obj, path, !optional_tax);
    let products = products(check, obj, path, today, true);
    Some(Producer {
        organization: organization?,
        producer_type: kind?,
        tax_code: tax,
        products: products?,
    })
}

/// Checks a whole application against the fair.
pub fn parse(body: &Value, fair: &FairContext<'_>, lang: Lang) -> Result<Application, ApiError> {
    let mut check = Check::new(lang);
    let Some(obj) = check.object(body, "", FIELDS) else {
        return Err(check.into_error());
    };
    let organization = check.name(obj, "", "organization", 200, true);
    let kind = producer_type(&mut check, obj, "", true);
    let delegation = kind == Some(ProducerType::Doan);
    let optional_tax = matches!(
        kind,
        Some(ProducerType::HoKinhDoanh | ProducerType::CaNhan | ProducerType::Doan)
    );
    let tax = tax_code_field(&mut check, obj, "", !optional_tax);
    let representative = check.name(obj, "", "representative", 100, true);
    let phone = check.text(obj, "", "phone", 32, true).and_then(|raw| {
        let parsed = mobile_phone(&raw);
        if parsed.is_none() {
            check.fail2(
                "phone",
                "phải là số di động Việt Nam, ví dụ 0912 345 678",
                "must be a Vietnamese mobile number such as 0912 345 678",
            );
        }
        parsed
    });
    // A household or one person selling may have no email: the private link is theirs to
    // keep, and the organizers reach them by phone.
    let email_optional = matches!(kind, Some(ProducerType::HoKinhDoanh | ProducerType::CaNhan));
    let email = check.text(obj, "", "email", 254, !email_optional).and_then(|raw| {
        let email = raw.to_lowercase();
        if crate::domain::looks_like_email(&email) {
            Some(email)
        } else {
            check.fail2("email", "không phải địa chỉ email hợp lệ", "is not an email address");
            None
        }
    });
    let language = match check.text(obj, "", "language", 2, false).as_deref() {
        None => Some("vi".to_owned()),
        Some(l @ ("vi" | "en")) => Some(l.to_owned()),
        Some(_) => {
            check.fail2("language", "phải là vi hoặc en", "must be vi or en");
            None
        }
    };
    let address = address(&mut check, obj.get("address").filter(|v| !v.is_null()));
    let products = products(&mut check, obj, "", fair.today, !delegation);
    let producers = match obj.get("producers") {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(_) => {
            let items = check.array(obj, "", "producers", 50).cloned().unwrap_or_default();
            if !delegation && !items.is_empty() {
                check.fail2(
                    "producers",
                    "chỉ đoàn/đơn vị (doan) mới kê khai các cơ sở sản xuất",
                    "only a delegation (doan) lists producers",
                );
            }
            let parsed: Vec<Option<Producer>> = items
                .iter()
                .enumerate()
                .map(|(i, v)| producer(&mut check, v, &format!("producers[{i}]"), fair.today))
                .collect();
            parsed.into_iter().collect()
        }
    };
    if delegation && producers.as_ref().is_some_and(Vec::is_empty) {
        check.fail2(
            "producers",
            "đoàn/đơn vị cần kê khai ít nhất một cơ sở sản xuất",
            "a delegation lists at least one producer",
        );
    }
    let booth_request = booth_request(&mut check, obj.get("booth_request").filter(|v| !v.is_null()), fair);
    check.finish()?;
    let missing = || ApiError::malformed("the application could not be read");
    Ok(Application {
        organization: organization.ok_or_else(missing)?,
        producer_type: kind.ok_or_else(missing)?,
        tax_code: tax,
        representative: representative.ok_or_else(missing)?,
        phone: phone.ok_or_else(missing)?,
        email: match email {
            Some(email) => email,
            None if email_optional => String::new(),
            None => return Err(missing()),
        },
        language: language.ok_or_else(missing)?,
        address: address.ok_or_else(missing)?,
        products: products.ok_or_else(missing)?,
        producers: producers.ok_or_else(missing)?,
        booth_request: booth_request.ok_or_else(missing)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_codes_follow_the_official_check_digit() {
        assert_eq!(tax_code("0312687878").unwrap(), "0312687878");
        assert_eq!(tax_code("0312687878-001").unwrap(), "0312687878-001");
        assert_eq!(tax_code("0312687878001").unwrap(), "0312687878-001");
        assert_eq!(tax_code("031 268 7878").unwrap(), "0312687878");
        assert!(tax_code("0312687879").is_err(), "wrong check digit");
        assert!(tax_code("0312687878-000").is_err(), "branch 000");
        assert!(tax_code("031268787").is_err(), "too short");
        assert!(tax_code("03126878a8").is_err());
        assert_eq!(
            tax_code("042095001234").unwrap(),
            "042095001234",
            "a Hà Tĩnh personal id"
        );
        assert!(tax_code("999095001234").is_err(), "no such province");
    }

    fn named(value: Value) -> (Option<String>, BTreeMap<String, String>) {
        let mut check = Check::new(Lang::En);
        let obj = serde_json::json!({ "name": value });
        let name = check.name(obj.as_object().unwrap(), "products[0]", "name", 200, true);
        (name, check.errors)
    }

    #[test]
    fn a_name_is_refused_for_markup_emoji_no_letters_a_lone_accent_a_direction_override_or_invisible_characters() {
        for good in [
            "Cam bù Hương Sơn",
            "Nu\u{031b}o\u{031b}\u{0301}c ma\u{0306}\u{0301}m",
            "123/QĐ-UBND",
            "A",
            "7",
        ] {
            let (name, errors) = named(Value::from(good));
            assert!(name.is_some() && errors.is_empty(), "{good:?}: {errors:?}");
        }
        for (bad, problem) in [
            ("<b>Cam</b>", "markup or emoji"),
            ("Cam 🍊", "markup or emoji"),
            ("@", "at least one letter or digit"),
            ("-- / --", "at least one letter or digit"),
            ("\u{0301}\u{0301}\u{0301}", "at least one letter or digit"),
            ("\u{0301}Cam", "an accent on its own"),
            ("Cam \u{202e}nớc", "direction of text"),
            ("\u{2067}Cam", "direction of text"),
            ("Cam\u{200f}", "direction of text"),
            ("Nguyễn\u{200b} Văn An", "invisible"),
            ("\u{feff}HTX Sơn Kim", "invisible"),
            ("HTX Sơn\u{2060}Kim", "invisible"),
            ("Nguyễn Văn\u{2028}An", "invisible"),
            ("Cam\u{200d}bù", "invisible"),
            ("Cam\u{00ad}bù", "invisible"),
        ] {
            let (name, errors) = named(Value::from(bad));
            assert_eq!(name, None, "{bad:?}");
            let said = &errors["products[0].name"];
            assert!(said.contains(problem), "{bad:?}: {said}");
        }
    }

    #[test]
    fn mobile_numbers_are_stored_as_plus_84() {
        assert_eq!(mobile_phone("0912 345 678").as_deref(), Some("+84912345678"));
        assert_eq!(mobile_phone("+84 912.345.678").as_deref(), Some("+84912345678"));
        assert_eq!(mobile_phone("84912345678").as_deref(), Some("+84912345678"));
        assert_eq!(mobile_phone("0392 111 222").as_deref(), Some("+84392111222"));
        assert_eq!(mobile_phone("0239 3855 123"), None, "a landline");
        assert_eq!(mobile_phone("091234567"), None, "too short");
    }
}
