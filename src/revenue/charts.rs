//! SVG charts of the revenue review, where people would rather look than read (plotters).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Revenue;
use crate::i18n::{money_vnd, Lang};

/// The size, in pixels, of the charts' text: they are drawn at their own size (the page scrolls
/// a chart sideways rather than shrinking it), so it is the size read.
const TEXT_PX: u32 = 18;

/// A horizontal bar chart of `(label, amount)` as SVG, amounts in millions of đồng, each
/// label centred on its bar and each bar's amount written at its end; the page gives it its
/// title.
pub fn bar_chart(bars: &[(String, i64)], lang: Lang) -> String {
    let mut svg = String::new();
    let height = 70 + 36 * bars.len().max(1) as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (640, height)).into_drawing_area();
        let draw = || -> Result<(), Box<dyn std::error::Error + '_>> {
            root.fill(&WHITE)?;
            let max = bars.iter().map(|(_, a)| *a).max().unwrap_or(0).max(1) as f64 / 1e6;
            let n = bars.len().max(1) as i32;
            let font = ("sans-serif", TEXT_PX).into_font();
            let mut chart = ChartBuilder::on(&root)
                .margin(10)
                .x_label_area_size(48)
                .y_label_area_size(200)
                // Room at the right for the longest bar's amount.
                .build_cartesian_2d(0f64..max * 1.3, (0..n).into_segmented())?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(bars.len().max(1))
                .label_style(font.clone())
                .axis_desc_style(font.clone())
                .y_label_formatter(&|v| {
                    let SegmentValue::CenterOf(i) = v else {
                        return String::new();
                    };
                    bars.get((n - 1 - *i) as usize)
                        .map(|(label, _)| {
                            let short: String = label.chars().take(24).collect();
                            if label.chars().count() > 24 {
                                format!("{short}…")
                            } else {
                                short
                            }
                        })
                        .unwrap_or_default()
                })
                .x_desc(match lang {
                    Lang::Vi => "triệu đồng",
                    Lang::En => "million đồng",
                })
                .x_label_formatter(&|v| format!("{v:.0}"))
                .draw()?;
            chart.draw_series(bars.iter().enumerate().map(|(i, (_, amount))| {
                let y = n - 1 - i as i32;
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(y)),
                        (*amount as f64 / 1e6, SegmentValue::Exact(y + 1)),
                    ],
                    RGBColor(31, 111, 67).filled(),
                );
                bar.set_margin(6, 6, 0, 0);
                bar
            }))?;
            chart.draw_series(bars.iter().enumerate().map(|(i, (_, amount))| {
                let y = n - 1 - i as i32;
                let millions = *amount as f64 / 1e6;
                let text = match lang {
                    Lang::Vi => format!("{millions:.1}").replace('.', ","),
                    Lang::En => format!("{millions:.1}"),
                };
                Text::new(
                    format!(" {text}"),
                    (millions, SegmentValue::CenterOf(y)),
                    TextStyle::from(font.clone()).pos(Pos::new(HPos::Left, VPos::Center)),
                )
            }))?;
            root.present()?;
            Ok(())
        };
        if let Err(err) = draw() {
            tracing::warn!(error = %err, "a chart could not be drawn");
        }
    }
    svg
}

/// The charts of the review page: revenue by day, by product group, by commune (top ten).
pub fn charts(report: &Revenue, lang: Lang) -> Vec<(String, String)> {
    let vi = lang == Lang::Vi;
    let pick = |by: &str, limit: usize| -> Vec<(String, i64)> {
        report
            .breakdown(by)
            .iter()
            .take(limit)
            .map(|l| (l.label.clone(), l.amount_vnd))
            .collect()
    };
    let total = money_vnd(report.total_vnd);
    [
        ("day", if vi { "Doanh thu theo ngày" } else { "Revenue by day" }, 31),
        (
            "product_group",
            if vi {
                "Theo nhóm sản phẩm OCOP"
            } else {
                "By OCOP product group"
            },
            10,
        ),
        (
            "commune",
            if vi {
                "Mười xã, phường dẫn đầu"
            } else {
                "Top ten communes"
            },
            10,
        ),
    ]
    .into_iter()
    .filter(|(by, _, _)| !report.breakdown(by).is_empty())
    .map(|(by, title, limit)| (format!("{title} ({total})"), bar_chart(&pick(by, limit), lang)))
    .collect()
}
