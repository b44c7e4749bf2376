//! Vietnamese first, English on request; and the Vietnamese ways of writing money and
//! dates.

use actix_web::HttpRequest;
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    /// `?lang=` first, then the `lang` cookie, then `Accept-Language`; Vietnamese by default.
    pub fn of(req: &HttpRequest) -> Lang {
        let from_query = req
            .query_string()
            .split('&')
            .find_map(|pair| pair.strip_prefix("lang="));
        let from_cookie = req.cookie("lang").map(|c| c.value().to_owned());
        let chosen = from_query.map(str::to_owned).or(from_cookie);
        match chosen.as_deref() {
            Some("en") => Lang::En,
            Some("vi") => Lang::Vi,
            _ => {
                let accept = req
                    .headers()
                    .get(actix_web::http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if accept.trim_start().starts_with("en") {
                    Lang::En
                } else {
                    Lang::Vi
                }
            }
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch link.
    pub fn other(&self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Lang::Vi => "Tiếng Việt",
            Lang::En => "English",
        }
    }

    /// The text for `key` in this language (the key itself if it has none, so a missing
    /// text shows up in review rather than as an empty space).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        let (vi, en) = match key {
            "app.tagline" => ("Quản lý hội chợ và gian hàng", "Trade fairs and their booths"),
            "nav.fairs" => ("Hội chợ", "Fairs"),
            "nav.organizer" => ("Ban tổ chức", "Organizers"),
            "nav.login" => ("Đăng nhập", "Sign in"),
            "nav.logout" => ("Đăng xuất", "Sign out"),
            "fairs.title" => ("Các hội chợ", "Fairs"),
            "fairs.none" => ("Chưa có hội chợ nào.", "No fairs yet."),
            "fair.venue" => ("Địa điểm", "Venue"),
            "fair.dates" => ("Thời gian", "Dates"),
            "fair.registration" => ("Đăng ký gian hàng", "Booth applications"),
            "fair.registration_open" => ("Đang mở đăng ký", "Open for applications"),
            "fair.registration_closed" => ("Đã đóng đăng ký", "Applications closed"),
            "fair.window" => ("Thời hạn đăng ký", "Application window"),
            "fair.plan" => ("Sơ đồ gian hàng", "Floor plan"),
            "fair.plan_empty" => (
                "Sơ đồ gian hàng chưa được công bố.",
                "The floor plan has not been published yet.",
            ),
            "fair.booths" => ("Danh sách gian hàng", "Booths"),
            "fair.booth_count" => ("gian hàng", "booths"),
            "fair.not_found" => ("Không tìm thấy hội chợ này.", "This fair does not exist."),
            "booth.code" => ("Mã", "Code"),
            "booth.zone" => ("Khu", "Zone"),
            "booth.kind" => ("Loại", "Kind"),
            "booth.size" => ("Kích thước", "Size"),
            "booth.price" => ("Giá", "Price"),
            "booth.status" => ("Tình trạng", "Status"),
            "status.available" => ("Còn trống", "Available"),
            "status.allocated" => ("Đã phân", "Allocated"),
            "status.blocked" => ("Không sử dụng", "Blocked"),
            "kind.standard" => ("Tiêu chuẩn", "Standard"),
            "kind.corner" => ("Góc", "Corner"),
            "kind.double" => ("Đôi", "Double"),
            "login.title" => ("Đăng nhập Ban tổ chức", "Organizer sign-in"),
            "login.email" => ("Email", "Email"),
            "login.password" => ("Mật khẩu", "Password"),
            "login.submit" => ("Đăng nhập", "Sign in"),
            "login.failed" => ("Email hoặc mật khẩu không đúng.", "Wrong email or password."),
            "login.too_many" => (
                "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút.",
                "Too many failed sign-ins. Please try again in a few minutes.",
            ),
            "login.expired" => (
                "Phiên làm việc đã hết hạn, vui lòng thử lại.",
                "The form expired; please try again.",
            ),
            "organizer.title" => ("Trang Ban tổ chức", "Organizer desk"),
            "organizer.signed_in_as" => ("Đăng nhập với", "Signed in as"),
            "organizer.open_fair" => ("Xem hội chợ", "Open fair"),
            "error.not_found" => ("Không tìm thấy trang.", "Page not found."),
            _ => (key, key),
        };
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

/// `1250000` → `1.250.000 ₫`.
pub fn money_vnd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 4);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}{grouped} ₫")
}

/// `2022-01-21` → `21/01/2022`.
pub fn date_vn(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// An instant as `dd/mm/yyyy HH:MM` in the given IANA zone (UTC if it is unknown).
pub fn datetime_vn(at: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string(),
        Err(_) => at.format("%d/%m/%Y %H:%M UTC").to_string(),
    }
}

/// `3.0` → `3`, `2.5` → `2,5` (a decimal comma).
pub fn metres(m: f64) -> String {
    let text = format!("{:.2}", m);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_with_dots_and_the_dong_sign() {
        assert_eq!(money_vnd(1_250_000), "1.250.000 ₫");
        assert_eq!(money_vnd(0), "0 ₫");
        assert_eq!(money_vnd(999), "999 ₫");
        assert_eq!(money_vnd(1000), "1.000 ₫");
        assert_eq!(money_vnd(-45_000), "-45.000 ₫");
        assert_eq!(money_vnd(10_200_000_000), "10.200.000.000 ₫");
    }

    #[test]
    fn dates_are_day_first_and_times_in_the_fair_zone() {
        assert_eq!(date_vn(NaiveDate::from_ymd_opt(2022, 1, 5).unwrap()), "05/01/2022");
        let at: DateTime<Utc> = "2021-12-20T01:00:00Z".parse().unwrap();
        assert_eq!(datetime_vn(at, "Asia/Ho_Chi_Minh"), "20/12/2021 08:00");
    }

    #[test]
    fn sizes_use_a_decimal_comma() {
        assert_eq!(metres(3.0), "3");
        assert_eq!(metres(2.5), "2,5");
    }
}
