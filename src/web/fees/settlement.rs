//! The accounts after the fair as a workbook (`/organizer/fairs/{fair}/payments.xlsx`):
//! "Quyết toán hỗ trợ", each supported producer with its tax code, locality, booths, price,
//! support and rule, what it paid and its receipt numbers, with totals, for the settlement of
//! public support; and "Thu phí", every statement with what it owes and has paid.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use hoicho_events::PaymentKind;
use hoicho_projections::{FairFees, FairView, Projections, Statement};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::app::AppState;
use crate::i18n::Lang;
use crate::web::kit::extract::organizer_of;
use crate::web::kit::page::{not_found_page, to_login};

/// The support sheet's columns (Vietnamese, English).
const SUPPORT_COLUMNS: &[(&str, &str)] = &[
    ("STT", "No."),
    ("Tên chủ thể", "Organization"),
    ("Loại hình", "Producer type"),
    ("Mã số thuế", "Tax code"),
    ("Xã, phường", "Commune"),
    ("Tỉnh, thành phố", "Province"),
    ("Gian hàng", "Booths"),
    ("Số gian", "Booth count"),
    ("Giá gian (đồng)", "Price (đồng)"),
    ("Kinh phí hỗ trợ (đồng)", "Support (đồng)"),
    ("Chính sách hỗ trợ", "Support rule"),
    ("Phải nộp (đồng)", "To pay (đồng)"),
    ("Đã nộp (đồng)", "Paid (đồng)"),
    ("Số phiếu thu", "Receipts"),
];

/// The fees sheet's columns.
const FEE_COLUMNS: &[(&str, &str)] = &[
    ("Tên chủ thể", "Organization"),
    ("Gian hàng", "Booths"),
    ("Mã nộp tiền", "Payment code"),
    ("Phải nộp (đồng)", "To pay (đồng)"),
    ("Đã nộp (đồng)", "Paid (đồng)"),
    ("Đã hoàn trả (đồng)", "Refunded (đồng)"),
    ("Còn phải nộp (đồng)", "Still to pay (đồng)"),
    ("Hạn nộp", "Due by"),
    ("Trạng thái", "Status"),
];

fn heading(columns: &'static [(&'static str, &'static str)], lang: Lang) -> impl Iterator<Item = &'static str> {
    columns
        .iter()
        .map(move |(vi, en)| if lang == Lang::Vi { *vi } else { *en })
}

/// Live receipt numbers of a statement's payments (refunds and voided ones left out).
fn receipts(fees: &FairFees, s: &Statement) -> String {
    s.receipts
        .iter()
        .filter(|n| {
            fees.receipts
                .get(n)
                .is_some_and(|r| r.voided.is_none() && r.kind == PaymentKind::Payment)
        })
        .map(|n| format!("{n:04}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn workbook(p: &Projections, fair: &FairView, fees: &FairFees, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let vi = lang == Lang::Vi;
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0");
    let money_bold = Format::new().set_num_format("#,##0").set_bold();
    let today = fair.today(chrono::Utc::now());
    let name = |s: &Statement| {
        p.registrations
            .get(&s.registration_id)
            .map(|r| r.application.organization.clone())
            .unwrap_or_default()
    };
    let mut statements: Vec<&Statement> = fees.statements.values().collect();
    statements.sort_by_key(|s| hoicho_projections::fold(&name(s)));
    {
        let sheet = book.add_worksheet();
        sheet.set_name(if vi {
            "Quyết toán hỗ trợ"
        } else {
            "Support settlement"
        })?;
        for (col, head) in heading(SUPPORT_COLUMNS, lang).enumerate() {
            sheet.write_string_with_format(0, col as u16, head, &bold)?;
        }
        let supported: Vec<&&Statement> = statements.iter().filter(|s| s.subsidy_vnd > 0).collect();
        let mut totals = [0i64; 5];
        for (i, s) in supported.iter().enumerate() {
            let row = i as u32 + 1;
            let r = p.registrations.get(&s.registration_id);
            let a = r.map(|r| &r.application);
            sheet.write_number(row, 0, (i + 1) as f64)?;
            let texts = [
                name(s),
                a.map(|a| lang.t(&format!("pt.{}", a.producer_type.code())).to_owned())
                    .unwrap_or_default(),
                a.and_then(|a| a.tax_code.clone()).unwrap_or_default(),
                a.map(|a| a.address.commune.clone()).unwrap_or_default(),
                a.map(|a| a.address.province.clone()).unwrap_or_default(),
                s.lines
                    .iter()
                    .map(|l| l.booth.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ];
            for (col, text) in texts.iter().enumerate() {
                sheet.write_string(row, col as u16 + 1, text)?;
            }
            sheet.write_number(row, 7, s.lines.len() as f64)?;
            let amounts = [s.price_vnd, s.subsidy_vnd];
            for (j, amount) in amounts.iter().enumerate() {
                sheet.write_number_with_format(row, 8 + j as u16, *amount as f64, &money)?;
            }
            sheet.write_string(row, 10, s.rule.as_ref().map(|(_, n)| n.as_str()).unwrap_or(""))?;
            sheet.write_number_with_format(row, 11, s.due_vnd as f64, &money)?;
            sheet.write_number_with_format(row, 12, (s.paid_vnd - s.refunded_vnd) as f64, &money)?;
            sheet.write_string(row, 13, receipts(fees, s))?;
            for (t, v) in totals.iter_mut().zip([
                s.lines.len() as i64,
                s.price_vnd,
                s.subsidy_vnd,
                s.due_vnd,
                s.paid_vnd - s.refunded_vnd,
            ]) {
                *t += v;
            }
        }
        let row = supported.len() as u32 + 1;
        sheet.write_string_with_format(row, 1, if vi { "Tổng cộng" } else { "Total" }, &bold)?;
        sheet.write_number_with_format(row, 7, totals[0] as f64, &bold)?;
        for (col, value) in [(8u16, totals[1]), (9, totals[2]), (11, totals[3]), (12, totals[4])] {
            sheet.write_number_with_format(row, col, value as f64, &money_bold)?;
        }
        sheet.autofilter(0, 0, supported.len() as u32, SUPPORT_COLUMNS.len() as u16 - 1)?;
        sheet.set_freeze_panes(1, 2)?;
        sheet.set_column_width(1, 36)?;
        sheet.set_column_width(10, 40)?;
        for col in [8, 9, 11, 12] {
            sheet.set_column_width(col, 16)?;
        }
    }
    {
        let sheet = book.add_worksheet();
        sheet.set_name(if vi { "Thu phí" } else { "Fees" })?;
        for (col, head) in heading(FEE_COLUMNS, lang).enumerate() {
            sheet.write_string_with_format(0, col as u16, head, &bold)?;
        }
        for (i, s) in statements.iter().enumerate() {
            let row = i as u32 + 1;
            sheet.write_string(row, 0, name(s))?;
            sheet.write_string(
                row,
                1,
                s.lines
                    .iter()
                    .map(|l| l.booth.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            )?;
            sheet.write_string(row, 2, &s.payment_code)?;
            for (j, amount) in [s.due_vnd, s.paid_vnd, s.refunded_vnd, s.outstanding_vnd()]
                .iter()
                .enumerate()
            {
                sheet.write_number_with_format(row, 3 + j as u16, *amount as f64, &money)?;
            }
            sheet.write_string(row, 7, crate::i18n::date_vn(s.due_on))?;
            let standing = super::standing(s, today);
            sheet.write_string(row, 8, lang.t(&format!("fees.standing.{standing}")))?;
        }
        sheet.autofilter(0, 0, statements.len() as u32, FEE_COLUMNS.len() as u16 - 1)?;
        sheet.set_freeze_panes(1, 1)?;
        sheet.set_column_width(0, 36)?;
        for col in 3..7 {
            sheet.set_column_width(col, 16)?;
        }
    }
    book.save_to_buffer()
}

/// `GET /organizer/fairs/{fair}/payments.xlsx`.
pub async fn export(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let lang = Lang::of(&req);
    let p = state.read();
    let Some(view) = p.fairs.get(&fair) else {
        return not_found_page(&req, "fair.not_found");
    };
    let empty = FairFees::default();
    let fees = p.fees.of_fair(&view.id).unwrap_or(&empty);
    match workbook(&p, view, fees, lang) {
        Ok(bytes) => HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-quyet-toan-ho-tro.xlsx\"", view.id),
            ))
            .body(bytes),
        Err(err) => {
            tracing::error!(error = %err, "the settlement workbook could not be written");
            HttpResponse::InternalServerError().finish()
        }
    }
}
