//! The report as a sequence of blocks (headings, paragraphs, tables, charts, lists): the page,
//! the printable page and the Word document draw the same blocks, so they say the same.

use hoicho_events::{AgreementKind, CountMethod};

use super::{day_month, Count, Report};
use crate::i18n::{date_vn, number_vn, percent_vn, Lang};
use crate::revenue::Line;

/// A table: its caption, column heads, rows, an optional total row, and which columns hold
/// numbers (aligned right).
pub struct Table {
    pub id: &'static str,
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub total: Option<Vec<String>>,
    pub numeric: Vec<bool>,
}

pub enum Block {
    Heading(String),
    Paragraph(String),
    Table(Table),
    /// A chart of the first lines of one of the revenue review's breakdowns, by its name
    /// ([`crate::revenue::BREAKDOWNS`]).
    Chart(&'static str),
    List(&'static str, Vec<String>),
}

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{}", number_vn(n))
    } else {
        number_vn(n)
    }
}

/// `before → now` as a change in per cent, or "—" when there was nothing before.
fn change(before: i64, now: i64) -> String {
    if before <= 0 {
        return "—".into();
    }
    let share = (now - before) as f64 / before as f64;
    let text = percent_vn(share);
    if share > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

pub fn blocks(r: &Report, lang: Lang) -> Vec<Block> {
    let vi = lang == Lang::Vi;
    let t = |v: &str, e: &str| if vi { v.to_owned() } else { e.to_owned() };
    let review = &r.revenue;
    let mut out = Vec::new();
    let count_table = |id, caption: String, what: String, lines: &[Count]| {
        let total: u64 = lines.iter().map(|l| l.count).sum();
        Block::Table(Table {
            id,
            caption,
            head: vec![what, t("Số lượng", "Count"), t("Tỷ lệ", "Share")],
            rows: lines
                .iter()
                .map(|l| vec![l.label.clone(), number_vn(l.count as i64), percent_vn(l.share)])
                .collect(),
            total: Some(vec![
                t("Tổng cộng", "Total"),
                number_vn(total as i64),
                percent_vn(if total > 0 { 1.0 } else { 0.0 }),
            ]),
            numeric: vec![false, true, true],
        })
    };
    let money_table = |id, caption: String, what: String, lines: &[Line], total: bool| {
        Block::Table(Table {
            id,
            caption,
            head: vec![what, t("Doanh thu (đồng)", "Revenue (VND)"), t("Tỷ lệ", "Share")],
            rows: lines
                .iter()
                .map(|l| vec![l.label.clone(), number_vn(l.amount_vnd), percent_vn(l.share)])
                .collect(),
            total: total.then(|| {
                vec![
                    t("Tổng cộng", "Total"),
                    number_vn(review.total_vnd),
                    percent_vn(if review.total_vnd > 0 { 1.0 } else { 0.0 }),
                ]
            }),
            numeric: vec![false, true, true],
        })
    };

    // I. Summary.
    out.push(Block::Heading(t("I. Tổng quan", "I. Summary")));
    let mut summary = if vi {
        format!(
            "{} diễn ra từ ngày {} đến ngày {} tại {}, với {} gian hàng ({} gian đã bố trí) của {} đơn vị tham gia, trưng bày {} sản phẩm, trong đó {} sản phẩm OCOP từ 3 sao trở lên.",
            r.name, date_vn(r.start_date), date_vn(r.end_date), r.venue, number_vn(review.booths as i64),
            number_vn(review.booths_allocated as i64), number_vn(r.exhibitors as i64), number_vn(r.products as i64),
            number_vn(r.ocop_products as i64)
        )
    } else {
        format!(
            "{} was held from {} to {} at {}, with {} booths ({} allocated) of {} exhibitors showing {} products, {} of them OCOP products of 3 stars or more.",
            r.name, date_vn(r.start_date), date_vn(r.end_date), r.venue, number_vn(review.booths as i64),
            number_vn(review.booths_allocated as i64), number_vn(r.exhibitors as i64), number_vn(r.products as i64),
            number_vn(r.ocop_products as i64)
        )
    };
    if !r.visitors.is_empty() {
        summary += &if vi {
            format!(" Hội chợ đón {} lượt khách.", number_vn(r.visitors_total as i64))
        } else {
            format!(" It welcomed {} visitors.", number_vn(r.visitors_total as i64))
        };
    }
    summary += &if !r.sales_recorded {
        t(
            " Chưa có doanh thu nào được ghi nhận.",
            " No sales have been recorded yet.",
        )
    } else if vi {
        format!(
            " Tổng doanh thu đạt {} đồng, trong đó sản phẩm OCOP đạt {} đồng ({}).",
            number_vn(review.total_vnd),
            number_vn(review.ocop_vnd),
            percent_vn(review.ocop_share)
        )
    } else {
        format!(
            " Revenue totalled {} VND, {} VND of it OCOP products ({}).",
            number_vn(review.total_vnd),
            number_vn(review.ocop_vnd),
            percent_vn(review.ocop_share)
        )
    };
    if let Some(p) = &r.previous {
        summary += &if vi {
            format!(
                " So với {} ({} đồng), doanh thu {} {} đồng ({}).",
                p.name,
                number_vn(p.total_vnd),
                if review.total_vnd >= p.total_vnd {
                    "tăng"
                } else {
                    "giảm"
                },
                number_vn((review.total_vnd - p.total_vnd).abs()),
                change(p.total_vnd, review.total_vnd)
            )
        } else {
            format!(
                " Against {} ({} VND), revenue {} by {} VND ({}).",
                p.name,
                number_vn(p.total_vnd),
                if review.total_vnd >= p.total_vnd {
                    "rose"
                } else {
                    "fell"
                },
                number_vn((review.total_vnd - p.total_vnd).abs()),
                change(p.total_vnd, review.total_vnd)
            )
        };
    }
    if !r.agreements.is_empty() {
        summary += &if vi {
            format!(
                " Đã ký kết {} hợp đồng và {} biên bản ghi nhớ.",
                r.contracts, r.memoranda
            )
        } else {
            format!(
                " {} contract(s) and {} memorandum(s) were signed.",
                r.contracts, r.memoranda
            )
        };
    }
    out.push(Block::Paragraph(summary));
    if !r.missing.is_empty() {
        out.push(Block::List("missing", r.missing.clone()));
    }

    // II. Participation and products.
    out.push(Block::Heading(t(
        "II. Thành phần tham gia và sản phẩm",
        "II. Exhibitors and products",
    )));
    out.push(count_table(
        "by-province",
        t("Đơn vị tham gia theo tỉnh, thành phố", "Exhibitors by province"),
        t("Tỉnh, thành phố", "Province"),
        &r.by_province,
    ));
    out.push(count_table(
        "by-producer-type",
        t("Đơn vị tham gia theo loại hình", "Exhibitors by legal form"),
        t("Loại hình", "Legal form"),
        &r.by_producer_type,
    ));
    out.push(count_table(
        "products-by-group",
        t("Sản phẩm theo nhóm OCOP", "Products by OCOP group"),
        t("Nhóm sản phẩm", "Product group"),
        &r.products_by_group,
    ));
    out.push(count_table(
        "products-by-stars",
        t("Sản phẩm theo hạng sao OCOP", "Products by OCOP stars"),
        t("Hạng sao", "Stars"),
        &r.products_by_stars,
    ));

    // III. Visitors.
    out.push(Block::Heading(t("III. Lượt khách", "III. Visitors")));
    out.push(Block::Table(Table {
        id: "visitors",
        caption: t("Lượt khách theo ngày", "Visitors by day"),
        head: vec![
            t("Ngày", "Day"),
            t("Lượt khách", "Visitors"),
            t("Cách tính", "Counted by"),
            t("Nguồn", "Source"),
        ],
        rows: r
            .visitors
            .iter()
            .map(|v| {
                vec![
                    date_vn(v.day),
                    number_vn(i64::from(v.visitors)),
                    match v.method {
                        CountMethod::Estimate => t("Ước tính", "Estimate"),
                        CountMethod::Counter => t("Số đếm", "Counter"),
                    },
                    v.source.clone(),
                ]
            })
            .collect(),
        total: Some(vec![
            t("Tổng cộng", "Total"),
            number_vn(r.visitors_total as i64),
            String::new(),
            String::new(),
        ]),
        numeric: vec![false, true, false, false],
    }));

    // IV. Revenue.
    out.push(Block::Heading(t("IV. Doanh thu", "IV. Revenue")));
    out.push(money_table(
        "revenue-by-day",
        t("Doanh thu theo ngày", "Revenue by day"),
        t("Ngày", "Day"),
        &review.by_day,
        true,
    ));
    out.push(Block::Chart("day"));
    out.push(money_table(
        "revenue-by-zone",
        t("Doanh thu theo khu", "Revenue by zone"),
        t("Khu", "Zone"),
        &review.by_zone,
        true,
    ));
    out.push(Block::Chart("zone"));
    out.push(money_table(
        "revenue-by-locality",
        t(
            "Doanh thu theo địa phương (xã, phường từ 1/7/2025)",
            "Revenue by locality (communes since 1/7/2025)",
        ),
        t("Xã, phường", "Commune"),
        &review.by_commune,
        true,
    ));
    out.push(Block::Chart("commune"));
    out.push(money_table(
        "revenue-by-group",
        t("Doanh thu theo nhóm sản phẩm", "Revenue by product group"),
        t("Nhóm sản phẩm", "Product group"),
        &review.by_product_group,
        true,
    ));
    out.push(money_table(
        "revenue-by-stars",
        t("Doanh thu theo hạng sao OCOP", "Revenue by OCOP stars"),
        t("Hạng sao", "Stars"),
        &review.by_stars,
        true,
    ));
    out.push(Block::Paragraph(if vi {
        format!(
            "Doanh thu sản phẩm OCOP (3 sao trở lên): {} đồng, chiếm {} tổng doanh thu.",
            number_vn(review.ocop_vnd),
            percent_vn(review.ocop_share)
        )
    } else {
        format!(
            "OCOP products (3 stars or more): {} VND, {} of the revenue.",
            number_vn(review.ocop_vnd),
            percent_vn(review.ocop_share)
        )
    }));
    out.push(money_table(
        "top-exhibitors",
        t("Các đơn vị có doanh thu cao nhất", "Top exhibitors by revenue"),
        t("Đơn vị", "Exhibitor"),
        &r.top_exhibitors,
        false,
    ));

    // V. Against the previous edition.
    if let Some(p) = &r.previous {
        out.push(Block::Heading(if vi {
            format!("V. So sánh với {}", p.name)
        } else {
            format!("V. Against {}", p.name)
        }));
        out.push(Block::Table(Table {
            id: "comparison",
            caption: t("Các chỉ tiêu chính", "Headline figures"),
            head: vec![
                t("Chỉ tiêu", "Figure"),
                p.name.clone(),
                r.name.clone(),
                t("Tăng, giảm", "Change"),
            ],
            rows: vec![
                vec![
                    t("Doanh thu (đồng)", "Revenue (VND)"),
                    number_vn(p.total_vnd),
                    number_vn(review.total_vnd),
                    change(p.total_vnd, review.total_vnd),
                ],
                vec![
                    t("Đơn vị tham gia", "Exhibitors"),
                    number_vn(p.exhibitors as i64),
                    number_vn(r.exhibitors as i64),
                    signed(r.exhibitors as i64 - p.exhibitors as i64),
                ],
                vec![
                    t("Lượt khách", "Visitors"),
                    number_vn(p.visitors as i64),
                    number_vn(r.visitors_total as i64),
                    change(p.visitors as i64, r.visitors_total as i64),
                ],
            ],
            total: None,
            numeric: vec![false, true, true, true],
        }));
        out.push(Block::Table(Table {
            id: "comparison-by-locality",
            caption: t(
                "Doanh thu theo địa phương, theo đơn vị hành chính hiện nay",
                "Revenue by locality, by today's units",
            ),
            head: vec![
                t("Xã, phường hiện nay", "Commune now"),
                t("Huyện trước sáp nhập", "District before the reform"),
                p.name.clone(),
                r.name.clone(),
                t("Tăng, giảm", "Change"),
            ],
            rows: p
                .localities
                .iter()
                .map(|l| {
                    vec![
                        l.label.clone(),
                        l.districts_before.join(", "),
                        number_vn(l.before_vnd),
                        number_vn(l.now_vnd),
                        change(l.before_vnd, l.now_vnd),
                    ]
                })
                .collect(),
            total: Some(vec![
                t("Tổng cộng", "Total"),
                String::new(),
                number_vn(p.total_vnd),
                number_vn(review.total_vnd),
                change(p.total_vnd, review.total_vnd),
            ]),
            numeric: vec![false, false, true, true, true],
        }));
    }

    // VI. Agreements, awards, side events, notes.
    out.push(Block::Heading(t(
        "VI. Ký kết, giải thưởng và hoạt động bên lề",
        "VI. Agreements, awards and side events",
    )));
    out.push(Block::Table(Table {
        id: "agreements",
        caption: t("Hợp đồng và biên bản ghi nhớ", "Contracts and memoranda"),
        head: vec![
            t("Loại", "Kind"),
            t("Các bên", "Parties"),
            t("Đơn vị tham gia hội chợ", "Exhibitors"),
            t("Sản phẩm", "Products"),
            t("Giá trị (đồng)", "Value (VND)"),
            t("Ngày ký", "Signed"),
        ],
        rows: r
            .agreements
            .iter()
            .map(|a| {
                vec![
                    match a.kind {
                        AgreementKind::Contract => t("Hợp đồng", "Contract"),
                        AgreementKind::Memorandum => t("Biên bản ghi nhớ", "Memorandum"),
                    },
                    a.parties.clone(),
                    a.exhibitors.join(", "),
                    a.products.clone(),
                    a.value_vnd.map(number_vn).unwrap_or_default(),
                    date_vn(a.signed_on),
                ]
            })
            .collect(),
        total: (!r.agreements.is_empty()).then(|| {
            vec![
                t("Tổng cộng", "Total"),
                String::new(),
                String::new(),
                String::new(),
                number_vn(r.agreements_value_vnd),
                String::new(),
            ]
        }),
        numeric: vec![false, false, false, false, true, false],
    }));
    out.push(Block::Table(Table {
        id: "awards",
        caption: t("Giải thưởng", "Awards"),
        head: vec![
            t("Giải thưởng", "Award"),
            t("Đơn vị", "Exhibitor"),
            t("Ghi chú", "Note"),
        ],
        rows: r
            .awards
            .iter()
            .map(|a| vec![a.name.clone(), a.exhibitor.clone(), a.note.clone()])
            .collect(),
        total: None,
        numeric: vec![false, false, false],
    }));
    out.push(Block::Table(Table {
        id: "side-events",
        caption: t("Hoạt động bên lề", "Side events"),
        head: vec![
            t("Ngày", "Day"),
            t("Hoạt động", "Event"),
            t("Người tham dự", "Participants"),
            t("Ghi chú", "Note"),
        ],
        rows: r
            .side_events
            .iter()
            .map(|e| {
                vec![
                    day_month(e.day),
                    e.title.clone(),
                    e.participants.map(|n| number_vn(i64::from(n))).unwrap_or_default(),
                    e.note.clone(),
                ]
            })
            .collect(),
        total: None,
        numeric: vec![false, false, true, false],
    }));
    if !r.notes.is_empty() {
        out.push(Block::Heading(t("VII. Ghi chú", "VII. Notes")));
        for line in r.notes.lines().filter(|l| !l.trim().is_empty()) {
            out.push(Block::Paragraph(line.to_owned()));
        }
    }
    out
}
