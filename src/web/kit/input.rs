//! Turning request JSON into validated values. Every bad field is collected, so one 422
//! names them all; unknown fields are refused, so typos never vanish silently.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::{Map, Value};
use unicode_normalization::UnicodeNormalization;

use crate::i18n::Lang;
use crate::web::kit::error::ApiError;

/// The bidirectional embeddings, overrides and isolates (and marks): Vietnamese has no use
/// for them, and in a name they can make a page show text in another order than it was sent.
fn turns_text_around(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The years a day hoicho takes may fall in: fairs, sales days, certificates' expiry.
pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2099;

/// `YYYY-MM-DD` exactly (chrono's `%Y` would also take a sign and five digits).
fn parse_day(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shaped.then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()).flatten()
}

/// Characters that show nothing or break a line: zero-width spaces and joiners, the word
/// joiner and invisible operators, the byte-order mark, the soft hyphen, Hangul fillers,
/// variation selectors, tags, the line and paragraph separators. Two names that differ only
/// by them look the same on every page.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{034f}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'
            | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200d}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{2060}'..='\u{2065}'
            | '\u{206a}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// Characters no name needs and that mean markup or pictures: `<`, `>` and emoji.
fn forbidden_in_names(c: char) -> bool {
    matches!(c, '<' | '>' | '\u{20e3}')
        || ('\u{1f000}'..='\u{1faff}').contains(&c)
        || ('\u{2600}'..='\u{27bf}').contains(&c)
        || ('\u{2b00}'..='\u{2bff}').contains(&c)
        || ('\u{e0000}'..='\u{e007f}').contains(&c)
}

/// Collects every bad field, with messages in the client's language.
pub struct Check {
    pub errors: BTreeMap<String, String>,
    pub lang: Lang,
}

/// The name of field `key` of the object at `path`, as errors name it: `products[0].name`.
pub fn field(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `current` as a JSON object with the fields of `changes` written over it: what a PATCH
/// asks for, ready to be checked whole.
pub fn overlay(current: &impl serde::Serialize, changes: &Map<String, Value>) -> Option<Map<String, Value>> {
    let Ok(Value::Object(mut merged)) = serde_json::to_value(current) else {
        return None;
    };
    for (key, value) in changes {
        merged.insert(key.clone(), value.clone());
    }
    Some(merged)
}

impl Check {
    pub fn new(lang: Lang) -> Self {
        Check {
            errors: BTreeMap::new(),
            lang,
        }
    }

    /// The message in the client's language.
    pub fn say(&self, vi: impl Into<String>, en: impl Into<String>) -> String {
        match self.lang {
            Lang::Vi => vi.into(),
            Lang::En => en.into(),
        }
    }

    /// Records a problem given in both languages.
    pub fn fail2(&mut self, field: impl Into<String>, vi: impl Into<String>, en: impl Into<String>) {
        let message = self.say(vi, en);
        self.fail(field, message);
    }

    pub fn fail(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        self.errors.entry(field.into()).or_insert_with(|| problem.into());
    }

    /// The value as an object whose keys are all `allowed`.
    pub fn object<'v>(&mut self, value: &'v Value, path: &str, allowed: &[&str]) -> Option<&'v Map<String, Value>> {
        let Some(obj) = value.as_object() else {
            self.fail2(
                if path.is_empty() { "body" } else { path },
                "phải là một đối tượng JSON",
                "must be a JSON object",
            );
            return None;
        };
        for key in obj.keys() {
            if !allowed.contains(&key.as_str()) {
                self.fail2(field(path, key), "trường không được hỗ trợ", "unknown field");
            }
        }
        Some(obj)
    }

    fn present<'v>(&mut self, obj: &'v Map<String, Value>, path: &str, key: &str, required: bool) -> Option<&'v Value> {
        match obj.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.fail2(field(path, key), "bắt buộc", "is required");
                }
                None
            }
            Some(v) => Some(v),
        }
    }

    /// Text, trimmed and in Unicode NFC, 1..=`max` characters, no control characters.
    pub fn text(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        max: usize,
        required: bool,
    ) -> Option<String> {
        let value = self.present(obj, path, key, required)?;
        let field = field(path, key);
        let Some(s) = value.as_str() else {
            self.fail2(field, "phải là chuỗi ký tự", "must be a string");
            return None;
        };
        let s = s.trim();
        // Most text arrives composed already; the quick check spares it a full pass.
        let s: String = match unicode_normalization::is_nfc_quick(s.chars()) {
            unicode_normalization::IsNormalized::Yes => s.to_owned(),
            _ => s.nfc().collect(),
        };
        if s.is_empty() {
            if required {
                self.fail2(field, "không được để trống", "must not be empty");
            }
            return None;
        }
        if s.chars().count() > max {
            self.fail2(
                field,
                format!("tối đa {max} ký tự"),
                format!("must be at most {max} characters"),
            );
            return None;
        }
        if s.chars().any(char::is_control) {
            self.fail2(
                field,
                "không được chứa ký tự điều khiển hoặc xuống dòng",
                "must not contain control characters or line breaks",
            );
            return None;
        }
        if s.chars().any(turns_text_around) {
            self.fail2(
                field,
                "không được chứa ký tự đảo chiều văn bản",
                "must not contain characters that change the direction of text",
            );
            return None;
        }
        Some(s)
    }

    /// Text that may run over several lines (a description): as [`Check::text`], but line
    /// breaks are kept (as `\n`), and at most `max` characters.
    pub fn paragraph(&mut self, obj: &Map<String, Value>, path: &str, key: &str, max: usize) -> Option<String> {
        let value = self.present(obj, path, key, false)?;
        let Some(raw) = value.as_str() else {
            self.fail2(field(path, key), "phải là chuỗi ký tự", "must be a string");
            return None;
        };
        let lines: Vec<String> = raw
            .replace("\r\n", "\n")
            .split(['\n', '\r'])
            .map(|line| line.trim_end().replace('\t', " "))
            .collect();
        let mut joined = Map::new();
        joined.insert(key.to_owned(), Value::String(lines.join(" ")));
        // Each line obeys the rules of one-line text; the whole is then at most `max`.
        self.text(&joined, path, key, usize::MAX, false)?;
        let text: String = lines.join("\n").trim().nfc().collect();
        if text.chars().count() > max {
            self.fail2(
                field(path, key),
                format!("tối đa {max} ký tự"),
                format!("must be at most {max} characters"),
            );
            return None;
        }
        (!text.is_empty()).then_some(text)
    }

    /// A telephone number as people write it (`0239 3855 123`, `+84 912 345 678`): digits
    /// with spaces, dots, dashes or brackets between, a leading `+`; 8 to 15 digits.
    pub fn phone(&mut self, obj: &Map<String, Value>, path: &str, key: &str) -> Option<String> {
        let s = self.text(obj, path, key, 32, false)?;
        let digits = s.chars().filter(char::is_ascii_digit).count();
        let shape = s
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || " .-()".contains(c) || (i == 0 && c == '+'));
        if shape && (8..=15).contains(&digits) {
            Some(s)
        } else {
            self.fail2(
                field(path, key),
                "phải là số điện thoại, ví dụ 0239 3855 123",
                "must be a telephone number such as 0239 3855 123",
            );
            None
        }
    }

    /// An email address, lowercased.
    pub fn email(&mut self, obj: &Map<String, Value>, path: &str, key: &str, required: bool) -> Option<String> {
        let s = self.text(obj, path, key, 254, required)?.to_lowercase();
        if crate::domain::looks_like_email(&s) {
            Some(s)
        } else {
            self.fail2(
                field(path, key),
                "không phải địa chỉ email hợp lệ",
                "is not an email address",
            );
            None
        }
    }

    /// A code such as a booth or zone code: letters, digits, `-` and `_`, 1..=`max`.
    pub fn code(&mut self, obj: &Map<String, Value>, path: &str, key: &str, max: usize) -> Option<String> {
        let s = self.text(obj, path, key, max, true)?;
        if s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            Some(s)
        } else {
            self.fail2(
                field(path, key),
                "chỉ gồm chữ A-Z, chữ số, '-' và '_'",
                "may hold only letters A-Z, digits, '-' and '_'",
            );
            None
        }
    }

    /// A day written `YYYY-MM-DD`, four digits of year, within [`FIRST_YEAR`]..=[`LAST_YEAR`]
    /// (API.md "Conventions"): what hoicho answers with is then what it took.
    pub fn date(&mut self, obj: &Map<String, Value>, path: &str, key: &str) -> Option<NaiveDate> {
        let value = self.present(obj, path, key, true)?;
        match value.as_str().and_then(parse_day) {
            Some(date) if (FIRST_YEAR..=LAST_YEAR).contains(&date.year()) => Some(date),
            Some(_) => {
                self.fail2(
                    field(path, key),
                    format!("phải là ngày từ năm {FIRST_YEAR} đến năm {LAST_YEAR}"),
                    format!("must be a day from {FIRST_YEAR} to {LAST_YEAR}"),
                );
                None
            }
            None => {
                self.fail2(
                    field(path, key),
                    "phải là ngày dạng YYYY-MM-DD",
                    "must be a date YYYY-MM-DD",
                );
                None
            }
        }
    }

    pub fn instant(&mut self, obj: &Map<String, Value>, path: &str, key: &str) -> Option<DateTime<Utc>> {
        let value = self.present(obj, path, key, true)?;
        match value.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()) {
            Some(t) => Some(t.with_timezone(&Utc)),
            None => {
                self.fail2(
                    field(path, key),
                    "phải là thời điểm RFC 3339, ví dụ 2021-12-20T08:00:00+07:00",
                    "must be an RFC 3339 instant such as 2021-12-20T08:00:00+07:00",
                );
                None
            }
        }
    }

    /// A finite number in `min..=max` (metres, positions).
    pub fn number(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        min: f64,
        max: f64,
        required: bool,
    ) -> Option<f64> {
        let value = self.present(obj, path, key, required)?;
        let field = field(path, key);
        match value.as_f64() {
            Some(n) if n.is_finite() && n >= min && n <= max => Some(n),
            Some(_) => {
                self.fail2(
                    field,
                    format!("phải từ {min} đến {max}"),
                    format!("must be between {min} and {max}"),
                );
                None
            }
            None => {
                self.fail2(field, "phải là số", "must be a number");
                None
            }
        }
    }

    /// A whole number in `min..=max` (money in VND, counts).
    pub fn integer(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        min: i64,
        max: i64,
        required: bool,
    ) -> Option<i64> {
        let value = self.present(obj, path, key, required)?;
        let field = field(path, key);
        match value.as_i64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(_) => {
                self.fail2(
                    field,
                    format!("phải từ {min} đến {max}"),
                    format!("must be between {min} and {max}"),
                );
                None
            }
            None if value.is_number() => {
                self.fail2(field, "phải là số nguyên", "must be a whole number");
                None
            }
            None => {
                self.fail2(field, "phải là số", "must be a number");
                None
            }
        }
    }

    pub fn array<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        path: &str,
        key: &str,
        max: usize,
    ) -> Option<&'v Vec<Value>> {
        let value = self.present(obj, path, key, true)?;
        let field = field(path, key);
        match value.as_array() {
            Some(items) if items.len() <= max => Some(items),
            Some(_) => {
                self.fail2(
                    field,
                    format!("tối đa {max} mục"),
                    format!("may hold at most {max} items"),
                );
                None
            }
            None => {
                self.fail2(field, "phải là một danh sách", "must be an array");
                None
            }
        }
    }

    /// `Ok(())` if nothing failed, else the 422 naming every bad field.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            return Ok(());
        }
        Err(self.into_error())
    }

    /// The 422 naming every bad field, its summary in the client's language like the fields.
    pub fn into_error(self) -> ApiError {
        ApiError::invalid(self.errors, self.lang)
    }
}

/// Text typed into a page's form field: trimmed, control characters dropped, at most `max`
/// characters (the field's `maxlength` says so to the browser first).
pub fn form_text(raw: &str, max: usize) -> String {
    raw.trim().chars().filter(|c| !c.is_control()).take(max).collect()
}

impl Check {
    /// A name (of an organization, a person, a product, a place; a certificate's number): text
    /// without markup or emoji, with a letter or digit in it, not starting with a lone accent.
    pub fn name(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        max: usize,
        required: bool,
    ) -> Option<String> {
        let text = self.text(obj, path, key, max, required)?;
        let problem = if text.chars().any(forbidden_in_names) {
            Some((
                "không được chứa ký tự < > hoặc biểu tượng cảm xúc",
                "must not contain < >, markup or emoji",
            ))
        } else if text.chars().any(invisible) {
            Some((
                "không được chứa ký tự vô hình (khoảng trắng độ rộng 0, dấu nối ẩn…)",
                "must not contain invisible characters (zero-width spaces, joiners, separators)",
            ))
        } else if !text.chars().any(char::is_alphanumeric) {
            Some((
                "phải có ít nhất một chữ cái hoặc chữ số",
                "must hold at least one letter or digit",
            ))
        } else if text
            .chars()
            .next()
            .is_some_and(unicode_normalization::char::is_combining_mark)
        {
            Some((
                "không được bắt đầu bằng một dấu thanh đứng riêng",
                "must not start with an accent on its own",
            ))
        } else {
            None
        };
        if let Some((vi, en)) = problem {
            self.fail2(field(path, key), vi, en);
            return None;
        }
        Some(text)
    }
}
