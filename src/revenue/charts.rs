//! SVG charts of the revenue review, where people would rather look than read (plotters).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Revenue;
use crate::i18n::{money_vnd, Lang};

/// The size, in pixels, of the charts' text: they are drawn at their own size (the page scrolls
/// a chart sideways rather than shrinking it), so it is the size read.
const TEXT_PX: u32 = 18;

/// The font the charts are measured and, as images, drawn with (DejaVu Sans cut down to what
/// they write, `scripts/chart-font.py`), registered once for the process.
fn font() -> bool {
    static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *REGISTERED.get_or_init(|| {
        let bytes: &'static [u8] = include_bytes!("chart-font.ttf");
        plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok()
    })
}

/// The height in pixels of a chart of `bars` bars.
fn height(bars: usize) -> u32 {
    70 + 36 * bars.max(1) as u32
}

/// The width in pixels every chart is drawn at.
pub const WIDTH: u32 = 640;

/// A horizontal bar chart of `(label, amount)` as SVG, amounts in millions of đồng, each
/// label centred on its bar and each bar's amount written at its end; the page gives it its
/// title.
pub fn bar_chart(bars: &[(String, i64)], lang: Lang) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height(bars.len()))).into_drawing_area();
        draw(root, bars, lang, 1);
    }
    svg
}

/// The same chart as a PNG, twice the size for print: (bytes, width, height in pixels).
pub fn bar_chart_png(bars: &[(String, i64)], lang: Lang) -> Option<(Vec<u8>, u32, u32)> {
    let (width, height) = (WIDTH * 2, height(bars.len()) * 2);
    let mut rgb = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        // The SVG's layout at twice its size: sharper in print.
        draw(root, bars, lang, 2);
    }
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().ok()?;
        writer.write_image_data(&rgb).ok()?;
    }
    Some((png, width, height))
}

/// Draws the chart on `root`, every size multiplied by `scale`.
fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    bars: &[(String, i64)],
    lang: Lang,
    scale: u32,
) {
    if !font() {
        tracing::warn!("the charts' font could not be read");
        return;
    }
    let s = |n: u32| n * scale;
    let result = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        root.fill(&WHITE)?;
        let max = bars.iter().map(|(_, a)| *a).max().unwrap_or(0).max(1) as f64 / 1e6;
        let n = bars.len().max(1) as i32;
        let font = ("sans-serif", s(TEXT_PX)).into_font();
        let mut chart = ChartBuilder::on(&root)
            .margin(s(10))
            .x_label_area_size(s(48))
            .y_label_area_size(s(250))
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
                        let short: String = label.chars().take(22).collect();
                        if label.chars().count() > 22 {
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
        let margin = s(6);
        chart.draw_series(bars.iter().enumerate().map(|(i, (_, amount))| {
            let y = n - 1 - i as i32;
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(y)),
                    (*amount as f64 / 1e6, SegmentValue::Exact(y + 1)),
                ],
                RGBColor(31, 111, 67).filled(),
            );
            bar.set_margin(margin, margin, 0, 0);
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
    })();
    if let Err(err) = result {
        tracing::warn!(error = %err, "a chart could not be drawn");
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_chart_has_its_bars_and_its_labels_drawn() {
        let bars = vec![
            ("Xã Đức Đồng, Tỉnh Hà Tĩnh".to_owned(), 6_000_000),
            ("Xã Cẩm Xuyên, Tỉnh Hà Tĩnh".to_owned(), 1_000_000),
        ];
        let (png, width, height) = bar_chart_png(&bars, Lang::Vi).expect("drawn");
        assert_eq!((width, height), (WIDTH * 2, (70 + 36 * 2) * 2));
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((info.width, info.height), (width, height));
        let at = |x: u32, y: u32| {
            let i = ((y * width + x) * 3) as usize;
            (pixels[i], pixels[i + 1], pixels[i + 2])
        };
        let count = |x0: u32, x1: u32, test: &dyn Fn((u8, u8, u8)) -> bool| {
            (0..height)
                .flat_map(|y| (x0..x1).map(move |x| (x, y)))
                .filter(|(x, y)| test(at(*x, *y)))
                .count()
        };
        // The bars, in the chart's green, right of the labels' 500 px.
        assert!(count(520, width, &|p| p == (31, 111, 67)) > 10_000);
        // The labels: dark text in the label area, which is otherwise white.
        assert!(count(0, 500, &|(r, g, b)| r < 100 && g < 100 && b < 100) > 500);
        if let Ok(dir) = std::env::var("HOICHO_CHART_OUT") {
            std::fs::write(std::path::Path::new(&dir).join("chart.png"), &png).unwrap();
        }
    }
}
