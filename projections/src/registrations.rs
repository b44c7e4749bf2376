use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use hoicho_events::{Application, Envelope, Event, FairId, RegistrationId};
use serde::{Deserialize, Serialize};

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    Submitted,
    Approved,
    Rejected,
    Waitlisted,
    Withdrawn,
}

impl RegistrationStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            RegistrationStatus::Submitted => "submitted",
            RegistrationStatus::Approved => "approved",
            RegistrationStatus::Rejected => "rejected",
            RegistrationStatus::Waitlisted => "waitlisted",
            RegistrationStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "submitted" => RegistrationStatus::Submitted,
            "approved" => RegistrationStatus::Approved,
            "rejected" => RegistrationStatus::Rejected,
            "waitlisted" => RegistrationStatus::Waitlisted,
            "withdrawn" => RegistrationStatus::Withdrawn,
            _ => return None,
        })
    }
}

/// An application as the review list and the exhibitor's page show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationView {
    pub id: RegistrationId,
    pub fair_id: FairId,
    pub application: Application,
    pub status: RegistrationStatus,
    /// Booths approved (0 unless approved).
    pub approved_booths: u32,
    /// The last reason given: for a rejection, a withdrawal, or a waiting-list note.
    pub reason: Option<String>,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Global position of the submission: the order applications arrived in.
    pub submitted_position: u64,
    /// The stream version, served as the ETag.
    pub version: u64,
    pub token_hash: String,
    /// Which of its private links is the current one (0: the first).
    pub token_generation: u32,
    /// Everything searchable, folded (lower case, no diacritics, đ → d).
    pub search_text: String,
}

impl RegistrationView {
    /// The highest OCOP star rating among its products (and its producers' products).
    pub fn best_stars(&self) -> Option<u8> {
        self.all_products().filter_map(|p| p.stars).max()
    }

    /// Every product, the delegation's producers' included.
    pub fn all_products(&self) -> impl Iterator<Item = &hoicho_events::Product> {
        self.application
            .products
            .iter()
            .chain(self.application.producers.iter().flat_map(|p| p.products.iter()))
    }

    /// Certificates that expire before `day` (the fair's first day): product names.
    pub fn certificates_expiring_before(&self, day: NaiveDate) -> Vec<&str> {
        self.all_products()
            .filter(|p| p.certificate_expires.is_some_and(|e| e < day))
            .map(|p| p.name.as_str())
            .collect()
    }

    /// The best OCOP stars among its products whose certificate is valid on `day` (the
    /// fair's first day): what the allocation order and the OCOP share count.
    pub fn valid_stars_on(&self, day: NaiveDate) -> Option<u8> {
        valid_stars(self.all_products(), day)
    }

    /// Whether every starred product's certificate is still valid on `day`.
    pub fn certificates_valid_on(&self, day: NaiveDate) -> bool {
        self.all_products()
            .filter(|p| p.stars.is_some())
            .all(|p| p.certificate_expires.is_some_and(|e| e >= day))
    }

    /// Whether every word of `query` (folded) occurs in the searchable text.
    pub fn matches(&self, query: &str) -> bool {
        fold(query)
            .split_whitespace()
            .all(|word| self.search_text.contains(word))
    }
}

/// The best OCOP stars among `products` whose certificate is valid on `day`.
pub fn valid_stars<'a>(products: impl Iterator<Item = &'a hoicho_events::Product>, day: NaiveDate) -> Option<u8> {
    products
        .filter(|p| p.certificate_expires.is_some_and(|e| e >= day))
        .filter_map(|p| p.stars)
        .max()
}

/// Text for diacritic-insensitive search: "Nước mắm Đức Thọ" → "nuoc mam duc tho".
/// Each character is decomposed on its own (ASCII, most of any text, as it is): the marks are
/// all dropped, so the reordering a whole NFD pass would do cannot change the result.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        unicode_normalization::char::decompose_canonical(c, |d| {
            if unicode_normalization::char::is_combining_mark(d) {
                return;
            }
            match d {
                'đ' | 'Đ' => out.push('d'),
                other => out.extend(other.to_lowercase()),
            }
        });
    }
    out
}

fn search_text(application: &Application) -> String {
    let a = application;
    let mut parts: Vec<&str> = vec![
        &a.organization,
        &a.representative,
        &a.address.commune,
        &a.address.province,
    ];
    parts.extend(a.address.legacy_district.as_deref());
    parts.extend(a.tax_code.as_deref());
    for p in &a.products {
        parts.push(&p.name);
    }
    for producer in &a.producers {
        parts.push(&producer.organization);
        parts.extend(producer.products.iter().map(|p| p.name.as_str()));
    }
    fold(&parts.join(" | "))
}

/// Every application, by id, by fair (in order of arrival) and by access-token digest.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registrations {
    pub by_id: BTreeMap<RegistrationId, RegistrationView>,
    by_fair: BTreeMap<FairId, Vec<RegistrationId>>,
    by_token_hash: BTreeMap<String, RegistrationId>,
}

impl Registrations {
    pub fn get(&self, id: &RegistrationId) -> Option<&RegistrationView> {
        self.by_id.get(id)
    }

    pub fn by_token_hash(&self, hash: &str) -> Option<&RegistrationView> {
        self.by_token_hash.get(hash).and_then(|id| self.by_id.get(id))
    }

    /// A fair's applications in the order they arrived.
    pub fn of_fair<'a>(&'a self, fair: &FairId) -> impl DoubleEndedIterator<Item = &'a RegistrationView> + 'a {
        self.by_fair
            .get(fair)
            .into_iter()
            .flatten()
            .filter_map(|id| self.by_id.get(id))
    }

    /// A fair's applications submitted after `since` and no later than `until`, in the order
    /// they arrived. Arrival order is submission order, so this is two binary searches, not
    /// a walk through every application.
    pub fn submitted_between<'a>(
        &'a self,
        fair: &FairId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> impl Iterator<Item = &'a RegistrationView> + 'a {
        let ids: &[RegistrationId] = self.by_fair.get(fair).map(Vec::as_slice).unwrap_or_default();
        let submitted = |id: &RegistrationId| self.by_id.get(id).map(|r| r.submitted_at);
        let first = ids.partition_point(|id| submitted(id).is_some_and(|t| t <= since));
        let end = ids.partition_point(|id| submitted(id).is_some_and(|t| t <= until));
        ids[first..end.max(first)].iter().filter_map(|id| self.by_id.get(id))
    }

    pub fn apply(&mut self, env: &Envelope) {
        let at = env.recorded_at;
        match &env.event {
            Event::RegistrationSubmitted(e) => {
                self.by_token_hash.insert(e.token_hash.clone(), e.registration_id);
                self.by_fair
                    .entry(e.fair_id.clone())
                    .or_default()
                    .push(e.registration_id);
                self.by_id.insert(
                    e.registration_id,
                    RegistrationView {
                        id: e.registration_id,
                        fair_id: e.fair_id.clone(),
                        search_text: search_text(&e.application),
                        application: e.application.clone(),
                        status: RegistrationStatus::Submitted,
                        approved_booths: 0,
                        reason: None,
                        submitted_at: e.submitted_at,
                        updated_at: at,
                        submitted_position: env.position,
                        version: env.version,
                        token_hash: e.token_hash.clone(),
                        token_generation: 0,
                    },
                );
            }
            Event::RegistrationAmended(e) => {
                if let Some(r) = self.by_id.get_mut(&e.registration_id) {
                    r.search_text = search_text(&e.application);
                    r.application = e.application.clone();
                    r.updated_at = at;
                    r.version = env.version;
                }
            }
            Event::AccessLinkReissued(e) => {
                if let Some(r) = self.by_id.get_mut(&e.registration_id) {
                    self.by_token_hash.remove(&r.token_hash);
                    r.token_hash = e.token_hash.clone();
                    r.token_generation = e.generation;
                    r.updated_at = at;
                    r.version = env.version;
                    self.by_token_hash.insert(e.token_hash.clone(), e.registration_id);
                }
            }
            Event::RegistrationWithdrawn(e) => self.change(&e.registration_id, env, |r| {
                r.status = RegistrationStatus::Withdrawn;
                r.approved_booths = 0;
                r.reason = e.reason.clone();
            }),
            Event::RegistrationApproved(e) => self.change(&e.registration_id, env, |r| {
                r.status = RegistrationStatus::Approved;
                r.approved_booths = e.booths;
                r.reason = None;
            }),
            Event::RegistrationRejected(e) => self.change(&e.registration_id, env, |r| {
                r.status = RegistrationStatus::Rejected;
                r.approved_booths = 0;
                r.reason = Some(e.reason.clone());
            }),
            Event::RegistrationWaitlisted(e) => self.change(&e.registration_id, env, |r| {
                r.status = RegistrationStatus::Waitlisted;
                r.approved_booths = 0;
                r.reason = e.note.clone();
            }),
            _ => {}
        }
    }

    fn change(&mut self, id: &RegistrationId, env: &Envelope, f: impl FnOnce(&mut RegistrationView)) {
        if let Some(r) = self.by_id.get_mut(id) {
            f(r);
            r.updated_at = env.recorded_at;
            r.version = env.version;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fold;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn folding_drops_diacritics_and_case() {
        assert_eq!(fold("Nước mắm Cửa Hội"), "nuoc mam cua hoi");
        assert_eq!(fold("ĐỨC THỌ"), "duc tho");
        // Decomposed input (as some keyboards send it) folds the same.
        assert_eq!(fold("Nu\u{031b}\u{0301}o\u{031b}c"), "nuoc");
    }

    #[test]
    fn folding_a_character_at_a_time_is_folding_the_whole_text_decomposed() {
        fn whole(text: &str) -> String {
            text.nfd()
                .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
                .map(|c| match c {
                    'đ' | 'Đ' => 'd',
                    other => other,
                })
                .flat_map(char::to_lowercase)
                .collect()
        }
        let texts = [
            "HTX Nông nghiệp Sơn Kim 1 | Nguyễn Văn An | Hương Sơn | Hà Tĩnh | 0312687878",
            "Cam bù Hương Sơn, Nước mắm Cửa Hội, Kẹo cu đơ, Mật ong Vũ Quang",
            "ĐỨC THỌ ỨC Ự Ỵ Ỷ Ỹ Ẫ Ậ Ặ Ẵ Ẳ Ệ Ễ Ổ Ộ Ỡ Ợ Ử Ữ",
            "Nu\u{031b}\u{0301}o\u{031b}c ma\u{0306}\u{0301}m a\u{0323}\u{0302} İstanbul ß ǅ Ⅻ 한국 ℃ ﬁ 🍊 \u{0}",
        ];
        for text in texts {
            assert_eq!(fold(text), whole(text), "{text}");
        }
    }
}
