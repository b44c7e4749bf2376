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

/// What an import form sent: the workbook its file picker read (base64, in `workbook`) as
/// CSV, or else the text in `csv` (a CSV file read, or cells pasted).
pub fn uploaded(csv: &str, workbook: &str) -> Result<String, String> {
    if workbook.trim().is_empty() {
        return Ok(csv.to_owned());
    }
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(workbook.trim())
        .map_err(|e| e.to_string())
        .and_then(|bytes| xlsx_to_csv(&bytes))
}

/// The first sheet of an XLSX workbook as CSV text, a sheet row a line: what the plan import
/// reads, so a workbook's rows are named by the same line numbers as the sheet's. Whole
/// numbers are written without a decimal point; formulas by their cached values.
pub fn xlsx_to_csv(bytes: &[u8]) -> Result<String, String> {
    use calamine::{Data, Reader};
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let range = match book.worksheet_range_at(0) {
        Some(range) => range.map_err(|e| e.to_string())?,
        None => return Err("the workbook has no sheet".to_owned()),
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in range.rows() {
        let cells = row.iter().map(|cell| match cell {
            Data::Int(n) => n.to_string(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
            Data::DateTime(d) => d.as_f64().to_string(),
            Data::Error(e) => format!("#{e}"),
            Data::Empty => String::new(),
        });
        out.write_record(cells).map_err(|e| e.to_string())?;
    }
    let bytes = out.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn a_workbook_reads_back_as_the_rows_it_holds() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "code").unwrap();
        sheet.write_string(0, 1, "width_m").unwrap();
        sheet.write_string(1, 0, "A01").unwrap();
        sheet.write_number(1, 1, 3.0).unwrap();
        sheet.write_string(2, 0, "Gian, \"góc\"").unwrap();
        sheet.write_number(2, 1, 2.5).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let csv = super::xlsx_to_csv(&bytes).unwrap();
        assert_eq!(csv, "code,width_m\nA01,3\n\"Gian, \"\"góc\"\"\",2.5\n");
        assert!(super::xlsx_to_csv(b"not a workbook").is_err());
    }

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
