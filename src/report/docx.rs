//! The report as a Word document: A4, Times New Roman 13 pt as Vietnamese administrative
//! documents are set, the title block, then the report's blocks as headings, paragraphs and
//! tables Word lets the provincial office edit.

use docx_rs::{AlignmentType, Docx, PageMargin, Paragraph, Pic, Run, RunFonts, Table, TableCell, TableRow, WidthType};

use super::blocks::{blocks, Block};
use super::Report;
use crate::i18n::{date_vn, Lang};

/// A4 in twentieths of a point, and its text width with 2 cm / 3 cm margins.
const A4: (u32, u32) = (11_906, 16_838);
const TEXT_WIDTH: usize = 11_906 - 1_701 - 1_134;

fn text(s: &str) -> Run {
    Run::new().add_text(s)
}

fn cell(s: &str, right: bool, bold: bool, width: usize) -> TableCell {
    let run = if bold { text(s).bold() } else { text(s) };
    let paragraph = Paragraph::new().add_run(run).align(if right {
        AlignmentType::Right
    } else {
        AlignmentType::Left
    });
    TableCell::new().add_paragraph(paragraph).width(width, WidthType::Dxa)
}

/// The chart of `by` (the first ten lines of that breakdown), as wide as the text.
fn chart(report: &Report, by: &str, lang: Lang) -> Option<Pic> {
    let bars: Vec<(String, i64)> = report
        .revenue
        .breakdown(by)
        .iter()
        .take(10)
        .map(|l| (l.label.clone(), l.amount_vnd))
        .collect();
    if bars.is_empty() {
        return None;
    }
    let (png, width, height) = crate::revenue::charts::bar_chart_png(&bars, lang)?;
    // A twentieth of a point is 635 EMU.
    let w = (TEXT_WIDTH * 635) as u32;
    let h = (u64::from(w) * u64::from(height) / u64::from(width)) as u32;
    Some(Pic::new_with_dimensions(png, width, height).size(w, h))
}

/// The Word document of `report`, in `lang`.
pub fn to_docx(report: &Report, lang: Lang) -> Result<Vec<u8>, docx_rs::DocxError> {
    let vi = lang == Lang::Vi;
    let mut doc = Docx::new()
        .page_size(A4.0, A4.1)
        .page_margin(PageMargin::new().top(1_134).bottom(1_134).left(1_701).right(1_134))
        .default_fonts(
            RunFonts::new()
                .ascii("Times New Roman")
                .hi_ansi("Times New Roman")
                .cs("Times New Roman"),
        )
        .default_size(26);
    let centered = |s: &str, bold: bool, size: usize| {
        let run = text(s).size(size);
        Paragraph::new()
            .add_run(if bold { run.bold() } else { run })
            .align(AlignmentType::Center)
    };
    doc = doc
        .add_paragraph(centered(
            if vi {
                "BÁO CÁO KẾT QUẢ TỔ CHỨC HỘI CHỢ"
            } else {
                "REPORT ON THE FAIR"
            },
            true,
            28,
        ))
        .add_paragraph(centered(&report.name, true, 28))
        .add_paragraph(centered(
            &if vi {
                format!(
                    "{} · từ ngày {} đến ngày {}",
                    report.venue,
                    date_vn(report.start_date),
                    date_vn(report.end_date)
                )
            } else {
                format!(
                    "{} · {} to {}",
                    report.venue,
                    date_vn(report.start_date),
                    date_vn(report.end_date)
                )
            },
            false,
            26,
        ))
        .add_paragraph(centered(
            &if vi {
                format!("Số liệu đến ngày {}", date_vn(report.made_on))
            } else {
                format!("Figures as of {}", date_vn(report.made_on))
            },
            false,
            24,
        ));
    for block in blocks(report, lang) {
        doc = match block {
            Block::Heading(h) => doc.add_paragraph(Paragraph::new().add_run(text(&h).bold()).keep_next(true)),
            Block::Paragraph(p) => doc.add_paragraph(Paragraph::new().add_run(text(&p)).align(AlignmentType::Both)),
            Block::List(_, items) => items.iter().fold(doc, |doc, item| {
                doc.add_paragraph(Paragraph::new().add_run(text(&format!("– {item}"))))
            }),
            // The chart of the table before it, as PNG (what every Word reads), as wide as the
            // text.
            Block::Chart(by) => match chart(report, by, lang) {
                Some(pic) => doc.add_paragraph(Paragraph::new().add_run(Run::new().add_image(pic))),
                None => doc,
            },
            Block::Table(table) => {
                let columns = table.head.len().max(1);
                // The first column (names) gets twice the room of the others.
                let unit = TEXT_WIDTH / (columns + 1);
                let width = |i: usize| if i == 0 { unit * 2 } else { unit };
                let caption = Paragraph::new().add_run(text(&table.caption).italic()).keep_next(true);
                doc = doc.add_paragraph(caption);
                if table.rows.is_empty() {
                    doc.add_paragraph(Paragraph::new().add_run(text(if vi {
                        "Chưa có số liệu."
                    } else {
                        "Nothing yet."
                    })))
                } else {
                    let head = TableRow::new(
                        table
                            .head
                            .iter()
                            .enumerate()
                            .map(|(i, h)| cell(h, false, true, width(i)))
                            .collect(),
                    );
                    let row = |cells: &Vec<String>, bold: bool| {
                        TableRow::new(
                            cells
                                .iter()
                                .enumerate()
                                .map(|(i, c)| cell(c, table.numeric.get(i).copied().unwrap_or(false), bold, width(i)))
                                .collect(),
                        )
                    };
                    let mut rows = vec![head];
                    rows.extend(table.rows.iter().map(|r| row(r, false)));
                    rows.extend(table.total.iter().map(|r| row(r, true)));
                    doc.add_table(
                        Table::new(rows)
                            .set_grid((0..columns).map(width).collect())
                            .width(TEXT_WIDTH, WidthType::Dxa),
                    )
                    .add_paragraph(Paragraph::new())
                }
            }
        };
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out)?;
    Ok(out.into_inner())
}
