//! The message around an email: headers no user text can break out of, the text and HTML
//! parts in base64, attachments, and a message id that is the same on every attempt.

use hoicho_events::NotificationId;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::Message;

use super::render::{header_text, Mail, Rendered};

/// The message for `mail`, or why it cannot be built (a permanent failure).
pub fn message(mail: &Mail, rendered: &Rendered, from: &Mailbox) -> Result<Message, String> {
    let address = mail
        .recipient
        .email
        .trim()
        .parse::<lettre::Address>()
        .map_err(|err| format!("invalid recipient address {:?}: {err}", mail.recipient.email))?;
    let name = header_text(&mail.recipient.name);
    // Given, not parsed back out of the headers as lettre otherwise does.
    let envelope = lettre::address::Envelope::new(Some(from.email.clone()), vec![address.clone()])
        .map_err(|err| format!("no envelope: {err}"))?;
    let to = Mailbox::new((!name.is_empty()).then_some(name), address);
    let html = part(ContentType::TEXT_HTML, &rendered.html)?;
    let text = MultiPart::alternative().singlepart(part(ContentType::TEXT_PLAIN, &rendered.text)?);
    // Images the HTML shows go beside it in a multipart/related, named by their content id.
    let images = rendered.images();
    let body = if images.is_empty() {
        text.singlepart(html)
    } else {
        let mut related = MultiPart::related().singlepart(html);
        for (cid, mime, bytes) in &images {
            let content_type = ContentType::parse(mime).map_err(|err| format!("image {cid}: {err}"))?;
            related = related
                .singlepart(lettre::message::Attachment::new_inline(cid.clone()).body(bytes.clone(), content_type));
        }
        text.multipart(related)
    };
    let body = if rendered.attachments.is_empty() {
        body
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for (name, mime, bytes) in &rendered.attachments {
            let content_type =
                lettre::message::header::ContentType::parse(mime).map_err(|err| format!("attachment {name}: {err}"))?;
            mixed = mixed.singlepart(lettre::message::Attachment::new(name.clone()).body(bytes.clone(), content_type));
        }
        mixed
    };
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(rendered.subject.clone())
        .message_id(Some(mail.message_id.clone()))
        .envelope(envelope)
        .multipart(body)
        .map_err(|err| format!("the message cannot be built: {err}"))
}

/// A text part in base64, encoded here in one pass: lettre's `Body::new` would encode the
/// text both as quoted-printable and as base64 to keep the shorter (for Vietnamese text
/// base64 is the shorter anyway), and even told the encoding it scans the text to choose one
/// and again for bare line feeds before encoding it.
fn part(content_type: ContentType, text: &str) -> Result<SinglePart, String> {
    let body = lettre::message::Body::dangerous_pre_encoded(
        base64_lines(crlf(text).as_bytes()),
        ContentTransferEncoding::Base64,
    );
    Ok(SinglePart::builder().header(content_type).body(body))
}

/// `bytes` in base64, in lines of 76 characters joined by CRLF (RFC 2045), as lettre writes it.
fn base64_lines(bytes: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    const LINE: usize = 76;
    let mut out = Vec::with_capacity(bytes.len().div_ceil(57) * (LINE + 2));
    for (i, chunk) in bytes.chunks(LINE / 4 * 3).enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        let start = out.len();
        out.resize(start + LINE, 0);
        let len = base64::engine::general_purpose::STANDARD
            .encode_slice(chunk, &mut out[start..])
            .expect("57 bytes take 76 in base64");
        out.truncate(start + len);
    }
    out
}

/// `text` with every line ending in CRLF.
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    for line in text.split_inclusive('\n') {
        match line.strip_suffix('\n') {
            Some(line) => {
                out.push_str(line.strip_suffix('\r').unwrap_or(line));
                out.push_str("\r\n");
            }
            None => out.push_str(line),
        }
    }
    out
}

/// `<{id}@{domain of the sender}>`: the same on every attempt.
pub fn message_id(id: &NotificationId, from: &Mailbox) -> String {
    format!("<{}@{}>", id.0, from.email.domain())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_become_crlf_once() {
        assert_eq!(crlf("a\nb\r\nc"), "a\r\nb\r\nc");
        assert_eq!(crlf("\nđ\n\n"), "\r\nđ\r\n\r\n");
        assert_eq!(crlf(""), "");
    }

    #[test]
    fn text_parts_are_the_base64_lettre_would_write() {
        for text in [
            "",
            "a",
            "ab\n",
            "Kính gửi Nguyễn Văn An,\n\n",
            &"Hội chợ OCOP Hà Tĩnh\r\n".repeat(40),
        ] {
            for len in [text.len(), text.len().saturating_sub(1)] {
                let Some(text) = text.get(..len) else { continue };
                let lettre = lettre::message::Body::new_with_encoding(text.to_owned(), ContentTransferEncoding::Base64)
                    .unwrap()
                    .into_vec();
                assert_eq!(base64_lines(crlf(text).as_bytes()), lettre, "{text:?}");
            }
        }
    }
}
