//! Text bound for a spreadsheet. A CSV cell that starts with `=`, `+`, `-` or `@` (or a tab
//! or carriage return before one) is a formula to Excel and LibreOffice: an organization
//! named `=HYPERLINK(…)` would run when an organizer opens the export. Every text cell of
//! every CSV hoicho writes goes through [`cell`], which neutralizes such a cell with a
//! leading single quote (OWASP's advice); the workbooks write strings as strings and need
//! nothing.

use std::borrow::Cow;

/// `text` as a CSV cell that no spreadsheet will read as a formula.
pub fn cell(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_are_neutralized_and_other_text_left_alone() {
        for (text, want) in [
            ("=HYPERLINK(\"http://x\",\"Bấm\")", "'=HYPERLINK(\"http://x\",\"Bấm\")"),
            ("+84912345678", "'+84912345678"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("HTX Sơn Kim", "HTX Sơn Kim"),
            ("A01+A02", "A01+A02"),
            ("", ""),
        ] {
            assert_eq!(cell(text), want, "{text:?}");
        }
    }
}
