//! What each email says, in the recipient's language, as plain text and HTML (the message
//! around it is [`super::mime`]'s).

use askama::Template as _;
use hoicho_events::{NotificationId, NotificationParams, Recipient, RegistrationId, Template};
use hoicho_projections::{FairView, RegistrationView};

use crate::i18n::{date_vn, datetime_vn, Lang};

use super::payment::payment_block;
pub use super::payment::{PaymentFacts, QR_CID};

/// One email, as the notifier sends it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub id: NotificationId,
    pub fair_id: hoicho_events::FairId,
    pub template: Template,
    pub trigger: String,
    pub registration_id: Option<RegistrationId>,
    pub recipient: Recipient,
    pub language: String,
    pub params: NotificationParams,
    pub message_id: String,
    pub due_at: chrono::DateTime<chrono::Utc>,
}

/// What the templates read besides the notification itself.
pub struct MailContext<'a> {
    /// The server's address as people reach it, without a trailing slash.
    pub public_url: &'a str,
    pub fair: Option<&'a FairView>,
    pub registration: Option<&'a RegistrationView>,
    /// The exhibitor's private link, when the email carries it.
    pub private_link: Option<String>,
    /// For a digest: the applications it lists.
    pub listed: Vec<&'a RegistrationView>,
    /// For a sales summary: the exhibitor's sales.
    pub sales: Option<hoicho_projections::RegistrationSales>,
    /// For the organizers' report: the total and the leading exhibitors.
    pub revenue_total: Option<i64>,
    pub top: Vec<(String, i64)>,
    /// Files to attach: (name, MIME type, bytes).
    pub attachments: Vec<(String, String, Vec<u8>)>,
    /// For a booth email: what the exhibitor has to pay and how.
    pub payment: Option<PaymentFacts>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// (file name, MIME type, bytes).
    pub attachments: Vec<(String, String, Vec<u8>)>,
    /// A VietQR code the HTML shows: (content id, payload). Drawn by [`Rendered::images`],
    /// outside the projections' lock the rendering holds.
    pub qr: Option<(String, String)>,
}

impl Rendered {
    /// The images the HTML shows, drawn: (content id, MIME type, bytes).
    pub fn images(&self) -> Vec<(String, String, Vec<u8>)> {
        self.qr
            .iter()
            .filter_map(|(cid, payload)| Some((cid.clone(), "image/png".to_owned(), crate::vietqr::png(payload, 6)?)))
            .collect()
    }
}

/// The parts of an email body; the text and HTML layouts lay them out.
pub struct Body {
    pub lang: &'static str,
    pub heading: String,
    pub greeting: String,
    pub paragraphs: Vec<String>,
    pub facts: Vec<(String, String)>,
    pub items: Vec<String>,
    pub link: Option<(String, String)>,
    /// Further links under the main one (label, address).
    pub more_links: Vec<(String, String)>,
    /// The organizers' hotline, in every email of a fair that has one.
    pub hotline: Option<String>,
    /// An image the HTML shows: (content id, alternative text).
    pub image: Option<(String, String)>,
    pub signature: String,
    pub footer: String,
}

#[derive(askama::Template)]
#[template(path = "mail/mail.txt")]
struct TextMail<'a> {
    body: &'a Body,
}

#[derive(askama::Template)]
#[template(path = "mail/mail.html")]
struct HtmlMail<'a> {
    subject: &'a str,
    body: &'a Body,
}

pub fn lang_of(code: &str) -> Lang {
    if code == "en" {
        Lang::En
    } else {
        Lang::Vi
    }
}

/// Renders `mail` in its recipient's language.
pub fn render(mail: &Mail, ctx: &MailContext) -> Rendered {
    let lang = lang_of(&mail.language);
    let vi = lang == Lang::Vi;
    let fair_name = ctx.fair.map(|f| f.details.name.clone()).unwrap_or_default();
    let organization = ctx
        .registration
        .map(|r| r.application.organization.clone())
        .unwrap_or_default();
    let fair_facts = |facts: &mut Vec<(String, String)>| {
        if let Some(fair) = ctx.fair {
            let d = &fair.details;
            facts.push((if vi { "Hội chợ" } else { "Fair" }.into(), d.name.clone()));
            facts.push((
                if vi { "Thời gian" } else { "Dates" }.into(),
                format!("{} – {}", date_vn(d.start_date), date_vn(d.end_date)),
            ));
            facts.push((if vi { "Địa điểm" } else { "Venue" }.into(), d.venue.clone()));
        }
    };
    let private_link = |label_vi: &str, label_en: &str| {
        ctx.private_link
            .clone()
            .map(|url| ((if vi { label_vi } else { label_en }).to_owned(), url))
    };
    let greeting = if mail.recipient.name.trim().is_empty() {
        if vi {
            "Kính gửi Quý đơn vị,".to_owned()
        } else {
            "Dear exhibitor,".to_owned()
        }
    } else if vi {
        format!("Kính gửi {},", mail.recipient.name.trim())
    } else {
        format!("Dear {},", mail.recipient.name.trim())
    };
    let mut facts = Vec::new();
    let mut paragraphs = Vec::new();
    let mut items = Vec::new();
    let mut link = None;
    let mut more_links: Vec<(String, String)> = Vec::new();
    let mut qr: Option<(String, String)> = None;
    let mut image: Option<(String, String)> = None;
    let (subject, heading) = match mail.template {
        Template::ApplicationReceived => {
            let requested = ctx.registration.map(|r| r.application.booth_request.count).unwrap_or(0);
            if vi {
                paragraphs.push(format!(
                    "Ban tổ chức đã nhận hồ sơ đăng ký gian hàng của {organization}. Hồ sơ sẽ được xét duyệt và kết quả sẽ được gửi tới địa chỉ thư này."
                ));
                paragraphs.push(
                    "Qua đường dẫn riêng dưới đây, Quý đơn vị xem trạng thái hồ sơ, sửa hồ sơ khi chưa được xét, hoặc rút hồ sơ. Xin giữ kín đường dẫn này: ai có nó đều mở được hồ sơ."
                        .into(),
                );
            } else {
                paragraphs.push(format!(
                    "The organizers have received the booth application of {organization}. It will be reviewed, and the decision sent to this address."
                ));
                paragraphs.push(
                    "Through the private link below you can follow its status, amend it until it is decided, or withdraw it. Keep the link to yourself: anyone who has it can open the application."
                        .into(),
                );
            }
            facts.push((if vi { "Đơn vị" } else { "Exhibitor" }.into(), organization.clone()));
            facts.push((
                if vi {
                    "Số gian đề nghị"
                } else {
                    "Booths requested"
                }
                .into(),
                requested.to_string(),
            ));
            fair_facts(&mut facts);
            link = private_link("Xem hồ sơ đăng ký", "Open the application");
            if vi {
                (
                    format!("[{fair_name}] Đã nhận hồ sơ đăng ký của {organization}"),
                    "Đã nhận hồ sơ đăng ký".to_owned(),
                )
            } else {
                (
                    format!("[{fair_name}] Application received: {organization}"),
                    "Application received".to_owned(),
                )
            }
        }
        Template::ApplicationApproved => {
            let booths = mail.params.booths.unwrap_or(0);
            if vi {
                paragraphs.push(format!(
                    "Hồ sơ đăng ký của {organization} đã được duyệt với {booths} gian hàng. Ban tổ chức sẽ thông báo vị trí gian hàng sau khi phân bổ."
                ));
            } else {
                paragraphs.push(format!(
                    "The application of {organization} has been approved for {booths} booth{}. The organizers will tell you where your booth is once booths are allocated.",
                    if booths == 1 { "" } else { "s" }
                ));
            }
            facts.push((
                if vi {
                    "Số gian được duyệt"
                } else {
                    "Booths approved"
                }
                .into(),
                booths.to_string(),
            ));
            fair_facts(&mut facts);
            link = private_link("Xem hồ sơ đăng ký", "Open the application");
            if vi {
                (
                    format!("[{fair_name}] Hồ sơ đăng ký đã được duyệt: {booths} gian hàng"),
                    "Hồ sơ đăng ký đã được duyệt".to_owned(),
                )
            } else {
                (
                    format!("[{fair_name}] Application approved: {booths} booth(s)"),
                    "Application approved".to_owned(),
                )
            }
        }
        Template::ApplicationRejected => {
            let reason = mail.params.reason.clone().unwrap_or_default();
            if vi {
                paragraphs.push(format!(
                    "Ban tổ chức rất tiếc phải thông báo: hồ sơ đăng ký của {organization} không được chấp thuận."
                ));
            } else {
                paragraphs.push(format!(
                    "We regret to tell you that the application of {organization} has not been accepted."
                ));
            }
            facts.push((if vi { "Lý do" } else { "Reason" }.into(), reason));
            fair_facts(&mut facts);
            link = private_link("Xem hồ sơ đăng ký", "Open the application");
            if vi {
                (
                    format!("[{fair_name}] Hồ sơ đăng ký không được chấp thuận"),
                    "Hồ sơ đăng ký không được chấp thuận".to_owned(),
                )
            } else {
                (
                    format!("[{fair_name}] Application not accepted"),
                    "Application not accepted".to_owned(),
                )
            }
        }
        Template::ApplicationWaitlisted => {
            if vi {
                paragraphs.push(format!(
                    "Hồ sơ đăng ký của {organization} đã được đưa vào danh sách chờ. Khi có gian hàng trống, Ban tổ chức sẽ xét lại và báo cho Quý đơn vị."
                ));
            } else {
                paragraphs.push(format!(
                    "The application of {organization} is on the waiting list. When a booth becomes free, the organizers will review it again and let you know."
                ));
            }
            if let Some(note) = &mail.params.reason {
                facts.push((if vi { "Ghi chú" } else { "Note" }.into(), note.clone()));
            }
            fair_facts(&mut facts);
            link = private_link("Xem hồ sơ đăng ký", "Open the application");
            if vi {
                (
                    format!("[{fair_name}] Hồ sơ đăng ký trong danh sách chờ"),
                    "Danh sách chờ".to_owned(),
                )
            } else {
                (
                    format!("[{fair_name}] Application on the waiting list"),
                    "On the waiting list".to_owned(),
                )
            }
        }
        Template::Announcement => {
            let message = mail.params.message.clone().unwrap_or_default();
            paragraphs.extend(
                message
                    .split("\n\n")
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty()),
            );
            fair_facts(&mut facts);
            link = private_link("Mở trang riêng của hồ sơ", "Open your application's page");
            let subject = mail.params.subject.clone().unwrap_or_default();
            let said = if vi { "Thông báo" } else { "Announcement" };
            (format!("[{fair_name}] {said}: {subject}"), subject)
        }
        Template::AccessLinkResent => {
            if vi {
                paragraphs.push(format!(
                    "Ai đó (có lẽ là bạn) vừa yêu cầu gửi lại đường dẫn riêng tới hồ sơ đăng ký của {organization} trên trang của hội chợ. Đường dẫn ở dưới đây, không thay đổi. Nếu bạn không yêu cầu, hãy bỏ qua thư này."
                ));
            } else {
                paragraphs.push(format!(
                    "Someone (you, most likely) asked on the fair's page for the private link to the application of {organization}. Here it is, unchanged. If you did not ask, ignore this email."
                ));
            }
            fair_facts(&mut facts);
            link = private_link("Mở hồ sơ đăng ký", "Open the application");
            if vi {
                (
                    format!("[{fair_name}] Đường dẫn riêng tới hồ sơ của {organization}"),
                    "Đường dẫn riêng".to_owned(),
                )
            } else {
                (
                    format!("[{fair_name}] The private link to {organization}'s application"),
                    "Your private link".to_owned(),
                )
            }
        }
        Template::AccessLinkReissued => {
            if vi {
                paragraphs.push(format!(
                    "Đường dẫn riêng tới hồ sơ đăng ký của {organization} vừa được thay bằng đường dẫn dưới đây. Đường dẫn cũ không còn mở được nữa. Xin giữ đường dẫn mới và đừng chuyển cho người khác."
                ));
            } else {
                paragraphs.push(format!(
                    "The private link to the application of {organization} has just been replaced by the one below. The old link no longer opens. Keep the new one to yourself."
                ));
            }
            fair_facts(&mut facts);
            link = private_link(
                "Mở hồ sơ đăng ký bằng đường dẫn mới",
                "Open the application with the new link",
            );
            if vi {
                (
                    format!("[{fair_name}] Đường dẫn riêng mới cho hồ sơ đăng ký của {organization}"),
                    "Đường dẫn riêng mới".to_owned(),
                )
            } else {
                (
                    format!("[{fair_name}] A new private link for {organization}'s application"),
                    "A new private link".to_owned(),
                )
            }
        }
        Template::ApplicationWithdrawn => {
            if vi {
                paragraphs.push(format!(
                    "Hồ sơ đăng ký của {organization} đã được rút. Nếu đây không phải ý của Quý đơn vị, xin liên hệ Ban tổ chức."
                ));
            } else {
                paragraphs.push(format!(
                    "The application of {organization} has been withdrawn. If you did not mean to, please contact the organizers."
                ));
            }
            if let Some(reason) = &mail.params.reason {
                facts.push((if vi { "Lý do" } else { "Reason" }.into(), reason.clone()));
            }
            fair_facts(&mut facts);
            if vi {
                (
                    format!("[{fair_name}] Đã rút hồ sơ đăng ký của {organization}"),
                    "Đã rút hồ sơ đăng ký".to_owned(),
                )
            } else {
                (
                    format!("[{fair_name}] Application withdrawn: {organization}"),
                    "Application withdrawn".to_owned(),
                )
            }
        }
        Template::NewApplicationsDigest => {
            let count = ctx.listed.len();
            let day = mail.params.day.map(date_vn).unwrap_or_default();
            let zone = ctx.fair.map(|f| f.details.time_zone.as_str()).unwrap_or("UTC");
            if vi {
                paragraphs.push(format!(
                    "Từ bản tin trước đến nay, {fair_name} nhận thêm {count} hồ sơ đăng ký:"
                ));
            } else {
                paragraphs.push(format!(
                    "Since the last digest, {fair_name} has received {count} new application(s):"
                ));
            }
            for r in &ctx.listed {
                let a = &r.application;
                items.push(format!(
                    "{} — {}, {} — {} {} — {}",
                    a.organization,
                    a.address.commune,
                    a.address.province,
                    a.booth_request.count,
                    if vi { "gian" } else { "booth(s)" },
                    datetime_vn(r.submitted_at, zone)
                ));
            }
            link = Some((
                (if vi {
                    "Xét duyệt hồ sơ"
                } else {
                    "Review applications"
                })
                .to_owned(),
                format!(
                    "{}/organizer/fairs/{}/registrations?status=submitted{}",
                    ctx.public_url,
                    mail.fair_id,
                    if vi { "" } else { "&lang=en" }
                ),
            ));
            if vi {
                (
                    format!("[{fair_name}] {count} hồ sơ đăng ký mới ngày {day}"),
                    "Hồ sơ đăng ký mới".to_owned(),
                )
            } else {
                (
                    format!("[{fair_name}] {count} new application(s) on {day}"),
                    "New applications".to_owned(),
                )
            }
        }
        Template::BoothAllocated | Template::BoothMoved | Template::BoothReleased => {
            let code = mail.params.booth.as_ref().map(|b| b.to_string()).unwrap_or_default();
            let booth = ctx.fair.and_then(|f| {
                let b = mail.params.booth.as_ref().and_then(|c| f.booths.get(c))?;
                Some((b, f.zones.get(&b.booth.zone).map(|z| z.name.clone())))
            });
            let zone = booth
                .as_ref()
                .map(|(b, name)| match name {
                    Some(name) => format!("{} — {name}", b.booth.zone),
                    None => b.booth.zone.to_string(),
                })
                .unwrap_or_default();
            let size = booth
                .as_ref()
                .map(|(b, _)| {
                    format!(
                        "{} × {} m",
                        crate::i18n::metres(b.booth.width_m),
                        crate::i18n::metres(b.booth.depth_m)
                    )
                })
                .unwrap_or_default();
            let from = mail
                .params
                .from_booth
                .as_ref()
                .map(|b| b.to_string())
                .unwrap_or_default();
            let (subject, heading) = match (mail.template, vi) {
                (Template::BoothAllocated, true) => {
                    paragraphs.push(format!("{organization} được bố trí gian hàng {code} tại {fair_name}."));
                    (
                        format!("[{fair_name}] Gian hàng của {organization}: {code}"),
                        "Gian hàng đã được bố trí",
                    )
                }
                (Template::BoothAllocated, false) => {
                    paragraphs.push(format!("{organization} has been given booth {code} at {fair_name}."));
                    (format!("[{fair_name}] Your booth: {code}"), "Your booth")
                }
                (Template::BoothMoved, true) => {
                    paragraphs.push(format!(
                        "Gian hàng của {organization} được chuyển từ {from} sang {code}."
                    ));
                    (
                        format!("[{fair_name}] Gian hàng chuyển sang {code}"),
                        "Gian hàng đã thay đổi",
                    )
                }
                (Template::BoothMoved, false) => {
                    paragraphs.push(format!("The booth of {organization} has moved from {from} to {code}."));
                    (
                        format!("[{fair_name}] Your booth moved to {code}"),
                        "Your booth has moved",
                    )
                }
                (_, true) => {
                    paragraphs.push(format!(
                        "Ban tổ chức đã thu hồi gian hàng {code} của {organization}. Xin liên hệ Ban tổ chức nếu cần trao đổi."
                    ));
                    (
                        format!("[{fair_name}] Gian hàng {code} đã được thu hồi"),
                        "Gian hàng đã được thu hồi",
                    )
                }
                (_, false) => {
                    paragraphs.push(format!(
                        "The organizers have taken back booth {code} from {organization}. Please contact them if you have questions."
                    ));
                    (format!("[{fair_name}] Booth {code} released"), "Booth released")
                }
            };
            facts.push((if vi { "Gian hàng" } else { "Booth" }.into(), code.clone()));
            if !zone.is_empty() {
                facts.push((if vi { "Khu" } else { "Zone" }.into(), zone));
                facts.push((if vi { "Kích thước" } else { "Size" }.into(), size));
            }
            fair_facts(&mut facts);
            if let (Some(pay), Template::BoothAllocated | Template::BoothMoved) = (&ctx.payment, mail.template) {
                (qr, image) = payment_block(pay, vi, &mut paragraphs, &mut facts);
            }
            // The exhibitor's own page, and where its sales are recorded during the fair.
            if let Some(url) = ctx.private_link.clone() {
                let sales = match url.split_once('?') {
                    Some((path, query)) => format!("{path}/sales?{query}"),
                    None => format!("{url}/sales"),
                };
                more_links.push((
                    (if vi {
                        "Trang riêng của hồ sơ"
                    } else {
                        "Your application's page"
                    })
                    .to_owned(),
                    url,
                ));
                more_links.push((
                    (if vi {
                        "Ghi doanh thu trong những ngày hội chợ"
                    } else {
                        "Record your sales during the fair"
                    })
                    .to_owned(),
                    sales,
                ));
            }
            link = Some((
                (if vi {
                    "Xem sơ đồ gian hàng"
                } else {
                    "See the floor plan"
                })
                .to_owned(),
                format!(
                    "{}/fairs/{}?booth={}{}",
                    ctx.public_url,
                    mail.fair_id,
                    code,
                    if vi { "" } else { "&lang=en" }
                ),
            ));
            (subject, heading.to_owned())
        }
        Template::FeeReminder => {
            let due = mail.params.day.map(date_vn).unwrap_or_default();
            if let Some(pay) = &ctx.payment {
                (qr, image) = payment_block(pay, vi, &mut paragraphs, &mut facts);
            }
            if vi {
                paragraphs.insert(
                    0,
                    format!("Phí gian hàng của {organization} tại {fair_name} đến hạn nộp ngày {due}."),
                );
            } else {
                paragraphs.insert(
                    0,
                    format!("The booth fee of {organization} at {fair_name} is due on {due}."),
                );
            }
            fair_facts(&mut facts);
            link = ctx.private_link.clone().map(|url| {
                (
                    (if vi { "Xem phí gian hàng" } else { "See the booth fee" }).to_owned(),
                    url,
                )
            });
            if vi {
                (
                    format!("[{fair_name}] Nhắc nộp phí gian hàng trước ngày {due}"),
                    "Nhắc nộp phí gian hàng".to_owned(),
                )
            } else {
                (
                    format!("[{fair_name}] Booth fee due on {due}"),
                    "Booth fee reminder".to_owned(),
                )
            }
        }
        Template::SalesReminder => {
            let day = mail.params.day.map(date_vn).unwrap_or_default();
            if vi {
                paragraphs.push(format!(
                    "Hôm nay, {day}, {organization} chưa báo doanh thu bán hàng tại {fair_name}. Xin ghi lại doanh thu trong ngày qua đường dẫn riêng dưới đây; chỉ mất một phút."
                ));
            } else {
                paragraphs.push(format!(
                    "{organization} has not reported today's sales ({day}) at {fair_name}. Please record them through your private link below; it takes a minute."
                ));
            }
            // The private link, to its sales page.
            link = ctx.private_link.clone().map(|url| {
                let url = match url.split_once('?') {
                    Some((path, query)) => format!("{path}/sales?{query}"),
                    None => format!("{url}/sales"),
                };
                (
                    (if vi {
                        "Ghi doanh thu hôm nay"
                    } else {
                        "Record today's sales"
                    })
                    .to_owned(),
                    url,
                )
            });
            if vi {
                (
                    format!("[{fair_name}] Nhắc báo doanh thu ngày {day}"),
                    "Nhắc báo doanh thu".to_owned(),
                )
            } else {
                (
                    format!("[{fair_name}] Please report your sales for {day}"),
                    "Sales reminder".to_owned(),
                )
            }
        }
        Template::SalesSummary => {
            let sales = ctx.sales.as_ref();
            let total = sales.map_or(0, |s| s.total_vnd);
            if vi {
                paragraphs.push(format!(
                    "Ban tổ chức đã khoá sổ doanh thu {fair_name}. Cảm ơn {organization} đã tham gia; dưới đây là doanh thu của đơn vị theo số liệu đã báo."
                ));
            } else {
                paragraphs.push(format!(
                    "The organizers have closed the books of {fair_name}. Thank you for taking part; here are the sales of {organization} as reported."
                ));
            }
            facts.push((
                if vi { "Tổng doanh thu" } else { "Total sales" }.into(),
                crate::i18n::money_vnd(total),
            ));
            for (day, amount) in sales.map(|s| s.by_day.clone()).unwrap_or_default() {
                facts.push((date_vn(day), crate::i18n::money_vnd(amount)));
            }
            fair_facts(&mut facts);
            link = private_link("Xem chi tiết", "See the details");
            if vi {
                (
                    format!("[{fair_name}] Doanh thu của {organization}"),
                    "Tổng kết doanh thu".to_owned(),
                )
            } else {
                (
                    format!("[{fair_name}] Sales of {organization}"),
                    "Your sales".to_owned(),
                )
            }
        }
        Template::RevenueReport => {
            let total = ctx.revenue_total.unwrap_or(0);
            if vi {
                paragraphs.push(format!(
                    "Sổ doanh thu {fair_name} đã khoá. Báo cáo đầy đủ theo ngày, gian hàng, khu, đơn vị, chủ thể, nhóm sản phẩm, xã và hạng sao OCOP nằm trong tệp Excel đính kèm."
                ));
            } else {
                paragraphs.push(format!(
                    "The books of {fair_name} are closed. The full review by day, booth, zone, exhibitor, producer, product group, commune and OCOP stars is in the attached Excel workbook."
                ));
            }
            facts.push((
                if vi { "Tổng doanh thu" } else { "Total revenue" }.into(),
                crate::i18n::money_vnd(total),
            ));
            for (label, amount) in &ctx.top {
                facts.push((label.clone(), crate::i18n::money_vnd(*amount)));
            }
            fair_facts(&mut facts);
            link = Some((
                (if vi { "Xem báo cáo" } else { "Open the review" }).to_owned(),
                format!("{}/organizer/fairs/{}/revenue", ctx.public_url, mail.fair_id),
            ));
            if vi {
                (
                    format!("[{fair_name}] Báo cáo doanh thu: {}", crate::i18n::money_vnd(total)),
                    "Báo cáo doanh thu".to_owned(),
                )
            } else {
                (
                    format!("[{fair_name}] Revenue report: {}", crate::i18n::money_vnd(total)),
                    "Revenue report".to_owned(),
                )
            }
        }
        Template::FairReminder => {
            let start = ctx.fair.map(|f| date_vn(f.details.start_date)).unwrap_or_default();
            let venue = ctx.fair.map(|f| f.details.venue.clone()).unwrap_or_default();
            let booths = ctx.registration.map(|r| r.approved_booths).unwrap_or(0);
            if vi {
                paragraphs.push(format!(
                    "{fair_name} khai mạc ngày mai, {start}, tại {venue}. Ban tổ chức mong được đón {organization}."
                ));
                paragraphs.push("Xin mang theo giấy chứng nhận OCOP còn hiệu lực của các sản phẩm trưng bày.".into());
            } else {
                paragraphs.push(format!(
                    "{fair_name} opens tomorrow, {start}, at {venue}. The organizers look forward to welcoming {organization}."
                ));
                paragraphs.push("Please bring the valid OCOP certificates of the products you show.".into());
            }
            facts.push((
                if vi {
                    "Số gian được duyệt"
                } else {
                    "Booths approved"
                }
                .into(),
                booths.to_string(),
            ));
            fair_facts(&mut facts);
            link = private_link("Xem hồ sơ đăng ký", "Open the application");
            if vi {
                (
                    format!("[{fair_name}] Hội chợ khai mạc ngày mai, {start}"),
                    "Hội chợ khai mạc ngày mai".to_owned(),
                )
            } else {
                (
                    format!("[{fair_name}] The fair opens tomorrow, {start}"),
                    "The fair opens tomorrow".to_owned(),
                )
            }
        }
    };
    let body = Body {
        lang: lang.code(),
        heading,
        greeting,
        paragraphs,
        facts,
        items,
        link,
        more_links,
        hotline: ctx
            .fair
            .map(|f| f.details.contact_phone.trim().to_owned())
            .filter(|phone| !phone.is_empty())
            .map(|phone| {
                if vi {
                    format!("Đường dây nóng của Ban tổ chức: {phone}")
                } else {
                    format!("The organizers' hotline: {phone}")
                }
            }),
        image,
        signature: if vi {
            format!("Trân trọng,\nBan tổ chức {fair_name}")
        } else {
            format!("Kind regards,\nThe organizers of {fair_name}")
        },
        footer: if vi {
            "Thư gửi tự động từ hoicho, hệ thống đăng ký gian hàng hội chợ.".into()
        } else {
            "Sent automatically by hoicho, the fair's booth registration system.".into()
        },
    };
    let subject = header_text(&subject);
    let text = TextMail { body: &body }.render().unwrap_or_default();
    let html = HtmlMail {
        subject: &subject,
        body: &body,
    }
    .render()
    .unwrap_or_default();
    Rendered {
        subject,
        text,
        html,
        attachments: ctx.attachments.clone(),
        qr,
    }
}

/// Text fit for a header: control characters (CR and LF among them) become spaces, runs of
/// whitespace one space, and it is cut at a sensible length.
pub fn header_text(text: &str) -> String {
    let cleaned: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let mut out = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.chars().count() > 200 {
        out = out.chars().take(199).collect::<String>() + "…";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoicho_events::FairId;

    fn mail(template: Template, language: &str) -> Mail {
        Mail {
            id: NotificationId(uuid::Uuid::nil()),
            fair_id: FairId::new_unchecked("ht2022"),
            template,
            trigger: "t".into(),
            registration_id: None,
            recipient: Recipient {
                email: "htx@example.vn".into(),
                name: "Nguyễn Văn An".into(),
            },
            language: language.into(),
            params: NotificationParams {
                booths: Some(2),
                reason: Some("Hết chỗ <b>ở khu A</b>".into()),
                ..Default::default()
            },
            message_id: "<x@hoicho.test>".into(),
            due_at: chrono::Utc::now(),
        }
    }

    fn context() -> MailContext<'static> {
        MailContext {
            public_url: "https://hoicho.example.vn",
            fair: None,
            registration: None,
            private_link: Some("https://hoicho.example.vn/r/abc".into()),
            listed: vec![],
            sales: None,
            revenue_total: None,
            top: vec![],
            attachments: vec![],
            payment: None,
        }
    }

    #[test]
    fn every_template_renders_in_both_languages() {
        for template in Template::ALL {
            let vi = render(&mail(template, "vi"), &context());
            let en = render(&mail(template, "en"), &context());
            assert!(!vi.subject.is_empty() && !en.subject.is_empty());
            assert_ne!(vi.subject, en.subject, "{template:?}");
            assert!(vi.text.starts_with("Kính gửi Nguyễn Văn An,"), "{}", vi.text);
            assert!(en.text.starts_with("Dear Nguyễn Văn An,"), "{}", en.text);
            assert!(vi.html.contains("<html lang=\"vi\">") && en.html.contains("<html lang=\"en\">"));
        }
    }

    #[test]
    fn user_text_is_escaped_in_html_and_kept_in_text() {
        let rendered = render(&mail(Template::ApplicationRejected, "vi"), &context());
        assert!(rendered.text.contains("Lý do: Hết chỗ <b>ở khu A</b>"));
        assert!(
            rendered.html.contains("Hết chỗ &#60;b&#62;ở khu A&#60;/b&#62;"),
            "{}",
            rendered.html
        );
        assert!(!rendered.html.contains("<b>ở"));
    }

    #[test]
    fn header_text_has_no_line_breaks() {
        assert_eq!(header_text("A\r\nBcc: x@y.z\t\u{7}B"), "A Bcc: x@y.z B");
        assert_eq!(header_text(&"đ".repeat(300)).chars().count(), 200);
    }

    #[test]
    fn a_bad_address_is_a_permanent_failure() {
        let mut m = mail(Template::ApplicationReceived, "vi");
        m.recipient.email = "not an address".into();
        let rendered = render(&m, &context());
        let from: lettre::message::Mailbox = "Hội chợ <hoicho@hoicho.test>".parse().unwrap();
        assert!(crate::mail::mime::message(&m, &rendered, &from)
            .unwrap_err()
            .contains("invalid recipient address"));
    }
}
