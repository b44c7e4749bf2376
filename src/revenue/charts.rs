//! SVG charts of the revenue review, where people would rather look than read (plotters).

use plotters::prelude::*;

use super::Revenue;
use crate::i18n::{money_vnd, Lang};

/// A horizontal bar chart of `(label, amount)` as SVG, amounts in millions of đồng; the
/// page gives it its title.
pub fn bar_chart(bars: &[(String, i64)]) -> String {
    let mut svg = String::new();
    let height = 64 + 34 * bars.len().max(1) as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (640, height)).into_drawing_area();
        let draw = || -> Result<(), Box<dyn std::error::Error + '_>> {
            root.fill(&WHITE)?;
            let max = bars.iter().map(|(_, a)| *a).max().unwrap_or(0).max(1) as f64 / 1e6;
            let n = bars.len().max(1) as i32;
            let mut chart = ChartBuilder::on(&root)
                .margin(10)
                .x_label_area_size(44)
                .y_label_area_size(190)
                .build_cartesian_2d(0f64..max * 1.08, 0..n)?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(bars.len().max(1))
                .y_label_formatter(&|i| {
                    bars.get((n - 1 - *i) as usize)
                        .map(|(label, _)| {
                            let short: String = label.chars().take(28).collect();
                            if label.chars().count() > 28 {
                                format!("{short}…")
                            } else {
                                short
                            }
                        })
                        .unwrap_or_default()
                })
                .x_desc("triệu đồng / million đồng")
                .x_label_formatter(&|v| format!("{v:.0}"))
                .draw()?;
            chart.draw_series(bars.iter().enumerate().map(|(i, (_, amount))| {
                let y = n - 1 - i as i32;
                let mut bar = Rectangle::new(
                    [(0.0, y), (*amount as f64 / 1e6, y + 1)],
                    RGBColor(31, 111, 67).filled(),
                );
                bar.set_margin(5, 5, 0, 0);
                bar
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
    .map(|(by, title, limit)| (format!("{title} ({total})"), bar_chart(&pick(by, limit))))
    .collect()
}
