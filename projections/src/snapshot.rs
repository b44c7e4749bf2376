//! The projections' state as bytes, and back: what a checkpoint stores, so a start reads it
//! and replays only the log after it.
//!
//! MessagePack with named fields for the state as a whole — self-describing, so the events'
//! optional fields, flattened structs and tagged enums read back as they were written — and a
//! compact form of fixed fields for the two parts that grow with every event: sales entries
//! and idempotency keys (a million of either decode in tens of milliseconds, where named
//! fields and RFC 3339 times would take seconds). The bytes carry no header: the caller
//! frames them with the [`FINGERPRINT`], the position and a checksum.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::de::{Error as _, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::{BoothStatus, BoothView, FairView, Fairs, Idempotency, IdempotentWrite, Projections, SaleEntryView};

/// A digest of the code that gives the state its shape (this crate's and the events crate's
/// sources, and the lock file): a snapshot made by other code is not read.
pub const FINGERPRINT: &str = env!("HOICHO_PROJECTIONS_FINGERPRINT");

/// Why bytes could not be read back as projections.
#[derive(Debug)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

impl Projections {
    /// The state as bytes: the length of the first section, then [`Projections::encode_sections`].
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![0; 8];
        let (state, _) = self.encode_sections(&mut out);
        out[..8].copy_from_slice(&(state as u64).to_le_bytes());
        out
    }

    /// Appends the state to `out` in two sections — everything but the idempotency keys,
    /// then the keys — and returns their lengths. `out` is reserved first for about their
    /// size, so it is not grown and copied again and again.
    pub fn encode_sections(&self, out: &mut Vec<u8>) -> (usize, usize) {
        out.reserve(self.encoded_size_estimate());
        let start = out.len();
        rmp_serde::encode::write_named(out, self)
            .expect("the projections encode: every map key and value is plain data");
        let state = out.len() - start;
        let mut keys = Out(std::mem::take(out));
        self.idempotency.write(&mut keys);
        *out = keys.0;
        (state, out.len() - start - state)
    }

    /// About the size of the encoded state: the parts that grow with the log, and a margin.
    fn encoded_size_estimate(&self) -> usize {
        let entries: usize = self
            .sales
            .by_fair
            .values()
            .flat_map(|f| f.registrations.values())
            .map(|r| r.entries.len())
            .sum();
        (1 << 20) + entries * 56 + self.idempotency.writes.len() * 80
    }

    /// The state [`Projections::encode`] wrote, equal to it. The keys are read on a thread
    /// of their own meanwhile.
    pub fn decode(bytes: &[u8]) -> Result<Projections, DecodeError> {
        let mut r = In(bytes);
        let length = r.u64().map_err(DecodeError)? as usize;
        if length > r.0.len() {
            return Err(DecodeError("the state is cut short".into()));
        }
        let (state, keys) = r.0.split_at(length);
        std::thread::scope(|scope| {
            let keys = scope.spawn(|| Idempotency::decode(keys));
            let state = Projections::decode_state(state);
            let keys = keys
                .join()
                .unwrap_or_else(|_| Err(DecodeError("reading the keys failed".into())));
            Ok(Projections {
                idempotency: keys?,
                ..state?
            })
        })
    }

    /// The first section [`Projections::encode_sections`] wrote: the state but its keys.
    pub fn decode_state(bytes: &[u8]) -> Result<Projections, DecodeError> {
        rmp_serde::from_slice(bytes).map_err(|e| DecodeError(e.to_string()))
    }
}

impl Idempotency {
    /// The second section [`Projections::encode_sections`] wrote: the keys, their index made
    /// again as they are read.
    pub fn decode(bytes: &[u8]) -> Result<Idempotency, DecodeError> {
        Idempotency::read(bytes).map_err(DecodeError)
    }
}

/// Fixed-width little-endian fields into a buffer.
struct Out(Vec<u8>);

impl Out {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, v: &[u8]) {
        self.0.extend_from_slice(v);
    }
    fn time(&mut self, t: &DateTime<Utc>) {
        self.i64(t.timestamp());
        self.u32(t.timestamp_subsec_nanos());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.bytes(s.as_bytes());
    }
    fn opt_str(&mut self, s: &Option<String>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }
}

/// Reads what [`Out`] wrote; every read checks the length left.
struct In<'a>(&'a [u8]);

impl<'a> In<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("the snapshot ends inside a field".into());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn i64(&mut self) -> Result<i64, String> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    fn time(&mut self) -> Result<DateTime<Utc>, String> {
        let secs = self.i64()?;
        let nanos = self.u32()?;
        DateTime::from_timestamp(secs, nanos).ok_or_else(|| "a time out of range".to_string())
    }
    fn string(&mut self) -> Result<String, String> {
        let len = self.u32()? as usize;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| "a text that is not UTF-8".to_string())
    }
    fn opt_str(&mut self) -> Result<Option<String>, String> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.string().map(Some),
            _ => Err("a bad option tag".into()),
        }
    }
    fn bool(&mut self) -> Result<bool, String> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err("a bad flag".into()),
        }
    }
}

/// Takes a MessagePack binary, borrowed from the input where it can be.
struct Blob;

impl<'de> Visitor<'de> for Blob {
    type Value = std::borrow::Cow<'de, [u8]>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("bytes")
    }
    fn visit_borrowed_bytes<E: serde::de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        Ok(v.to_vec().into())
    }
    fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
        Ok(v.into())
    }
}

/// A registration's sales entries: a count, then each entry's fields in a fixed order.
pub(crate) mod sale_entries {
    use super::*;

    pub fn serialize<S: Serializer>(entries: &[SaleEntryView], s: S) -> Result<S::Ok, S::Error> {
        let mut out = Out(Vec::with_capacity(8 + entries.len() * 48));
        out.u64(entries.len() as u64);
        for e in entries {
            out.bytes(e.entry_id.as_bytes());
            out.i64(i64::from(e.day.num_days_from_ce()));
            out.i64(e.amount_vnd);
            match e.transactions {
                None => out.u8(0),
                Some(n) => {
                    out.u8(1);
                    out.u32(n);
                }
            }
            out.opt_str(&e.producer);
            out.opt_str(&e.note);
            out.time(&e.recorded_at);
            out.opt_str(&e.voided);
            out.u8(u8::from(e.counted));
        }
        s.serialize_bytes(&out.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SaleEntryView>, D::Error> {
        let blob = d.deserialize_bytes(Blob)?;
        read(&blob).map_err(D::Error::custom)
    }

    fn read(bytes: &[u8]) -> Result<Vec<SaleEntryView>, String> {
        let mut r = In(bytes);
        let count = r.u64()? as usize;
        // An entry takes at least 44 bytes: a count larger than the bytes allow is damage.
        if count > bytes.len() / 44 {
            return Err("more sales entries than the snapshot holds".into());
        }
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            let entry_id = Uuid::from_bytes(r.array()?);
            let days = i32::try_from(r.i64()?).map_err(|_| "a day out of range")?;
            let day = NaiveDate::from_num_days_from_ce_opt(days).ok_or("a day out of range")?;
            let amount_vnd = r.i64()?;
            let transactions = match r.u8()? {
                0 => None,
                1 => Some(r.u32()?),
                _ => return Err("a bad option tag".into()),
            };
            entries.push(SaleEntryView {
                entry_id,
                day,
                amount_vnd,
                transactions,
                producer: r.opt_str()?,
                note: r.opt_str()?,
                recorded_at: r.time()?,
                voided: r.opt_str()?,
                counted: r.bool()?,
            });
        }
        Ok(entries)
    }
}

/// The keys remembered, as the streams they name and then each write in log order; the index
/// is made again from them, as the live fold leaves it (the newest write of a key).
impl Idempotency {
    fn write(&self, out: &mut Out) {
        let mut streams: Vec<&Arc<str>> = self.streams.iter().collect();
        streams.sort();
        let number: HashMap<&str, u32> = streams.iter().enumerate().map(|(i, s)| (&***s, i as u32)).collect();
        out.u64(self.first);
        out.u32(streams.len() as u32);
        for stream in &streams {
            out.str(stream);
        }
        out.u64(self.writes.len() as u64);
        for (id, w) in &self.writes {
            out.bytes(id);
            out.bytes(&w.request);
            out.u32(number[&*w.stream]);
            out.u64(w.first_version);
            out.u64(w.last_version);
            out.u64(w.position);
            out.time(&w.recorded_at);
        }
    }
}

impl Idempotency {
    fn read(bytes: &[u8]) -> Result<Idempotency, String> {
        let mut r = In(bytes);
        let first = r.u64()?;
        let stream_count = r.u32()? as usize;
        if stream_count > bytes.len() / 4 {
            return Err("more streams than the snapshot holds".into());
        }
        let mut numbered = Vec::with_capacity(stream_count);
        for _ in 0..stream_count {
            numbered.push(Arc::<str>::from(r.string()?));
        }
        let count = r.u64()? as usize;
        if count > bytes.len() / 72 {
            return Err("more keys than the snapshot holds".into());
        }
        let mut writes = VecDeque::with_capacity(count);
        let mut index = HashMap::with_capacity_and_hasher(count, Default::default());
        for seq in 0..count as u64 {
            let id: [u8; 16] = r.array()?;
            let request = r.array()?;
            let stream = numbered.get(r.u32()? as usize).ok_or("a key names no stream")?.clone();
            let write = IdempotentWrite {
                request,
                stream,
                first_version: r.u64()?,
                last_version: r.u64()?,
                position: r.u64()?,
                recorded_at: r.time()?,
            };
            index.insert(id, first + seq);
            writes.push_back((id, write));
        }
        Ok(Idempotency {
            writes,
            first,
            index,
            streams: numbered.into_iter().collect::<HashSet<_>>(),
        })
    }
}

/// A fair as the snapshot keeps it: every field, where the API's form of [`FairView`] leaves
/// the internal ones out.
#[derive(Serialize, Deserialize)]
struct FairRecord {
    view: FairView,
    booths: Vec<(hoicho_events::BoothCode, BoothRecord)>,
    holdings: Vec<(hoicho_events::RegistrationId, Vec<hoicho_events::BoothCode>)>,
    details_changed: (DateTime<Utc>, Option<hoicho_events::Actor>),
    plan_changed: Option<(DateTime<Utc>, hoicho_events::Actor)>,
}

#[derive(Serialize, Deserialize)]
struct BoothRecord {
    booth: hoicho_events::Booth,
    status: BoothStatus,
    holder: Option<hoicho_events::RegistrationId>,
    blocked_reason: Option<String>,
}

impl Serialize for Fairs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let records: Vec<FairRecord> = self.by_id.values().map(FairRecord::from).collect();
        records.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Fairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let records = Vec::<FairRecord>::deserialize(d)?;
        Ok(Fairs {
            by_id: records
                .into_iter()
                .map(|r| {
                    let view = FairView::from(r);
                    (view.id.clone(), view)
                })
                .collect(),
        })
    }
}

impl From<&FairView> for FairRecord {
    fn from(f: &FairView) -> Self {
        FairRecord {
            view: FairView {
                booths: Default::default(),
                holdings: Default::default(),
                ..f.clone()
            },
            booths: f
                .booths
                .iter()
                .map(|(code, b)| {
                    let record = BoothRecord {
                        booth: b.booth.clone(),
                        status: b.status,
                        holder: b.holder,
                        blocked_reason: b.blocked_reason.clone(),
                    };
                    (code.clone(), record)
                })
                .collect(),
            holdings: f
                .holdings
                .iter()
                .map(|(r, codes)| (*r, codes.iter().cloned().collect()))
                .collect(),
            details_changed: f.details_changed.clone(),
            plan_changed: f.plan_changed.clone(),
        }
    }
}

impl From<FairRecord> for FairView {
    fn from(r: FairRecord) -> Self {
        FairView {
            booths: r
                .booths
                .into_iter()
                .map(|(code, b)| {
                    let view = BoothView {
                        booth: b.booth,
                        status: b.status,
                        holder: b.holder,
                        blocked_reason: b.blocked_reason,
                    };
                    (code, view)
                })
                .collect(),
            holdings: r
                .holdings
                .into_iter()
                .map(|(reg, codes)| (reg, codes.into_iter().collect()))
                .collect(),
            details_changed: r.details_changed,
            plan_changed: r.plan_changed,
            ..r.view
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoicho_events::{Actor, Envelope, Event, FairId, IdempotencyMark, Metadata, RegistrationId, SaleRecorded};

    /// A state with sales entries (some with notes and producers) and idempotency keys.
    fn state() -> Projections {
        let t0 = DateTime::parse_from_rfc3339("2026-01-21T08:00:00.123456789Z")
            .unwrap()
            .to_utc();
        let registration = RegistrationId(Uuid::now_v7());
        let mut p = Projections::default();
        for n in 1..=40u64 {
            let mut metadata = Metadata::by(Actor::Public);
            metadata.idempotency = Some(IdempotencyMark {
                principal: "registration:x".into(),
                key: format!("k{}", n % 30),
                request_hash: format!("h{n}"),
            });
            p.apply(&Envelope {
                event_id: Uuid::now_v7(),
                stream: format!("sales-{}", n % 3),
                version: n,
                position: n,
                schema_version: 1,
                recorded_at: t0 + chrono::Duration::minutes(n as i64),
                metadata,
                event: Event::SaleRecorded(SaleRecorded {
                    entry_id: Uuid::now_v7(),
                    fair_id: FairId::new_unchecked("ht2026"),
                    registration_id: registration,
                    day: NaiveDate::from_ymd_opt(2026, 1, 21 + (n % 3) as u32).unwrap(),
                    amount_vnd: 10_000 * n as i64,
                    transactions: (n % 2 == 0).then_some(n as u32),
                    producer: (n % 5 == 0).then(|| "Tổ sản xuất số 1".into()),
                    note: (n % 7 == 0).then(|| "Cam bù Hương Sơn".into()),
                }),
            });
        }
        p
    }

    #[test]
    fn the_state_reads_back_as_it_was_written() {
        let p = state();
        assert_eq!(p.sales.by_fair.values().next().unwrap().entries, 40);
        assert_eq!(p.idempotency.len(), 30);
        assert_eq!(Projections::decode(&p.encode()).unwrap(), p);
    }

    #[test]
    fn damaged_bytes_are_an_error_never_a_panic() {
        let bytes = state().encode();
        for cut in 0..bytes.len() {
            assert!(Projections::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0xa5;
            // May read back (a changed amount is still an amount); must not panic.
            let _ = Projections::decode(&damaged);
        }
    }
}
