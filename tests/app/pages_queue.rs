//! The organizers' queue of applications on a laptop: sorted, filtered and ticked through a
//! bulk action, exported to a workbook, and filled from a district office's list.

use crate::support::{application_body, json, open_fair, spawn, TestApp};
use calamine::{Data, Reader};
use serde_json::json;

async fn three(app: &TestApp, fair: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for (name, phone) in [
        ("HTX Chè Đức Thọ", "0912 000 001"),
        ("Cơ sở Nước mắm Cửa Hội", "0912 000 002"),
        ("HTX Cam Vũ Quang", "0912 000 003"),
    ] {
        let mut body = application_body();
        body["organization"] = json!(name);
        body["phone"] = json!(phone);
        let (status, applied) = app.apply(fair, &body).await;
        assert_eq!(status, 201, "{applied}");
        ids.push(applied["id"].as_str().unwrap().to_owned());
    }
    ids
}

fn order_of(html: &str, names: &[&str]) -> Vec<usize> {
    let mut found: Vec<(usize, usize)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (html.find(n).unwrap_or(usize::MAX), i))
        .collect();
    found.sort();
    found.into_iter().map(|(_, i)| i).collect()
}

#[tokio::test]
async fn the_queue_sorts_and_keeps_its_filters_and_ticks_through_a_bulk_action() {
    let app = spawn().await;
    open_fair(&app, "hang").await;
    let ids = three(&app, "hang").await;
    let cookie = app.organizer_cookie().await;
    let names = ["HTX Chè Đức Thọ", "Cơ sở Nước mắm Cửa Hội", "HTX Cam Vũ Quang"];
    let list = |query: &'static str| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            app.get_page(&format!("/organizer/fairs/hang/registrations?{query}"), &cookie)
                .await
                .text()
                .await
                .unwrap()
                .replace("&#38;", "&amp;")
        }
    };
    let html = list("").await;
    let table = html.split("<tbody>").nth(1).unwrap();
    assert_eq!(order_of(table, &names), [0, 1, 2], "by submission, oldest first");
    assert!(
        html.contains("aria-sort=\"ascending\"") && html.contains("Ngày nộp"),
        "{html}"
    );
    let html = list("sort=organization").await;
    let table = html.split("<tbody>").nth(1).unwrap();
    assert_eq!(
        order_of(table, &names),
        [1, 2, 0],
        "Cơ sở, HTX Cam, HTX Chè: by name without diacritics: {table}"
    );
    let html = list("sort=-submitted").await;
    let table = html.split("<tbody>").nth(1).unwrap();
    assert_eq!(order_of(table, &names), [2, 1, 0]);

    // Search "htx", tick two, approve: the confirmation, its way back, and the list after it
    // keep the search, the order and the ticks.
    let html = list("q=htx&sort=organization").await;
    assert!(
        html.contains("name=\"back\" value=\"q=htx&amp;sort=organization\""),
        "{html}"
    );
    let confirm = app
        .post_form(
            "/organizer/fairs/hang/registrations/bulk",
            &cookie,
            &[
                ("back", "q=htx&sort=organization"),
                ("action", "approve"),
                ("ids", &ids[0]),
                ("ids", &ids[2]),
            ],
        )
        .await;
    let html = confirm.text().await.unwrap().replace("&#38;", "&amp;");
    let cancel = html
        .split("id=\"cancel\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(
        cancel.contains("q=htx&amp;sort=organization") && cancel.contains(&format!("ids={}", ids[0])),
        "{cancel}"
    );
    let back = app
        .get_page(&cancel.replace("&amp;", "&"), &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        back.contains(&format!("value=\"{}\" aria-label=\"HTX Chè Đức Thọ\" checked", ids[0])),
        "ticked again: {back}"
    );
    assert!(!back.contains("Nước mắm"), "still searched");
    let done = app
        .post_form(
            "/organizer/fairs/hang/registrations/bulk",
            &cookie,
            &[
                ("back", "q=htx&sort=organization"),
                ("action", "approve"),
                ("ids", &ids[0]),
                ("ids", &ids[2]),
                ("confirm", "yes"),
            ],
        )
        .await;
    let to = done.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.contains("q=htx&sort=organization") && to.contains("done=2"), "{to}");
    let after = app.get_page(&to, &cookie).await.text().await.unwrap();
    assert!(
        after.contains("Đã cập nhật: 2 hồ sơ") && !after.contains("Nước mắm"),
        "{after}"
    );

    // Nothing ticked: the error keeps the search too.
    let none = app
        .post_form(
            "/organizer/fairs/hang/registrations/bulk",
            &cookie,
            &[("back", "q=htx"), ("action", "approve")],
        )
        .await;
    assert_eq!(none.status().as_u16(), 422);
    let html = none.text().await.unwrap();
    assert!(
        html.contains("Chưa chọn hồ sơ nào.") && !html.contains("Nước mắm"),
        "{html}"
    );
}

#[tokio::test]
async fn the_queue_exports_applications_and_booths_to_a_workbook_excel_reads() {
    let app = spawn().await;
    open_fair(&app, "xuat").await;
    let ids = three(&app, "xuat").await;
    app.decide(&ids[0], "approve", &json!({"booths": 1})).await;
    let (status, body) = app.allocate("xuat", "A02", &ids[0]).await;
    assert_eq!(status, 201, "{body}");
    let cookie = app.organizer_cookie().await;
    let response = app
        .get_page("/organizer/fairs/xuat/registrations.xlsx?q=htx", &cookie)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["Hồ sơ", "Gian hàng"]);
    let sheet = book.worksheet_range("Hồ sơ").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows.len(), 3, "the header and the two HTX the search finds");
    assert_eq!(rows[0][0], Data::String("Tên chủ thể".into()));
    assert_eq!(rows[1][0], Data::String("HTX Chè Đức Thọ".into()));
    assert_eq!(rows[1][4], Data::String("0912 000 001".into()));
    assert_eq!(rows[1][6], Data::String("Sơn Kim 1".into()), "the commune");
    assert_eq!(rows[1][9], Data::String("Cam bù Hương Sơn".into()), "the products");
    assert_eq!(rows[1][11], Data::Float(4.0), "the stars, a number");
    assert_eq!(rows[1][12], Data::String("Đã duyệt".into()));
    assert_eq!(rows[1][15], Data::String("A02".into()), "the booth");
    assert!(
        matches!(rows[1][16], Data::DateTime(_)),
        "a real date: {:?}",
        rows[1][16]
    );
    let booths = book.worksheet_range("Gian hàng").unwrap();
    let rows: Vec<Vec<Data>> = booths.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], Data::String("A02".into()));
    assert_eq!(rows[1][3], Data::String("HTX Chè Đức Thọ".into()));
}

#[tokio::test]
async fn a_district_list_is_previewed_row_by_row_and_entered_once() {
    let app = spawn().await;
    open_fair(&app, "nhap").await;
    let cookie = app.organizer_cookie().await;
    let expires = (chrono::Utc::now().date_naive() + chrono::Duration::days(400)).format("%d/%m/%Y");
    let list = format!(
        "STT,Tên chủ thể,Loại hình,Người đại diện,Số điện thoại,Xã phường,Tỉnh,Sản phẩm,Nhóm,Hạng sao,Số giấy chứng nhận,Hạn giấy chứng nhận\n\
         1,Hộ bà Trần Thị Tư,Hộ kinh doanh,Trần Thị Tư,0912 111 222,Thạch Kim,Hà Tĩnh,Nước mắm Cửa Sót,I,3,12/QĐ-UBND,{expires}\n\
         2,Hộ ông Lê Văn Ba,Hộ kinh doanh,,0912 abc,Cẩm Nhượng,Hà Tĩnh,Mực khô,I,,,\n\
         3,HTX Rau sạch Thạch Hà,Hợp tác xã,Nguyễn Văn Năm,0912 333 444,Thạch Hà,Hà Tĩnh,Rau an toàn,I,,,\n"
    );
    let preview = app
        .post_form(
            "/organizer/fairs/nhap/registrations/import",
            &cookie,
            &[("action", "preview"), ("csv", &list)],
        )
        .await;
    assert_eq!(preview.status().as_u16(), 422, "a row is wrong");
    let html = preview.text().await.unwrap();
    let table = html
        .split("id=\"import-rows\"")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    let row = |line: &str| {
        table
            .split("<tr>")
            .find(|r| r.starts_with(&format!("<td class=\"num\">{line}</td>")))
            .unwrap_or_else(|| panic!("line {line}: {table}"))
            .to_owned()
    };
    assert!(row("2").contains("Sẵn sàng"), "{}", row("2"));
    assert!(
        row("3").contains("Cần sửa") && row("3").contains("Số điện thoại:"),
        "the column named: {}",
        row("3")
    );
    assert!(
        row("4").contains("Cần sửa") && row("4").contains("Mã số thuế"),
        "a cooperative needs its tax code: {}",
        row("4")
    );
    assert!(html.contains("1 trong 3 dòng sẵn sàng nhập."), "{html}");
    let (_, listed) = json(app.get_as_organizer("/api/v1/fairs/nhap/registrations").await).await;
    assert_eq!(listed["total"], 0, "a preview writes nothing");

    for _ in 0..2 {
        let done = app
            .post_form(
                "/organizer/fairs/nhap/registrations/import",
                &cookie,
                &[("action", "confirm"), ("csv", &list)],
            )
            .await;
        assert_eq!(done.status().as_u16(), 303);
    }
    let (_, listed) = json(app.get_as_organizer("/api/v1/fairs/nhap/registrations").await).await;
    assert_eq!(listed["total"], 1, "the ready row, once: {listed}");
    let entered = &listed["registrations"][0];
    assert_eq!(entered["organization"], "Hộ bà Trần Thị Tư");
    assert_eq!(entered["stars"], 3);
    let again = app
        .post_form(
            "/organizer/fairs/nhap/registrations/import",
            &cookie,
            &[("action", "preview"), ("csv", &list)],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(again.contains("Đã có"), "the entered row is known: {again}");

    // The same list as a workbook reads the same; a list without a phone column is refused.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in list.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(book.save_to_buffer().unwrap());
    let html = app
        .post_form(
            "/organizer/fairs/nhap/registrations/import",
            &cookie,
            &[("action", "preview"), ("xlsx", &encoded)],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Đã có") && html.contains("Cần sửa"), "{html}");
    let refused = app
        .post_form(
            "/organizer/fairs/nhap/registrations/import",
            &cookie,
            &[("action", "preview"), ("csv", "Tên chủ thể,Sản phẩm\nHộ A,Mắm\n")],
        )
        .await;
    assert_eq!(refused.status().as_u16(), 422);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Danh sách thiếu cột Điện thoại."));
}
