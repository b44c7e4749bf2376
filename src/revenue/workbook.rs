//! The revenue review as an XLSX workbook (rust_xlsxwriter): a summary sheet, then a sheet
//! per breakdown with its total.

use chrono::Datelike;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use super::{Revenue, BREAKDOWNS};
use crate::i18n::Lang;

fn sheet_name(by: &str, lang: Lang) -> &'static str {
    match (by, lang) {
        ("day", Lang::Vi) => "Theo ngày",
        ("booth", Lang::Vi) => "Theo gian hàng",
        ("zone", Lang::Vi) => "Theo khu",
        ("exhibitor", Lang::Vi) => "Theo đơn vị",
        ("producer", Lang::Vi) => "Theo chủ thể",
        ("product_group", Lang::Vi) => "Theo nhóm sản phẩm",
        ("commune", Lang::Vi) => "Theo xã phường",
        ("legacy_district", Lang::Vi) => "Theo huyện cũ",
        ("stars", Lang::Vi) => "Theo hạng sao",
        ("day", _) => "By day",
        ("booth", _) => "By booth",
        ("zone", _) => "By zone",
        ("exhibitor", _) => "By exhibitor",
        ("producer", _) => "By producer",
        ("product_group", _) => "By product group",
        ("commune", _) => "By commune",
        ("legacy_district", _) => "By former district",
        _ => "By stars",
    }
}

/// The whole review as a workbook: a summary sheet, then one sheet per breakdown, each with
/// its total.
pub fn to_xlsx(report: &Revenue, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let vi = lang == Lang::Vi;
    let t = |v: &'static str, e: &'static str| if vi { v } else { e };
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0");
    let money_bold = Format::new().set_num_format("#,##0").set_bold();
    let percent = Format::new().set_num_format("0.0%");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let date_bold = Format::new().set_num_format("dd/mm/yyyy").set_bold();
    {
        let sheet = book.add_worksheet();
        sheet.set_name(t("Tổng quan", "Summary"))?;
        sheet.write_string_with_format(0, 0, &report.name, &bold)?;
        let rows: [(&str, f64, &Format); 6] = [
            (
                t("Tổng doanh thu (đồng)", "Total revenue (đồng)"),
                report.total_vnd as f64,
                &money_bold,
            ),
            (
                t("Hàng OCOP (đồng)", "OCOP goods (đồng)"),
                report.ocop_vnd as f64,
                &money,
            ),
            (t("Tỷ lệ hàng OCOP", "Share of OCOP goods"), report.ocop_share, &percent),
            (
                t("Số lượt bán", "Sales transactions"),
                report.transactions as f64,
                &money,
            ),
            (
                t("Gian đã phân", "Booths in use"),
                report.booths_allocated as f64,
                &money,
            ),
            (t("Tỷ lệ lấp đầy", "Occupancy"), report.occupancy, &percent),
        ];
        for (i, (label, value, format)) in rows.iter().enumerate() {
            let row = i as u32 + 2;
            sheet.write_string(row, 0, *label)?;
            sheet.write_number_with_format(row, 1, *value, format)?;
        }
        let mut row = 9;
        sheet.write_string_with_format(row, 0, t("Báo cáo theo ngày", "Reporting by day"), &bold)?;
        for day in &report.reporting {
            row += 1;
            sheet.write_string(row, 0, crate::i18n::date_vn(day.day))?;
            sheet.write_number(row, 1, day.reported as f64)?;
            sheet.write_number_with_format(row, 2, day.rate, &percent)?;
        }
        sheet.set_column_width(0, 34)?;
        sheet.set_column_width(1, 20)?;
    }
    for by in BREAKDOWNS {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(by, lang))?;
        for (col, head) in [
            t("Mã", "Key"),
            t("Tên", "Name"),
            t("Doanh thu (đồng)", "Revenue (đồng)"),
            t("Tỷ lệ", "Share"),
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string_with_format(0, col as u16, *head, &bold)?;
        }
        let lines = report.breakdown(by);
        for (i, line) in lines.iter().enumerate() {
            let row = i as u32 + 1;
            // A day is a date Excel sorts and filters as one.
            match line.key.parse::<chrono::NaiveDate>() {
                Ok(day) => sheet.write_datetime_with_format(row, 0, &excel_date(day)?, &date)?,
                Err(_) => sheet.write_string(row, 0, &line.key)?,
            };
            sheet.write_string(row, 1, &line.label)?;
            sheet.write_number_with_format(row, 2, line.amount_vnd as f64, &money)?;
            sheet.write_number_with_format(row, 3, line.share, &percent)?;
        }
        let total_row = lines.len() as u32 + 1;
        sheet.write_string_with_format(total_row, 1, t("Tổng cộng", "Total"), &bold)?;
        sheet.write_number_with_format(total_row, 2, report.total_vnd as f64, &money_bold)?;
        sheet.autofilter(0, 0, lines.len() as u32, 3)?;
        sheet.set_freeze_panes(1, 0)?;
        sheet.set_column_width(0, 16)?;
        sheet.set_column_width(1, 44)?;
        sheet.set_column_width(2, 20)?;
    }
    // Each exhibitor's takings on each day of the fair: who reported what, when.
    {
        let sheet = book.add_worksheet();
        sheet.set_name(t("Đơn vị theo ngày", "Exhibitors by day"))?;
        for (col, head) in [t("Gian", "Booths"), t("Đơn vị", "Exhibitor"), t("Khu", "Zone")]
            .iter()
            .enumerate()
        {
            sheet.write_string_with_format(0, col as u16, *head, &bold)?;
        }
        let first_day = 3u16;
        for (i, day) in report.days.iter().enumerate() {
            sheet.write_datetime_with_format(0, first_day + i as u16, &excel_date(*day)?, &date_bold)?;
        }
        let total_col = first_day + report.days.len() as u16;
        sheet.write_string_with_format(0, total_col, t("Tổng (đồng)", "Total (đồng)"), &bold)?;
        for (i, e) in report.exhibitor_days.iter().enumerate() {
            let row = i as u32 + 1;
            sheet.write_string(row, 0, &e.booths)?;
            sheet.write_string(row, 1, &e.organization)?;
            sheet.write_string(row, 2, &e.zone)?;
            for (d, amount) in e.by_day.iter().enumerate() {
                sheet.write_number_with_format(row, first_day + d as u16, *amount as f64, &money)?;
            }
            sheet.write_number_with_format(row, total_col, e.total_vnd as f64, &money_bold)?;
        }
        sheet.autofilter(0, 0, report.exhibitor_days.len() as u32, total_col)?;
        sheet.set_freeze_panes(1, 2)?;
        sheet.set_column_width(1, 40)?;
        sheet.set_column_width(2, 28)?;
        for col in first_day..=total_col {
            sheet.set_column_width(col, 14)?;
        }
    }
    book.save_to_buffer()
}

fn excel_date(day: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(day.year() as u16, day.month() as u8, day.day() as u8)
}
