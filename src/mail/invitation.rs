//! The email inviting a colleague onto a team of organizers. It is sent at once, while the
//! inviting organizer waits, rather than through the log-driven notifier: that one sends a
//! fair's emails to its exhibitors and organizers, and an invitation belongs to no fair. The
//! link is shown once to the inviting organizer too, so a mail system that is down or slow
//! costs a message by another channel, not the invitation (docs/adr/013).

use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

use super::Mailer;
use crate::i18n::Lang;

/// What an invitation email says, for `to`, from `inviter`.
pub struct InvitationMail<'a> {
    pub to: &'a str,
    pub inviter: &'a str,
    pub link: &'a str,
    /// When the link stops working, as the reader's clock says it.
    pub expires: &'a str,
    pub lang: Lang,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl InvitationMail<'_> {
    pub fn subject(&self) -> String {
        match self.lang {
            Lang::Vi => "Lời mời tham gia Ban tổ chức hội chợ trên hoicho".to_owned(),
            Lang::En => "You are invited to organize fairs on hoicho".to_owned(),
        }
    }

    pub fn text(&self) -> String {
        let InvitationMail {
            to,
            inviter,
            link,
            expires,
            ..
        } = self;
        match self.lang {
            Lang::Vi => format!(
                "Xin chào,\n\n{inviter} mời bạn ({to}) tham gia Ban tổ chức hội chợ trên hoicho.\n\n\
                 Mở đường dẫn sau để đặt mật khẩu và đăng nhập lần đầu:\n{link}\n\n\
                 Đường dẫn chỉ dùng được một lần và hết hạn lúc {expires}. Nếu bạn không chờ lời mời này, \
                 hãy bỏ qua thư.\n"
            ),
            Lang::En => format!(
                "Hello,\n\n{inviter} invites you ({to}) to organize fairs on hoicho.\n\n\
                 Open this link to set your password and sign in for the first time:\n{link}\n\n\
                 The link works once and expires at {expires}. If you did not expect this invitation, \
                 ignore this email.\n"
            ),
        }
    }

    pub fn html(&self) -> String {
        let paragraphs: Vec<String> = self
            .text()
            .split("\n\n")
            .map(|p| {
                let p = escape(p.trim());
                if p.contains(self.link) {
                    let link = escape(self.link);
                    p.replace(&link, &format!("<a href=\"{link}\">{link}</a>"))
                } else {
                    p
                }
                .replace('\n', "<br>")
            })
            .collect();
        format!(
            "<!doctype html><html lang=\"{}\"><body><p>{}</p></body></html>",
            self.lang.code(),
            paragraphs.join("</p><p>")
        )
    }

    pub fn message(&self, from: &Mailbox) -> Result<Message, String> {
        let to: Mailbox = self
            .to
            .parse()
            .map_err(|err| format!("invalid recipient address {:?}: {err}", self.to))?;
        Message::builder()
            .from(from.clone())
            .to(to)
            .subject(self.subject())
            .multipart(MultiPart::alternative_plain_html(self.text(), self.html()))
            .map_err(|err| format!("the message cannot be built: {err}"))
    }
}

/// Sends `mail`; the error says why not, for the inviting organizer.
pub async fn send(mailer: &Mailer, mail: &InvitationMail<'_>) -> Result<(), String> {
    let message = mail.message(&mailer.from)?;
    match mailer.transport.send(&message).await {
        Ok(_) => Ok(()),
        Err(super::SendError::Transient(why) | super::SendError::Permanent(why)) => Err(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_is_in_both_parts_and_names_are_escaped() {
        let mail = InvitationMail {
            to: "an@so.vn",
            inviter: "<b>x</b>@so.vn",
            link: "https://hoicho.example.vn/organizer/invitation/abc",
            expires: "10:00 04/12/2026",
            lang: Lang::Vi,
        };
        assert!(mail
            .text()
            .contains("https://hoicho.example.vn/organizer/invitation/abc"));
        let html = mail.html();
        assert!(html.contains("<a href=\"https://hoicho.example.vn/organizer/invitation/abc\">"));
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;") && !html.contains("<b>x"));
        let from: Mailbox = "Ban tổ chức <hoicho@so.vn>".parse().unwrap();
        assert!(mail.message(&from).is_ok());
    }
}
