//! The review list as a workbook: the applications the list shows (its filters and search
//! applied), and the booths they hold, for the organizers' own spreadsheets and the
//! provincial office.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use hoicho_events::FairId;
use hoicho_projections::{FairView, RegistrationView};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use crate::app::AppState;
use crate::i18n::{phone_vn, Lang};
use crate::web::kit::extract::organizer_of;
use crate::web::kit::page::{not_found_page, to_login};
use crate::web::registrations::queue::{Filters, ListQuery};

/// The applications sheet's columns (Vietnamese, English).
const APPLICATION_COLUMNS: &[(&str, &str)] = &[
    ("Tên chủ thể", "Organization"),
    ("Loại hình", "Producer type"),
    ("Mã số thuế", "Tax code"),
    ("Người đại diện", "Representative"),
    ("Điện thoại", "Phone"),
    ("Email", "Email"),
    ("Xã, phường", "Commune"),
    ("Tỉnh, thành phố", "Province"),
    ("Huyện cũ", "Former district"),
    ("Sản phẩm", "Products"),
    ("Nhóm OCOP", "OCOP groups"),
    ("Hạng sao cao nhất", "Best stars"),
    ("Trạng thái", "Status"),
    ("Số gian đề nghị", "Booths asked for"),
    ("Số gian được duyệt", "Booths approved"),
    ("Gian hàng", "Booths"),
    ("Ngày nộp", "Submitted"),
];

/// The booths sheet's columns.
const BOOTH_COLUMNS: &[(&str, &str)] = &[
    ("Gian", "Booth"),
    ("Khu", "Zone"),
    ("Loại gian", "Kind"),
    ("Tên chủ thể", "Organization"),
    ("Người đại diện", "Representative"),
    ("Điện thoại", "Phone"),
    ("Xã, phường", "Commune"),
    ("Sản phẩm", "Products"),
    ("Hạng sao cao nhất", "Best stars"),
];

fn heading(columns: &'static [(&'static str, &'static str)], lang: Lang) -> impl Iterator<Item = &'static str> {
    columns
        .iter()
        .map(move |(vi, en)| if lang == Lang::Vi { *vi } else { *en })
}

fn products(r: &RegistrationView) -> String {
    r.all_products().map(|p| p.name.as_str()).collect::<Vec<_>>().join("; ")
}

/// The workbook of `rows` at `fair`: "Hồ sơ" (one row an application) and "Gian hàng" (one
/// row a booth they hold), each with its header frozen and an autofilter.
pub fn workbook(fair: &FairView, rows: &[&RegistrationView], lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let vi = lang == Lang::Vi;
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let zone = fair
        .details
        .time_zone
        .parse::<chrono_tz::Tz>()
        .unwrap_or(chrono_tz::Asia::Ho_Chi_Minh);
    {
        let sheet = book.add_worksheet();
        sheet.set_name(if vi { "Hồ sơ" } else { "Applications" })?;
        for (col, head) in heading(APPLICATION_COLUMNS, lang).enumerate() {
            sheet.write_string_with_format(0, col as u16, head, &bold)?;
        }
        for (i, r) in rows.iter().enumerate() {
            let row = i as u32 + 1;
            let a = &r.application;
            let kind = a.producer_type.code();
            let groups: std::collections::BTreeSet<&str> = r.all_products().map(|p| p.group.as_str()).collect();
            let held: Vec<String> = fair.held_by(&r.id).iter().map(|b| b.to_string()).collect();
            let texts = [
                a.organization.clone(),
                lang.t(&format!("pt.{kind}")).to_owned(),
                a.tax_code.clone().unwrap_or_default(),
                a.representative.clone(),
                phone_vn(&a.phone),
                a.email.clone(),
                a.address.commune.clone(),
                a.address.province.clone(),
                a.address.legacy_district.clone().unwrap_or_default(),
                products(r),
                groups.into_iter().collect::<Vec<_>>().join(", "),
            ];
            for (col, text) in texts.iter().enumerate() {
                sheet.write_string(row, col as u16, text)?;
            }
            if let Some(stars) = r.best_stars() {
                sheet.write_number(row, 11, f64::from(stars))?;
            }
            sheet.write_string(row, 12, lang.t(&format!("status.{}", r.status.as_str())))?;
            sheet.write_number(row, 13, f64::from(a.booth_request.count))?;
            sheet.write_number(row, 14, f64::from(r.approved_booths))?;
            sheet.write_string(row, 15, held.join(", "))?;
            let day = r.submitted_at.with_timezone(&zone).date_naive();
            use chrono::Datelike;
            let cell = ExcelDateTime::from_ymd(day.year() as u16, day.month() as u8, day.day() as u8)?;
            sheet.write_datetime_with_format(row, 16, &cell, &date)?;
        }
        let last = APPLICATION_COLUMNS.len() as u16 - 1;
        sheet.autofilter(0, 0, rows.len() as u32, last)?;
        sheet.set_freeze_panes(1, 1)?;
        sheet.set_column_width(0, 36)?;
        sheet.set_column_width(9, 40)?;
        sheet.set_column_width(16, 12)?;
    }
    {
        let sheet = book.add_worksheet();
        sheet.set_name(if vi { "Gian hàng" } else { "Booths" })?;
        for (col, head) in heading(BOOTH_COLUMNS, lang).enumerate() {
            sheet.write_string_with_format(0, col as u16, head, &bold)?;
        }
        let mut held: Vec<(&hoicho_projections::BoothView, &RegistrationView)> = rows
            .iter()
            .flat_map(|r| {
                fair.held_by(&r.id)
                    .into_iter()
                    .filter_map(|code| fair.booths.get(code))
                    .map(move |b| (b, *r))
            })
            .collect();
        held.sort_by(|(a, _), (b, _)| a.booth.code.cmp(&b.booth.code));
        for (i, (booth, r)) in held.iter().enumerate() {
            let row = i as u32 + 1;
            let a = &r.application;
            let zone_name = fair
                .zones
                .get(&booth.booth.zone)
                .map_or(booth.booth.zone.to_string(), |z| format!("{} — {}", z.code, z.name));
            let texts = [
                booth.booth.code.to_string(),
                zone_name,
                booth.booth.kind.clone(),
                a.organization.clone(),
                a.representative.clone(),
                phone_vn(&a.phone),
                a.address.commune.clone(),
                products(r),
            ];
            for (col, text) in texts.iter().enumerate() {
                sheet.write_string(row, col as u16, text)?;
            }
            if let Some(stars) = r.best_stars() {
                sheet.write_number(row, 8, f64::from(stars))?;
            }
        }
        sheet.autofilter(0, 0, held.len() as u32, BOOTH_COLUMNS.len() as u16 - 1)?;
        sheet.set_freeze_panes(1, 1)?;
        sheet.set_column_width(3, 36)?;
        sheet.set_column_width(7, 40)?;
    }
    book.save_to_buffer()
}

/// `GET /organizer/fairs/{fair}/registrations.xlsx`: what the review list shows, with the
/// same filters and search.
pub async fn export(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let lang = Lang::of(&req);
    let pairs: HashMap<String, String> = Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    let Ok(filters) = Filters::parse(&ListQuery::from_pairs(&pairs), lang) else {
        return HttpResponse::UnprocessableEntity().body(lang.t("review.bad_filters"));
    };
    let p = state.read();
    let Some(view) = p.fairs.get(&fair) else {
        return not_found_page(&req, "fair.not_found");
    };
    let start = view.details.start_date;
    let mut rows: Vec<&RegistrationView> = p
        .registrations
        .of_fair(&FairId::new_unchecked(fair.as_str()))
        .filter(|r| filters.keep(r, start))
        .collect();
    rows.sort_by_key(|r| r.submitted_at);
    match workbook(view, &rows, lang) {
        Ok(bytes) => HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-ho-so.xlsx\"", view.id),
            ))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(bytes),
        Err(err) => {
            tracing::error!(error = %err, "the applications workbook could not be written");
            HttpResponse::InternalServerError().finish()
        }
    }
}
