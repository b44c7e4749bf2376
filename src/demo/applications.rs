//! About 150 applications for the demo fair, shaped like a provincial OCOP fair's: about a
//! third cooperatives (HTX), a third business households, the rest cooperative groups and
//! enterprises; mostly 3★ food products, some 4★, about one in eight without a rating;
//! producers from Hà Tĩnh's communes; a few certificates expiring before the fair; a
//! delegation; applications in every status. Generated from a fixed seed: every demo is
//! the same.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use hoicho_events::{
    Actor, Address, Application, BoothCode, BoothRequest, FairId, Producer, ProducerType, Product, RegistrationId,
    ZoneCode,
};
use unicode_normalization::UnicodeNormalization;

use crate::app::AppState;
use crate::domain::registration::{By, RegistrationCommand};
use crate::service::{self, CommandContext};

/// xorshift64*: small, fast and the same everywhere, which is all demo data needs.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// True with probability `percent` in 100.
    pub(super) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// (legacy district, its communes) — Hà Tĩnh before the 2025 reorganisation.
const PLACES: &[(&str, &[&str])] = &[
    (
        "Hương Sơn",
        &["Sơn Kim 1", "Sơn Kim 2", "Sơn Tây", "Sơn Trường", "Sơn Diệm"],
    ),
    ("Đức Thọ", &["Đức Lạng", "Tùng Ảnh", "Đức Đồng", "Trường Sơn"]),
    ("Vũ Quang", &["Hương Minh", "Đức Lĩnh", "Quang Thọ"]),
    ("Nghi Xuân", &["Xuân Hội", "Xuân Liên", "Cương Gián", "Xuân Thành"]),
    ("Can Lộc", &["Thiên Lộc", "Thuần Thiện", "Kim Song Trường"]),
    ("Hương Khê", &["Phúc Trạch", "Hương Trà", "Lộc Yên", "Hương Đô"]),
    ("Thạch Hà", &["Thạch Kênh", "Thạch Xuân", "Việt Tiến"]),
    ("Cẩm Xuyên", &["Cẩm Thành", "Cẩm Quan", "Cẩm Bình"]),
    ("Kỳ Anh", &["Kỳ Tân", "Kỳ Xuân", "Kỳ Phong"]),
    ("Lộc Hà", &["Thạch Bằng", "Hộ Độ", "Mai Phụ"]),
    ("TP Hà Tĩnh", &["Thạch Trung", "Thạch Hạ", "Đồng Môn"]),
    ("TX Hồng Lĩnh", &["Thuận Lộc", "Trung Lương"]),
    ("TX Kỳ Anh", &["Kỳ Ninh", "Kỳ Hà"]),
];

/// (product, OCOP group, the zone it is sold in).
const PRODUCTS: &[(&str, &str, &str)] = &[
    ("Cam bù Hương Sơn", "I", "C"),
    ("Cam Vũ Quang", "I", "C"),
    ("Bưởi Phúc Trạch", "I", "C"),
    ("Bưởi Thạch Kênh", "I", "C"),
    ("Kẹo cu đơ", "I", "D"),
    ("Bánh đa vừng", "I", "D"),
    ("Ram bánh mướt", "I", "D"),
    ("Nước mắm Kỳ Ninh", "I", "D"),
    ("Nước mắm Thạch Kim", "I", "D"),
    ("Mực khô Kỳ Anh", "I", "A"),
    ("Mật ong rừng Vũ Quang", "I", "A"),
    ("Khoai deo Nghi Xuân", "I", "A"),
    ("Gạo hữu cơ Thạch Hà", "I", "A"),
    ("Tương Trung Lương", "I", "A"),
    ("Chè xanh Hương Sơn", "II", "A"),
    ("Rượu nếp Kim Song Trường", "II", "A"),
    ("Trà thảo dược", "II", "A"),
    ("Nhung hươu Hương Sơn", "III", "A"),
    ("Tinh dầu bưởi", "III", "A"),
    ("Cao dược liệu", "III", "A"),
    ("Nón lá Hà Tĩnh", "IV", "A"),
    ("Mây tre đan", "IV", "A"),
    ("Chổi đót", "IV", "A"),
    ("Cây cảnh bonsai", "V", "A"),
    ("Du lịch cộng đồng Sơn Kim", "VI", "A"),
];

const SURNAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phan", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Dương", "Thái",
];
const MIDDLE: &[&str] = &["Văn", "Thị", "Đình", "Hữu", "Thanh", "Minh", "Quang", "Xuân"];
const GIVEN: &[&str] = &[
    "An", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc", "Sơn", "Tâm",
    "Thảo", "Tuấn", "Vinh",
];

fn person(rng: &mut Rng) -> String {
    format!("{} {} {}", rng.pick(SURNAMES), rng.pick(MIDDLE), rng.pick(GIVEN))
}

/// A Hà Tĩnh (prefix 30) 10-digit tax code with a correct check digit.
fn tax_code(rng: &mut Rng) -> String {
    loop {
        let digits: Vec<u8> = [3, 0].into_iter().chain((0..7).map(|_| rng.below(10) as u8)).collect();
        const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];
        let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| u32::from(*d) * w).sum();
        let check = 10 - (sum % 11);
        if check <= 9 {
            return digits
                .iter()
                .chain([check as u8].iter())
                .map(|d| char::from(b'0' + d))
                .collect();
        }
    }
}

/// A Hà Tĩnh (province code 042) 12-digit personal id.
fn personal_id(rng: &mut Rng) -> String {
    format!(
        "042{}{:02}{:06}",
        rng.below(2),
        60 + rng.below(35),
        rng.below(1_000_000)
    )
}

fn phone(rng: &mut Rng) -> String {
    let prefix = rng.pick(&["91", "94", "98", "97", "86", "35", "39", "88", "83"]);
    format!("+84{prefix}{:07}", rng.below(10_000_000))
}

fn ascii(text: &str) -> String {
    hoicho_projections::fold(text)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

pub(super) fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Ho_Chi_Minh
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn product(rng: &mut Rng, (name, group, _): &(&str, &str, &str), fair_start: NaiveDate) -> Product {
    let roll = rng.below(100);
    let stars = match roll {
        0..=14 => None,
        15..=74 => Some(3),
        75..=95 => Some(4),
        _ => Some(5),
    };
    let expires = stars.map(|_| {
        // A few certificates lapse just before the fair; most run well past it.
        if rng.chance(4) {
            fair_start - Duration::days(3 + rng.below(20) as i64)
        } else {
            fair_start + Duration::days(60 + rng.below(900) as i64)
        }
    });
    Product {
        name: (*name).to_owned(),
        group: (*group).to_owned(),
        subgroup: None,
        stars,
        certificate_no: stars.map(|_| format!("{}/QĐ-UBND", 100 + rng.below(3900))),
        certificate_expires: expires,
    }
}

struct Planned {
    application: Application,
    at: DateTime<Utc>,
}

fn plan(count: usize, fair_start: NaiveDate) -> Vec<Planned> {
    let mut rng = Rng(0x0c0b_2022_a71d);
    let opens = vn(2021, 12, 20, 8, 0);
    let span_minutes = 21 * 24 * 60;
    let mut times: Vec<i64> = (0..count).map(|_| rng.below(span_minutes) as i64).collect();
    times.sort_unstable();
    let mut planned = Vec::with_capacity(count + 1);
    for (i, minutes) in times.into_iter().enumerate() {
        let (district, communes) = *rng.pick(PLACES);
        let commune = *rng.pick(communes);
        let main = *rng.pick(PRODUCTS);
        let roll = rng.below(100);
        let (producer_type, organization) = match roll {
            0..=34 => (
                ProducerType::Htx,
                format!(
                    "HTX {} {}",
                    rng.pick(&["Nông nghiệp", "Dịch vụ nông nghiệp", "Sản xuất và tiêu thụ"]),
                    commune
                ),
            ),
            35..=49 => (
                ProducerType::ToHopTac,
                format!(
                    "Tổ hợp tác {} {}",
                    main.0.split(' ').next().unwrap_or("sản xuất"),
                    commune
                ),
            ),
            50..=84 => (ProducerType::HoKinhDoanh, format!("Hộ kinh doanh {}", person(&mut rng))),
            _ => (
                ProducerType::DoanhNghiep,
                format!(
                    "Công ty TNHH {} {}",
                    rng.pick(&["Thương mại", "Nông sản", "Đặc sản", "Sản xuất"]),
                    district.trim_start_matches("TP ").trim_start_matches("TX ")
                ),
            ),
        };
        let tax_code = match producer_type {
            ProducerType::HoKinhDoanh if rng.chance(50) => None,
            ProducerType::HoKinhDoanh => Some(personal_id(&mut rng)),
            _ => Some(tax_code(&mut rng)),
        };
        let mut products = vec![product(&mut rng, &main, fair_start)];
        if rng.chance(30) {
            let second = *rng.pick(PRODUCTS);
            if second.0 != main.0 {
                products.push(product(&mut rng, &second, fair_start));
            }
        }
        let email = format!(
            "{}{}@example.com",
            ascii(&organization).to_lowercase().chars().take(18).collect::<String>(),
            i + 1
        );
        let count = if rng.chance(12) { 2 } else { 1 };
        let zone = main.2;
        // In the food zone two booths' worth is one double booth; elsewhere two side by side.
        let (count, kind) = match (zone, count) {
            ("D", 2) => (1, Some("double".to_owned())),
            (_, count) => (count, None),
        };
        let preferred = if rng.chance(20) {
            let number = 1 + rng.below(match zone {
                "C" => 16,
                "D" => 18,
                _ => 52,
            });
            vec![BoothCode::new_unchecked(format!("{zone}{number:02}"))]
        } else {
            vec![]
        };
        planned.push(Planned {
            at: opens + Duration::minutes(minutes),
            application: Application {
                organization: organization.nfc().collect(),
                producer_type,
                tax_code,
                representative: person(&mut rng),
                phone: phone(&mut rng),
                email,
                language: if rng.chance(4) { "en".into() } else { "vi".into() },
                address: Address {
                    line: rng.chance(60).then(|| format!("Thôn {}", 1 + rng.below(12))),
                    commune: commune.to_owned(),
                    province: "Hà Tĩnh".into(),
                    legacy_district: Some(district.to_owned()),
                },
                products,
                producers: vec![],
                booth_request: BoothRequest {
                    count,
                    kind,
                    zone: Some(ZoneCode::new_unchecked(zone)),
                    preferred_booths: preferred,
                    needs_power: rng.chance(35),
                    note: None,
                },
            },
        });
    }
    // A commune's delegation bringing three of its producers to share one stand.
    let delegation_producers = vec![
        Producer {
            organization: "HTX Cam Sơn Kim".into(),
            producer_type: ProducerType::Htx,
            tax_code: Some(tax_code(&mut rng)),
            products: vec![product(&mut rng, &PRODUCTS[0], fair_start)],
        },
        Producer {
            organization: format!("Hộ kinh doanh {}", person(&mut rng)),
            producer_type: ProducerType::HoKinhDoanh,
            tax_code: None,
            products: vec![product(&mut rng, &PRODUCTS[10], fair_start)],
        },
        Producer {
            organization: "Tổ hợp tác chè Sơn Tây".into(),
            producer_type: ProducerType::ToHopTac,
            tax_code: Some(tax_code(&mut rng)),
            products: vec![product(&mut rng, &PRODUCTS[14], fair_start)],
        },
    ];
    planned.push(Planned {
        at: vn(2022, 1, 5, 9, 30),
        application: Application {
            organization: "UBND huyện Hương Sơn (đoàn các cơ sở OCOP)".into(),
            producer_type: ProducerType::Doan,
            tax_code: None,
            representative: person(&mut rng),
            phone: phone(&mut rng),
            email: "ocop.huongson@example.com".into(),
            language: "vi".into(),
            address: Address {
                line: None,
                commune: "Sơn Tây".into(),
                province: "Hà Tĩnh".into(),
                legacy_district: Some("Hương Sơn".into()),
            },
            products: vec![],
            producers: delegation_producers,
            booth_request: BoothRequest {
                count: 2,
                kind: None,
                zone: Some(ZoneCode::new_unchecked("A")),
                preferred_booths: vec![],
                needs_power: true,
                note: Some("Xin bố trí hai gian liền kề".into()),
            },
        },
    });
    planned.sort_by_key(|p| p.at);
    planned
}

/// Submits the applications and decides most of them, as the organizers did in the week
/// after applications closed. Returns the private token of the first application, for the
/// demo's start-up message.
pub async fn load(state: &AppState, fair: &FairId, fair_start: NaiveDate) -> anyhow::Result<String> {
    let planned = plan(149, fair_start);
    let mut rng = Rng(0x5eed_0fde_c15e);
    let organizer = Actor::System {
        component: "demo".into(),
    };
    let mut first_token = None;
    let mut booths_left: i64 = 96;
    for (i, p) in planned.into_iter().enumerate() {
        let id = RegistrationId(uuid::Uuid::now_v7());
        let token = crate::auth::access_token(&state.secret, &id);
        let ctx = CommandContext::new(Actor::Public, p.at);
        let requested = p.application.booth_request.count;
        let submit = RegistrationCommand::Submit {
            registration_id: id,
            fair_id: fair.clone(),
            application: p.application,
            token_hash: crate::auth::token_hash(&token),
            at: p.at,
            by: By::Public,
            registration_open: true,
        };
        service::registrations::run(state, &ctx, &id, None, &submit).await?;
        first_token.get_or_insert(token);

        let decided_at = vn(
            2022,
            1,
            11 + (i % 4) as u32,
            8 + rng.below(9) as u32,
            rng.below(60) as u32,
        );
        let roll = rng.below(100);
        let decision = if roll < 5 {
            Some(RegistrationCommand::Withdraw {
                reason: Some("Không thu xếp được người trông gian hàng".into()),
            })
        } else if roll < 10 {
            Some(RegistrationCommand::Reject {
                reason: "Sản phẩm chưa đáp ứng tiêu chí trưng bày của hội chợ".into(),
            })
        } else if roll < 80 && booths_left >= i64::from(requested) {
            booths_left -= i64::from(requested);
            Some(RegistrationCommand::Approve { booths: requested })
        } else if roll < 92 {
            Some(RegistrationCommand::Waitlist {
                note: Some("Chờ gian hàng trống".into()),
            })
        } else {
            None
        };
        if let Some(decision) = decision {
            let actor = if matches!(decision, RegistrationCommand::Withdraw { .. }) {
                Actor::Exhibitor {
                    registration_id: id.to_string(),
                }
            } else {
                organizer.clone()
            };
            let ctx = CommandContext::new(actor, decided_at);
            service::registrations::run(state, &ctx, &id, None, &decision).await?;
        }
    }
    Ok(first_token.unwrap_or_default())
}

/// The next edition's applications, a few days into its registration: the same producers
/// as in 2022 come back, submitted over the last days before `now`; some approved, one
/// waitlisted, the rest waiting for review. Returns the approved ones, in submission order,
/// and the private token of the first application.
pub async fn load_next(
    state: &AppState,
    fair: &FairId,
    fair_start: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<(Vec<RegistrationId>, String)> {
    let returning: Vec<Planned> = plan(149, fair_start)
        .into_iter()
        .filter(|p| p.application.booth_request.count == 1)
        .take(24)
        .collect();
    let mut rng = Rng(0x0e0d_2027_a71d);
    let organizer = Actor::System {
        component: "demo".into(),
    };
    let mut approved = Vec::new();
    let mut first_token = None;
    for (i, p) in returning.into_iter().enumerate() {
        let id = RegistrationId(uuid::Uuid::now_v7());
        let token = crate::auth::access_token(&state.secret, &id);
        // Spread over the three days before now, oldest first.
        let at = now - Duration::minutes(((24 - i) * 170 + rng.below(60)) as i64);
        let submit = RegistrationCommand::Submit {
            registration_id: id,
            fair_id: fair.clone(),
            application: p.application,
            token_hash: crate::auth::token_hash(&token),
            at,
            by: By::Public,
            registration_open: true,
        };
        service::registrations::run(state, &CommandContext::new(Actor::Public, at), &id, None, &submit).await?;
        first_token.get_or_insert(token);
        // The oldest ten are decided: nine approved, one waitlisted.
        let decision = match i {
            0..=8 => Some(RegistrationCommand::Approve { booths: 1 }),
            9 => Some(RegistrationCommand::Waitlist {
                note: Some("Chờ gian hàng trống ở khu nông sản".into()),
            }),
            _ => None,
        };
        if let Some(decision) = decision {
            let ctx = CommandContext::new(organizer.clone(), at + Duration::minutes(90));
            service::registrations::run(state, &ctx, &id, None, &decision).await?;
            if i <= 8 {
                approved.push(id);
            }
        }
    }
    Ok((approved, first_token.unwrap_or_default()))
}
