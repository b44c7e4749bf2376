//! Vietnamese first, English on request; and the Vietnamese ways of writing money and
//! dates.

mod amount;
mod daily;
mod desk;
mod editor;
mod fees;
mod report;
mod words;

pub use amount::read_amount_vnd;
pub use editor::editor_texts;
pub use words::{amount_vnd_vi, number_vi};

use actix_web::HttpRequest;
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    /// `?lang=` first, then the `lang` cookie, then `Accept-Language`; Vietnamese by default.
    pub fn of(req: &HttpRequest) -> Lang {
        let from_query = req
            .query_string()
            .split('&')
            .find_map(|pair| pair.strip_prefix("lang="));
        let from_cookie = req.cookie("lang").map(|c| c.value().to_owned());
        let chosen = from_query.map(str::to_owned).or(from_cookie);
        match chosen.as_deref() {
            Some("en") => Lang::En,
            Some("vi") => Lang::Vi,
            _ => {
                let accept = req
                    .headers()
                    .get(actix_web::http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if accept.trim_start().starts_with("en") {
                    Lang::En
                } else {
                    Lang::Vi
                }
            }
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch link.
    pub fn other(&self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Lang::Vi => "Tiếng Việt",
            Lang::En => "English",
        }
    }

    /// The text for `key` in this language (the key itself if it has none, so a missing
    /// text shows up in review rather than as an empty space).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        let (vi, en) = match key {
            "app.tagline" => ("Quản lý hội chợ và gian hàng", "Trade fairs and their booths"),
            "nav.fairs" => ("Hội chợ", "Fairs"),
            "nav.organizer" => ("Ban tổ chức", "Organizers"),
            "nav.login" => ("Đăng nhập", "Sign in"),
            "nav.logout" => ("Đăng xuất", "Sign out"),
            "fairs.title" => ("Các hội chợ", "Fairs"),
            "fairs.none" => ("Chưa có hội chợ nào.", "No fairs yet."),
            "fair.venue" => ("Địa điểm", "Venue"),
            "fair.dates" => ("Thời gian", "Dates"),
            "fair.registration" => ("Đăng ký gian hàng", "Booth applications"),
            "fair.registration_open" => ("Đang mở đăng ký", "Open for applications"),
            "fair.registration_closed" => ("Đã đóng đăng ký", "Applications closed"),
            "fair.window" => ("Thời hạn đăng ký", "Application window"),
            "fair.plan" => ("Sơ đồ gian hàng", "Floor plan"),
            "fair.plan_empty" => (
                "Sơ đồ gian hàng chưa được công bố.",
                "The floor plan has not been published yet.",
            ),
            "fair.booths" => ("Danh sách gian hàng", "Booths"),
            "fair.booth_count" => ("gian hàng", "booths"),
            "fair.not_found" => ("Không tìm thấy hội chợ này.", "This fair does not exist."),
            "booth.code" => ("Mã", "Code"),
            "booth.zone" => ("Khu", "Zone"),
            "booth.kind" => ("Loại", "Kind"),
            "booth.size" => ("Kích thước", "Size"),
            "booth.price" => ("Giá", "Price"),
            "booth.status" => ("Tình trạng", "Status"),
            "status.available" => ("Còn trống", "Available"),
            "status.allocated" => ("Đã phân", "Allocated"),
            "status.blocked" => ("Không sử dụng", "Blocked"),
            "kind.standard" => ("Tiêu chuẩn", "Standard"),
            "kind.corner" => ("Góc", "Corner"),
            "kind.double" => ("Đôi", "Double"),
            "login.title" => ("Đăng nhập Ban tổ chức", "Organizer sign-in"),
            "login.email" => ("Email", "Email"),
            "login.password" => ("Mật khẩu", "Password"),
            "login.submit" => ("Đăng nhập", "Sign in"),
            "login.failed" => ("Email hoặc mật khẩu không đúng.", "Wrong email or password."),
            "login.unavailable" => (
                "Hệ thống tạm thời không ghi được; xin thử lại sau ít phút.",
                "hoicho cannot write just now; try again in a few minutes.",
            ),
            "organizer.logout_everywhere" => ("Đăng xuất trên mọi thiết bị", "Sign out on every device"),
            "login.too_many" => (
                "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút.",
                "Too many failed sign-ins. Please try again in a few minutes.",
            ),
            "login.expired" => (
                "Phiên làm việc đã hết hạn, vui lòng thử lại.",
                "The form expired; please try again.",
            ),
            "organizer.title" => ("Trang Ban tổ chức", "Organizer desk"),
            "organizer.signed_in_as" => ("Đăng nhập với", "Signed in as"),
            "organizer.open_fair" => ("Xem hội chợ", "Open fair"),
            "fair.apply" => ("Đăng ký gian hàng", "Apply for a booth"),
            "apply.title" => ("Đăng ký tham gia hội chợ", "Apply for a booth"),
            "apply.amend_title" => ("Sửa hồ sơ đăng ký", "Amend the application"),
            "apply.submit" => ("Gửi đăng ký", "Send the application"),
            "apply.amend_submit" => ("Lưu thay đổi", "Save the changes"),
            "apply.fix" => ("Vui lòng sửa các mục sau:", "Please correct the following:"),
            "apply.closed" => (
                "Hội chợ đã hết hạn nhận đăng ký. Vui lòng liên hệ Ban tổ chức.",
                "Applications for this fair are closed. Please contact the organizers.",
            ),
            "apply.producer" => ("Thông tin chủ thể", "The producer"),
            "apply.address" => ("Địa chỉ", "Address"),
            "apply.products" => ("Sản phẩm tham gia", "Products"),
            "apply.product" => ("Sản phẩm", "Product"),
            "apply.producers" => ("Các cơ sở sản xuất trong đoàn", "The delegation's producers"),
            "apply.producer_row" => ("Cơ sở", "Producer"),
            "hint.producers" => ("Chỉ dành cho đoàn/đơn vị đăng ký cho nhiều cơ sở (chọn loại hình «Đoàn / đơn vị»); mỗi cơ sở giữ sản phẩm và doanh thu riêng.", "Only for a delegation applying for several producers (producer type “Delegation”); each keeps its own products and sales."),
            "apply.booth" => ("Gian hàng đề nghị", "Booth request"),
            "apply.any" => ("Không yêu cầu", "No preference"),
            "apply.add_product" => ("+ Thêm sản phẩm", "+ Add a product"),
            "apply.add_producer" => ("+ Thêm cơ sở", "+ Add a producer"),
            "apply.closed_call" => ("Gọi Ban tổ chức:", "Call the organizers:"),
            "apply.required_note" => ("Mục có dấu * là bắt buộc.", "Fields marked * are required."),
            "hint.email_optional" => (
                "Hộ kinh doanh và cá nhân có thể bỏ trống email: khi đó hãy giữ đường dẫn riêng hiện ra sau khi gửi; Ban tổ chức liên hệ qua số điện thoại.",
                "A household or individual may leave the email empty: then keep the private link shown after sending; the organizers will call.",
            ),
            "mine.saved" => ("Đã lưu các thay đổi của hồ sơ.", "Your changes are saved."),
            "mine.changed" => ("đã sửa", "changed"),
            "field.organization" => ("Tên chủ thể (HTX, doanh nghiệp, hộ kinh doanh…)", "Organization name"),
            "field.producer_type" => ("Loại hình", "Producer type"),
            "field.tax_code" => ("Mã số thuế / số định danh", "Tax code / personal id"),
            "hint.tax_code" => (
                "10 số, 13 số (có mã chi nhánh) hoặc CCCD 12 số; hộ kinh doanh có thể bỏ trống.",
                "10 digits, 13 with a branch, or a 12-digit personal id; optional for households.",
            ),
            "field.representative" => ("Người đại diện", "Representative"),
            "field.phone" => ("Số điện thoại di động", "Mobile phone"),
            "field.email" => ("Email", "Email"),
            "field.address_line" => ("Thôn, xóm, số nhà", "Village, street"),
            "field.commune" => ("Xã, phường", "Commune or ward"),
            "field.province" => ("Tỉnh, thành phố", "Province"),
            "field.legacy_district" => ("Huyện cũ (trước 2025)", "Former district (before 2025)"),
            "picker.hint" => (
                "Gõ vài chữ của tên xã, có dấu hay không dấu; tên xã cũ (trước 1/7/2025) cũng tìm được.",
                "Type part of the commune's name, with or without diacritics; names from before 1/7/2025 are found too.",
            ),
            "picker.label" => ("Xã, phường tìm được", "Communes found"),
            "field.unit_now" => ("Xã, phường hiện nay (từ 1/7/2025)", "Commune now (since 1/7/2025)"),
            "warning.address_unresolved" => (
                "Địa chỉ không khớp xã, phường nào hiện nay hay trước 1/7/2025: báo cáo sẽ tính riêng một dòng; hãy hỏi lại chủ thể.",
                "The address names no commune in force now or before 1/7/2025: reports count it on a line of its own; ask the exhibitor.",
            ),
            "picker.before" => ("gồm {} cũ", "takes in the former {}"),
            "field.product_name" => ("Tên sản phẩm", "Product name"),
            "field.group" => ("Nhóm sản phẩm OCOP", "OCOP product group"),
            "field.stars" => ("Hạng sao OCOP", "OCOP stars"),
            "stars.none" => ("Chưa xếp hạng", "Not rated"),
            "field.certificate_no" => ("Số giấy chứng nhận", "Certificate number"),
            "field.certificate_expires" => ("Ngày hết hạn", "Expiry date"),
            "field.booth_count" => ("Số gian hàng", "Booths"),
            "field.zone" => ("Khu vực mong muốn", "Preferred zone"),
            "field.kind" => ("Loại gian", "Booth kind"),
            "field.preferred_booths" => ("Mã gian mong muốn", "Preferred booth codes"),
            "field.needs_power" => ("Cần điện", "Needs power"),
            "field.note" => ("Ghi chú", "Note"),
            "pt.doanh_nghiep" => ("Doanh nghiệp", "Enterprise"),
            "pt.htx" => ("Hợp tác xã", "Cooperative"),
            "pt.to_hop_tac" => ("Tổ hợp tác", "Cooperative group"),
            "pt.ho_kinh_doanh" => ("Hộ kinh doanh", "Business household"),
            "pt.ca_nhan" => ("Cá nhân", "Individual"),
            "pt.doan" => ("Đoàn / đơn vị", "Delegation"),
            "group.I" => ("Thực phẩm", "Food"),
            "group.II" => ("Đồ uống", "Drinks"),
            "group.III" => (
                "Dược liệu và sản phẩm từ dược liệu",
                "Medicinal herbs and their products",
            ),
            "group.IV" => ("Thủ công mỹ nghệ", "Handicrafts"),
            "group.V" => ("Sinh vật cảnh", "Ornamental plants and animals"),
            "group.VI" => (
                "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
                "Community and eco-tourism services",
            ),
            "status.submitted" => ("Đã nộp", "Submitted"),
            "status.approved" => ("Đã duyệt", "Approved"),
            "status.rejected" => ("Không được duyệt", "Rejected"),
            "status.waitlisted" => ("Danh sách chờ", "Waiting list"),
            "status.withdrawn" => ("Đã rút", "Withdrawn"),
            "mine.title" => ("Hồ sơ đăng ký", "Your application"),
            "mine.received" => (
                "Ban tổ chức đã nhận hồ sơ đăng ký của bạn.",
                "The organizers have received your application.",
            ),
            "mine.keep_link" => (
                "Hãy lưu đường dẫn riêng này để xem và sửa hồ sơ; không chia sẻ cho người khác:",
                "Keep this private link to follow and amend your application; do not share it:",
            ),
            "mine.reason" => ("Lý do", "Reason"),
            "mine.next" => (
                "Ban tổ chức xét duyệt các hồ sơ, chậm nhất sau khi hết hạn đăng ký ({closes}); kết quả hiện ở trang này và được gửi tới email của hồ sơ, nếu có.",
                "The organizers review the applications, at the latest once applications close ({closes}); the answer shows on this page and goes to the application's email, if it has one.",
            ),
            "mine.copy" => ("Sao chép", "Copy"),
            "resend.title" => ("Mất đường dẫn riêng? Gửi lại đường dẫn", "Lost your private link? Have it sent again"),
            "resend.hint" => (
                "Nhập email hoặc số điện thoại đã khai trong hồ sơ. Nếu khớp với một hồ sơ có email, đường dẫn riêng được gửi lại tới email của hồ sơ đó (không gửi tới nơi khác).",
                "Enter the email or phone number the application gave. If it matches an application with an email, its private link is sent again to that application's email (nowhere else).",
            ),
            "resend.contact" => ("Email hoặc số điện thoại", "Email or phone number"),
            "resend.submit" => ("Gửi lại đường dẫn", "Send the link again"),
            "resend.enter" => ("Vui lòng nhập email hoặc số điện thoại", "Please enter an email or a phone number"),
            "resend.too_many" => ("Bạn đã gửi quá nhiều yêu cầu; vui lòng thử lại sau ít phút.", "Too many requests; please try again in a few minutes."),
            "resend.done" => (
                "Nếu thông tin khớp với một hồ sơ có email, đường dẫn riêng đã được gửi tới email đó; hãy xem cả hộp thư rác. Thư không tới? Hãy gọi Ban tổ chức.",
                "If it matches an application with an email, its private link has been sent there; look in the spam folder too. Nothing arrived? Call the organizers.",
            ),
            "resend.phone_only" => (
                "Hồ sơ chỉ có số điện thoại, không có email: hãy gọi Ban tổ chức để được cấp lại đường dẫn.",
                "An application with a phone number but no email: call the organizers for a new link.",
            ),
            "mine.copied" => ("Đã sao chép đường dẫn.", "The link is copied."),
            "mine.share" => ("Chia sẻ qua Zalo…", "Share…"),
            "mine.link_emailed" => ("Đường dẫn này cũng được gửi tới {email}.", "This link is emailed to {email} too."),
            "mine.link_no_email" => (
                "Hồ sơ không có email nên đường dẫn không được gửi đi: hãy lưu lại ngay. Nếu mất, gọi Ban tổ chức:",
                "The application has no email, so the link is not sent anywhere: keep it now. If it is lost, call the organizers:",
            ),
            "mine.history" => ("Lịch sử hồ sơ", "History"),
            "mine.amend" => ("Sửa hồ sơ", "Amend the application"),
            "mine.withdraw" => ("Rút hồ sơ", "Withdraw the application"),
            "mine.link" => ("Đường dẫn riêng", "Your private link"),
            "mine.link_hint" => (
                "Ai có đường dẫn này đều xem và sửa được hồ sơ. Nếu lỡ gửi cho người khác, hãy đổi đường dẫn: đường dẫn cũ thôi mở được ngay, đường dẫn mới được gửi tới email của hồ sơ.",
                "Anyone with this link can see and change the application. If it went to someone it should not have, replace it: the old link stops opening at once, and the new one is emailed to the application's address.",
            ),
            "mine.new_link" => ("Đổi đường dẫn riêng", "Replace my private link"),
            "mine.new_link_done" => (
                "Đã đổi đường dẫn. Đường dẫn cũ không còn mở được; hãy lưu đường dẫn của trang này (đã gửi tới email của hồ sơ).",
                "The link is replaced. The old one no longer opens; keep this page's link (it has been emailed too).",
            ),
            "review.new_link" => ("Cấp lại đường dẫn riêng", "Issue a new private link"),
            "review.new_link_hint" => (
                "Khi đường dẫn của đơn vị bị lộ hoặc bị mất: đường dẫn cũ thôi mở được ngay, đường dẫn mới được gửi tới email của hồ sơ.",
                "When the exhibitor's link leaked or was lost: the old one stops opening at once, the new one is emailed to the application's address.",
            ),
            "review.new_link_done" => ("Đã cấp lại đường dẫn riêng và gửi email cho đơn vị.", "A new private link was issued and emailed."),
            "mine.withdraw_reason" => ("Lý do rút (không bắt buộc)", "Why (optional)"),
            "mine.withdraw_confirm" => ("Tôi muốn rút hồ sơ này", "I want to withdraw this application"),
            "mine.not_found" => ("Đường dẫn không đúng hoặc đã hết hiệu lực.", "This link is not valid."),
            "ev.RegistrationSubmitted" => ("Nộp hồ sơ", "Application submitted"),
            "ev.RegistrationAmended" => ("Sửa hồ sơ", "Application amended"),
            "ev.RegistrationWithdrawn" => ("Rút hồ sơ", "Application withdrawn"),
            "ev.RegistrationApproved" => ("Được duyệt", "Approved"),
            "ev.RegistrationRejected" => ("Không được duyệt", "Rejected"),
            "ev.RegistrationWaitlisted" => ("Vào danh sách chờ", "Put on the waiting list"),
            "by.organizer" => ("Ban tổ chức", "the organizers"),
            "by.exhibitor" => ("chủ thể", "the exhibitor"),
            "by.public" => ("chủ thể", "the exhibitor"),
            "by.system" => ("hệ thống", "the system"),
            "review.title" => ("Xét duyệt hồ sơ đăng ký", "Review applications"),
            "review.search" => (
                "Tìm tên, sản phẩm, xã, huyện… (không cần dấu)",
                "Search names, products, places (accents optional)",
            ),
            "review.all_statuses" => ("Mọi trạng thái", "Any status"),
            "review.all_zones" => ("Mọi khu", "Any zone"),
            "review.all_groups" => ("Mọi nhóm", "Any group"),
            "review.all_stars" => ("Mọi hạng sao", "Any rating"),
            "review.certificate" => ("Giấy chứng nhận", "Certificate"),
            "review.any_certificate" => ("Mọi giấy chứng nhận", "Any certificate"),
            "review.certificate_valid" => ("Còn hạn đến hội chợ", "Valid through the fair"),
            "review.certificate_expiring" => ("Hết hạn trước hội chợ", "Expires before the fair"),
            "review.filter" => ("Tìm", "Search"),
            "review.applications" => ("hồ sơ", "applications"),
            "review.action" => ("Thao tác", "Action"),
            "review.approve" => ("Duyệt", "Approve"),
            "review.reject" => ("Không duyệt", "Reject"),
            "review.waitlist" => ("Đưa vào danh sách chờ", "Waiting list"),
            "review.reason" => ("Lý do (bắt buộc khi không duyệt)", "Reason (required to reject)"),
            "review.bulk" => ("Áp dụng cho hồ sơ đã chọn", "Apply to the selected"),
            "review.confirm_title" => ("Xác nhận thao tác", "Confirm"),
            "review.confirm" => ("Xác nhận", "Confirm"),
            "review.cancel" => ("Quay lại, không thay đổi", "Go back without changes"),
            "review.none_selected" => ("Chưa chọn hồ sơ nào.", "No application selected."),
            "review.reason_needed" => ("Cần nhập lý do khi không duyệt.", "A rejection needs a reason."),
            "review.done" => ("Đã cập nhật", "Updated"),
            "review.decide" => ("Quyết định", "Decision"),
            "review.open" => ("Xét duyệt hồ sơ", "Review applications"),
            "error.not_found" => ("Không tìm thấy trang.", "Page not found."),
            "booth.exhibitor" => ("Đơn vị trưng bày", "Exhibitor"),
            "directory.open" => ("Danh sách đơn vị trưng bày", "Exhibitor directory"),
            "directory.title" => ("Danh sách đơn vị trưng bày", "Exhibitor directory"),
            "directory.search" => ("Tìm tên, sản phẩm, xã…", "Search names, products, communes…"),
            "directory.none" => ("Không có đơn vị nào phù hợp.", "No exhibitor matches."),
            "directory.count" => ("đơn vị", "exhibitors"),
            "directory.booths" => ("Gian", "Booths"),
            "directory.to_plan" => ("Xem trên sơ đồ", "See on the plan"),
            "board.title" => ("Phân gian hàng", "Booth allocation"),
            "board.open" => ("Phân gian hàng", "Allocate booths"),
            "board.changed" => ("Sơ đồ vừa thay đổi ở nơi khác.", "The plan has just changed elsewhere."),
            "board.reload" => ("Tải lại", "Reload"),
            "board.proposed" => ("Đề xuất", "Proposed"),
            "board.move_to" => ("Chuyển sang gian", "Move to booth"),
            "board.move" => ("Chuyển", "Move"),
            "board.release" => ("Thu hồi gian", "Release the booth"),
            "board.unblock" => ("Mở khoá gian", "Unblock"),
            "board.give_to" => ("Giao cho hồ sơ", "Give to application"),
            "board.allocate" => ("Giao gian", "Allocate"),
            "board.block_reason" => ("Lý do khoá (không bắt buộc)", "Why block it (optional)"),
            "board.block" => ("Khoá gian", "Block"),
            "board.proposal" => ("Đề xuất phân gian tự động", "Automatic proposal"),
            "board.proposal_placed" => ("gian được đề xuất", "booths proposed"),
            "board.proposal_unplaced" => ("hồ sơ chưa có chỗ", "applications left without a booth"),
            "board.accept" => ("Chấp nhận đề xuất", "Accept the proposal"),
            "board.discard" => ("Bỏ đề xuất", "Discard"),
            "board.unplaced" => ("Chưa xếp được", "Not placed"),
            "board.make_proposal" => ("Lập đề xuất tự động", "Make an automatic proposal"),
            "board.wanting" => ("Hồ sơ đã duyệt còn thiếu gian", "Approved applications short of booths"),
            "board.placed" => ("Hồ sơ đã đủ gian", "Applications with all their booths"),
            "board.done.allocate" => ("Đã giao gian.", "Booth allocated."),
            "board.done.release" => ("Đã thu hồi gian.", "Booth released."),
            "board.done.move" => ("Đã chuyển gian.", "Moved."),
            "board.done.block" => ("Đã khoá gian.", "Booth blocked."),
            "board.done.unblock" => ("Đã mở khoá gian.", "Booth unblocked."),
            "board.done.accept" => ("Đã áp dụng đề xuất.", "Proposal accepted."),
            "board.err.booth_taken" => ("Gian {booth} đã thuộc về {holder}.", "Booth {booth} is already held by {holder}."),
            "board.err.booth_blocked" => ("Gian {booth} đang bị khoá.", "Booth {booth} is blocked."),
            "board.err.not_approved" => ("Hồ sơ này chưa được duyệt.", "This application is not approved."),
            "board.err.over_approved_count" => ("Hồ sơ này đã đủ số gian được duyệt.", "This application already has all its approved booths."),
            "board.err.booth_not_allocated" => ("Gian {booth} đang trống.", "Booth {booth} is free."),
            "board.err.floor_changed" => ("Sơ đồ đã thay đổi từ khi lập đề xuất; hãy lập đề xuất mới.", "The floor changed since the proposal; make a new one."),
            "board.err.not_found" => ("Không tìm thấy gian hoặc hồ sơ.", "No such booth or application."),
            "board.err.pick_registration" => ("Hãy chọn một hồ sơ trước.", "Choose an application first."),
            "board.err.csrf" => ("Phiên làm việc đã hết hạn; hãy thử lại.", "The form expired; try again."),
            "board.err.unknown" => ("Thao tác không hợp lệ.", "Unknown action."),
            "booth_event.defined" => ("Thêm vào sơ đồ", "Added to the plan"),
            "booth_event.changed" => ("Sửa thông tin gian", "Details changed"),
            "booth_event.retired" => ("Bỏ khỏi sơ đồ", "Removed from the plan"),
            "booth_event.allocated" => ("Giao gian", "Allocated"),
            "booth_event.released" => ("Thu hồi", "Released"),
            "booth_event.moved_in" => ("Chuyển đến", "Moved in"),
            "booth_event.moved_out" => ("Chuyển đi", "Moved out"),
            "booth_event.blocked" => ("Khoá gian", "Blocked"),
            "booth_event.unblocked" => ("Mở khoá", "Unblocked"),
            "sales.title" => ("Doanh thu bán hàng", "Sales"),
            "sales.open" => ("Ghi doanh thu", "Record sales"),
            "sales.booths" => ("Gian hàng", "Booths"),
            "sales.total" => ("Tổng doanh thu", "Total"),
            "sales.day" => ("Ngày", "Day"),
            "sales.amount" => ("Số tiền (đồng)", "Amount (đồng)"),
            "sales.amount_hint" => ("Ví dụ 3.500.000 hoặc 3,5 triệu", "E.g. 3.500.000 or 3,5 triệu"),
            "sales.transactions" => ("Số lượt bán (không bắt buộc)", "Number of sales (optional)"),
            "sales.transactions_short" => ("lượt", "sales"),
            "sales.producer" => ("Chủ thể bán", "Producer"),
            "sales.note" => ("Ghi chú", "Note"),
            "sales.record" => ("Ghi doanh thu", "Record"),
            "sales.entries" => ("Các lần ghi", "Entries"),
            "sales.by_day" => ("Theo ngày", "By day"),
            "sales.void" => ("Huỷ dòng này", "Void this entry"),
            "sales.void_link" => ("Huỷ", "Void"),
            "sales.correct" => ("Sửa", "Correct"),
            "sales.day_has" => ("Ngày này đã ghi: {amount}.", "This day has {amount} already."),
            "sales.day_has_nothing" => ("Ngày này chưa ghi gì.", "Nothing recorded for this day yet."),
            "sales.mode" => ("Số tiền này là", "This amount is"),
            "sales.mode.total" => ("Tổng cả ngày (sửa: thay cho số đã ghi)", "The whole day's total (correct: replaces what the day has)"),
            "sales.mode.more" => ("Một khoản ghi thêm (cộng vào số đã ghi)", "One more sale (added to what the day has)"),
            "sales.replaced_reason" => ("Sửa tổng ngày thành {amount}", "Day's total corrected to {amount}"),
            "sales.err.mode" => ("Ngày này đã có doanh thu: chọn đây là tổng cả ngày (sửa) hay ghi thêm.", "This day has sales already: choose whether this is the day's whole total or one more sale."),
            "sales.err.amount_unreadable" => ("Không đọc được số tiền: viết như 3.500.000 hoặc 3,5 triệu.", "Could not read the amount: write it like 3.500.000 or 3,5 triệu."),
            "sales.void_reason" => ("Lý do huỷ", "Why"),
            "sales.voided" => ("Đã huỷ", "Voided"),
            "sales.none" => ("Chưa có doanh thu nào.", "No sales recorded yet."),
            "sales.no_booth" => ("Đơn vị chưa có gian hàng nên chưa ghi được doanh thu.", "Sales can be recorded once a booth is allocated."),
            "sales.closed" => ("Ban tổ chức đã khoá sổ doanh thu.", "The organizers have closed the books."),
            "sales.not_yet" => ("Hội chợ chưa khai mạc.", "The fair has not opened yet."),
            "sales.done.recorded" => ("Đã ghi doanh thu.", "Recorded."),
            "sales.done.voided" => ("Đã huỷ dòng doanh thu.", "Entry voided."),
            "sales.done.void_refused" => ("Không huỷ được: cần lý do, và sổ phải còn mở.", "Not voided: a reason is needed and the books must be open."),
            "sales.err.books_closed" => ("Ban tổ chức đã khoá sổ doanh thu.", "The books are closed."),
            "sales.err.no_booth" => ("Đơn vị chưa có gian hàng.", "No booth is allocated yet."),
            "revenue.title" => ("Doanh thu hội chợ", "Fair revenue"),
            "revenue.open" => ("Doanh thu", "Revenue"),
            "revenue.total" => ("Tổng doanh thu", "Total revenue"),
            "revenue.ocop" => ("Hàng OCOP", "OCOP goods"),
            "revenue.occupancy" => ("Gian đã phân", "Booths in use"),
            "revenue.today" => ("Hôm nay", "Today"),
            "revenue.live" => ("Trang tự cập nhật mỗi phút trong những ngày hội chợ.", "This page refreshes itself every minute during the fair."),
            "revenue.reported" => ("Đã báo doanh thu", "Reported"),
            "revenue.missing" => ("Chưa báo", "Not reported yet"),
            "revenue.reporting" => ("Tỷ lệ báo cáo theo ngày", "Reporting by day"),
            "revenue.csv" => ("Tải CSV", "Download CSV"),
            "revenue.xlsx" => ("Tải Excel (XLSX)", "Download Excel (XLSX)"),
            "revenue.close" => ("Khoá sổ doanh thu", "Close the books"),
            "revenue.reopen" => ("Mở lại sổ", "Reopen the books"),
            "revenue.reopen_reason" => ("Lý do mở lại", "Why reopen"),
            "revenue.closed" => ("Sổ doanh thu đã khoá.", "The books are closed."),
            "revenue.comparison" => ("So với hội chợ trước", "Compared with the previous fair"),
            "revenue.by_day" => ("Theo ngày", "By day"),
            "revenue.by_zone" => ("Theo khu", "By zone"),
            "revenue.by_product_group" => ("Theo nhóm sản phẩm OCOP", "By OCOP product group"),
            "revenue.by_commune" => ("Theo xã, phường", "By commune"),
            "revenue.by_legacy_district" => ("Theo huyện (cũ)", "By former district"),
            "revenue.by_stars" => ("Theo hạng sao OCOP", "By OCOP stars"),
            "revenue.by_exhibitor" => ("Theo đơn vị", "By exhibitor"),
            "revenue.by_producer" => ("Theo chủ thể", "By producer"),
            "revenue.by_booth" => ("Theo gian hàng", "By booth"),
            "revenue.share" => ("Tỷ lệ", "Share"),
            "mail.title" => ("Thư điện tử", "Emails"),
            "mail.open" => ("Thư điện tử", "Emails"),
            "mail.transport" => ("Gửi qua", "Sent through"),
            "mail.search" => ("Người nhận: địa chỉ hoặc tên", "Recipient: address or name"),
            "mail.all" => ("Mọi trạng thái", "Every status"),
            "mail.none" => ("Chưa có thư nào.", "No emails yet."),
            "mail.emails" => ("thư", "emails"),
            "mail.when" => ("Thời điểm", "When"),
            "mail.recipient" => ("Người nhận", "Recipient"),
            "mail.template" => ("Loại thư", "Kind"),
            "mail.language" => ("Ngôn ngữ", "Language"),
            "mail.attempts" => ("Số lần gửi", "Attempts"),
            "mail.due" => ("Đến hạn gửi", "Due"),
            "mail.sent_at" => ("Đã gửi lúc", "Sent at"),
            "mail.next_attempt" => ("Gửi lại lúc", "Next attempt"),
            "mail.response" => ("Máy chủ thư trả lời", "Mail server's answer"),
            "mail.error" => ("Lỗi gần nhất", "Last error"),
            "mail.retry" => ("Gửi lại", "Send again"),
            "mail.masked" => (
                "Nội dung như thư hiện nay; đường dẫn riêng của đơn vị được che.",
                "The content as the email reads now; the exhibitor's private link is masked.",
            ),
            "mail.text" => ("Văn bản", "Plain text"),
            "mail.html" => ("HTML", "HTML"),
            "mstatus.pending" => ("Chờ gửi", "Pending"),
            "mstatus.sending" => ("Đang gửi", "Sending"),
            "mstatus.sent" => ("Đã gửi", "Sent"),
            "mstatus.failed" => ("Lỗi", "Failed"),
            "tpl.application_received" => ("Đã nhận hồ sơ", "Application received"),
            "tpl.application_approved" => ("Hồ sơ được duyệt", "Application approved"),
            "tpl.application_rejected" => ("Hồ sơ không được duyệt", "Application rejected"),
            "tpl.application_waitlisted" => ("Danh sách chờ", "Waiting list"),
            "tpl.application_withdrawn" => ("Hồ sơ đã rút", "Application withdrawn"),
            "tpl.new_applications_digest" => ("Bản tin hồ sơ mới", "New applications digest"),
            "tpl.fair_reminder" => ("Nhắc lịch hội chợ", "Fair reminder"),
            "tpl.booth_allocated" => ("Bố trí gian hàng", "Booth allocated"),
            "tpl.booth_moved" => ("Chuyển gian hàng", "Booth moved"),
            "tpl.booth_released" => ("Thu hồi gian hàng", "Booth released"),
            "tpl.access_link_reissued" => ("Đường dẫn riêng mới", "New private link"),
            "tpl.announcement" => ("Thông báo của Ban tổ chức", "Announcement"),
            "tpl.access_link_resent" => ("Gửi lại đường dẫn riêng", "Private link sent again"),
            "tpl.sales_reminder" => ("Nhắc báo doanh thu", "Sales reminder"),
            "tpl.sales_summary" => ("Tổng kết doanh thu", "Sales summary"),
            "tpl.revenue_report" => ("Báo cáo doanh thu", "Revenue report"),
            "tpl.fee_reminder" => ("Nhắc nộp phí gian hàng", "Booth fee reminder"),
            _ => desk::text(key)
                .or_else(|| editor::text(key))
                .or_else(|| daily::text(key))
                .or_else(|| fees::text(key))
                .or_else(|| report::text(key))
                .unwrap_or((key, key)),
        };
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

/// `1250000` → `1.250.000`: a whole number grouped by thousands the Vietnamese way.
pub fn number_vn(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        grouped.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    grouped
}

/// A share of 0–1 as Vietnamese write a percentage: `0.125` → `12,5%`.
pub fn percent_vn(share: f64) -> String {
    format!("{:.1}%", share * 100.0).replace('.', ",")
}

/// `1250000` → `1.250.000 ₫`.
pub fn money_vnd(amount: i64) -> String {
    format!("{} ₫", number_vn(amount))
}

/// `2022-01-21` → `21/01/2022`.
/// A field's label as it stands in a sentence: without its examples in brackets, its first
/// letter lower case ("Tên chủ thể (HTX, …)" → "tên chủ thể").
pub fn in_sentence(label: &str) -> String {
    let label = label.split(" (").next().unwrap_or(label);
    let mut chars = label.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A mobile number stored as `+84912345678` the way Vietnamese write it: "0912 345 678".
/// Anything else is shown as it is.
pub fn phone_vn(phone: &str) -> String {
    match phone.strip_prefix("+84") {
        Some(rest) if rest.len() == 9 && rest.bytes().all(|b| b.is_ascii_digit()) => {
            format!("0{} {} {}", &rest[..3], &rest[3..6], &rest[6..])
        }
        _ => phone.to_owned(),
    }
}

pub fn date_vn(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// An instant as `dd/mm/yyyy HH:MM` in the given IANA zone (UTC if it is unknown).
pub fn datetime_vn(at: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string(),
        Err(_) => at.format("%d/%m/%Y %H:%M UTC").to_string(),
    }
}

/// `3.0` → `3`, `2.5` → `2,5` (a decimal comma).
pub fn metres(m: f64) -> String {
    let text = format!("{:.2}", m);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.replace('.', ",")
}

#[cfg(test)]
mod tests {
    #[test]
    fn mobile_numbers_read_the_vietnamese_way() {
        assert_eq!(super::phone_vn("+84912345678"), "0912 345 678");
        assert_eq!(super::phone_vn("+8491234567"), "+8491234567");
        assert_eq!(super::phone_vn("0239 3855 123"), "0239 3855 123");
    }

    use super::*;

    #[test]
    fn money_is_grouped_with_dots_and_the_dong_sign() {
        assert_eq!(money_vnd(1_250_000), "1.250.000 ₫");
        assert_eq!(money_vnd(0), "0 ₫");
        assert_eq!(money_vnd(999), "999 ₫");
        assert_eq!(money_vnd(1000), "1.000 ₫");
        assert_eq!(money_vnd(-45_000), "-45.000 ₫");
        assert_eq!(money_vnd(10_200_000_000), "10.200.000.000 ₫");
    }

    #[test]
    fn dates_are_day_first_and_times_in_the_fair_zone() {
        assert_eq!(date_vn(NaiveDate::from_ymd_opt(2022, 1, 5).unwrap()), "05/01/2022");
        let at: DateTime<Utc> = "2021-12-20T01:00:00Z".parse().unwrap();
        assert_eq!(datetime_vn(at, "Asia/Ho_Chi_Minh"), "20/12/2021 08:00");
    }

    #[test]
    fn sizes_use_a_decimal_comma() {
        assert_eq!(metres(3.0), "3");
        assert_eq!(metres(2.5), "2,5");
    }
}
