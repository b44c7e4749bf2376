//! The contract every backend keeps, written once. A backend's test file calls
//! [`crate::store_conformance_tests!`] with a function that makes a fresh, empty store.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use hoicho_events::NewEvent;
use uuid::Uuid;

use super::{EventStore, ExpectedVersion, StoreError, Subscription};

mod chain;
pub use chain::every_event_is_linked_in_commit_order;

/// A fresh store and whatever keeps it alive (a temporary directory, a database).
pub struct TestStore {
    pub store: Arc<dyn EventStore>,
    pub guard: Box<dyn std::any::Any + Send>,
}

/// Expands to one `#[tokio::test]` per rule of the contract. `core:` leaves out the two rules
/// EventStoreDB cannot keep (ADR 010): positions numbered 1, 2, 3… and event ids unique across
/// streams.
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!(core: $make);
        $crate::store_conformance_tests!(@each #[cfg(all())] $make;
            an_event_id_reused_elsewhere_is_refused,
            positions_are_consecutive_from_one,
            a_guarded_append_commits_only_while_its_guard_holds,
            every_event_is_linked_in_commit_order,
        );
    };
    (core: $make:expr) => {
        $crate::store_conformance_tests!(core, #[cfg(all())], $make);
    };
    // `#[$attr]` goes on every test: `#[ignore = "why"]` for a suite that needs a server
    // this machine may not have.
    (core, #[$attr:meta], $make:expr) => {
        $crate::store_conformance_tests!(@each #[$attr] $make;
            appends_to_a_new_stream_and_reads_it_back,
            expected_version_mismatches_are_typed_conflicts,
            reappending_the_same_event_ids_returns_the_first_result_and_writes_nothing,
            a_rejected_multi_event_append_writes_none_of_them,
            read_all_is_in_global_order_and_pages,
            read_stream_starts_at_a_version,
            a_subscription_catches_up_then_goes_live,
            many_concurrent_writers_lose_and_duplicate_nothing,
            contested_stream_writers_with_retries_all_land_once,
            data_and_metadata_come_back_byte_for_byte,
            decoded_reads_are_the_log_decoded,
        );
    };
    (@each #[$attr:meta] $make:expr; $($case:ident),+ $(,)?) => {
        $(
            #[$attr]
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let store: $crate::store::conformance::TestStore = ($make)().await;
                $crate::store::conformance::$case(store.store.clone()).await;
                drop(store);
            }
        )+
    };
}

/// An event of type `Test` whose data says which writer wrote it.
pub fn event(n: u64) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: "Test".into(),
        schema_version: 1,
        recorded_at: Utc::now(),
        metadata: r#"{"actor":{"kind":"public"},"correlation_id":"0190f5a4-0000-7000-8000-000000000000"}"#.into(),
        data: format!(r#"{{"n":{n}}}"#),
    }
}

/// Every position in the log, in order. Positions rise but need not be consecutive (an
/// EventStoreDB position is where the event sits in its transaction file); that no event is
/// skipped is checked against this list.
pub async fn positions(store: &dyn EventStore) -> Vec<u64> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let batch = store.read_all(after, 1_000).await.expect("read the log");
        let Some(last) = batch.last() else { return all };
        after = last.position;
        all.extend(batch.iter().map(|e| e.position));
    }
}

pub async fn appends_to_a_new_stream_and_reads_it_back(store: Arc<dyn EventStore>) {
    let first = store
        .append("s-1", ExpectedVersion::NoStream, vec![event(1), event(2)])
        .await
        .expect("append to a new stream");
    assert_eq!(first.version, 2);
    let second = store
        .append("s-1", ExpectedVersion::Exact(2), vec![event(3)])
        .await
        .expect("append at the right version");
    assert_eq!(second.version, 3);
    let read = store.read_stream("s-1", 1, 100).await.unwrap();
    let versions: Vec<u64> = read.iter().map(|e| e.version).collect();
    assert_eq!(versions, vec![1, 2, 3]);
    assert!(read.iter().all(|e| e.stream == "s-1"));
    let all = positions(&*store).await;
    assert_eq!(all.len(), 3);
    assert_eq!((first.position, second.position), (all[1], all[2]));
    assert_eq!(read.iter().map(|e| e.position).collect::<Vec<_>>(), all);
    assert_eq!(store.head().await.unwrap(), all[2]);
    assert!(store.read_stream("nothing-here", 1, 10).await.unwrap().is_empty());
}

pub async fn expected_version_mismatches_are_typed_conflicts(store: Arc<dyn EventStore>) {
    store
        .append("s", ExpectedVersion::NoStream, vec![event(1)])
        .await
        .unwrap();
    let again = store.append("s", ExpectedVersion::NoStream, vec![event(2)]).await;
    assert!(
        matches!(again, Err(StoreError::Conflict { actual: 1, .. })),
        "{again:?}"
    );
    let stale = store.append("s", ExpectedVersion::Exact(0), vec![event(2)]).await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { actual: 1, .. })),
        "{stale:?}"
    );
    let ahead = store.append("s", ExpectedVersion::Exact(5), vec![event(2)]).await;
    assert!(matches!(ahead, Err(StoreError::Conflict { .. })), "{ahead:?}");
    let missing = store.append("other", ExpectedVersion::Exact(1), vec![event(2)]).await;
    assert!(
        matches!(missing, Err(StoreError::Conflict { actual: 0, .. })),
        "{missing:?}"
    );
    let any = store.append("s", ExpectedVersion::Any, vec![event(2)]).await.unwrap();
    assert_eq!(any.version, 2);
    assert_eq!(positions(&*store).await.len(), 2, "conflicts wrote nothing");
    assert_eq!(store.head().await.unwrap(), any.position);
}

pub async fn reappending_the_same_event_ids_returns_the_first_result_and_writes_nothing(store: Arc<dyn EventStore>) {
    let batch = vec![event(1), event(2)];
    let first = store
        .append("s", ExpectedVersion::NoStream, batch.clone())
        .await
        .unwrap();
    store
        .append("t", ExpectedVersion::NoStream, vec![event(3)])
        .await
        .unwrap();
    // A retry of the first append, even with an expectation that is now stale.
    let retry = store
        .append("s", ExpectedVersion::NoStream, batch.clone())
        .await
        .unwrap();
    assert_eq!(retry, first);
    let retry_any = store.append("s", ExpectedVersion::Any, batch).await.unwrap();
    assert_eq!(retry_any, first);
    assert_eq!(positions(&*store).await.len(), 3);
    assert_eq!(store.read_stream("s", 1, 10).await.unwrap().len(), 2);
}

pub async fn an_event_id_reused_elsewhere_is_refused(store: Arc<dyn EventStore>) {
    let e = event(1);
    store.append("s", ExpectedVersion::Any, vec![e.clone()]).await.unwrap();
    let elsewhere = store.append("t", ExpectedVersion::Any, vec![e.clone()]).await;
    assert!(
        matches!(elsewhere, Err(StoreError::EventIdReused(id)) if id == e.event_id),
        "{elsewhere:?}"
    );
    let mixed = store.append("s", ExpectedVersion::Any, vec![e.clone(), event(2)]).await;
    assert!(matches!(mixed, Err(StoreError::EventIdReused(_))), "{mixed:?}");
    let new_then_old = store.append("s", ExpectedVersion::Any, vec![event(3), e]).await;
    assert!(
        matches!(new_then_old, Err(StoreError::EventIdReused(_))),
        "{new_then_old:?}"
    );
    assert_eq!(positions(&*store).await.len(), 1, "nothing else was written");
}

/// Guards (ADR 007): an append that names another stream's version commits only while that
/// stream is there, in the commit order — under a race too.
pub async fn a_guarded_append_commits_only_while_its_guard_holds(store: Arc<dyn EventStore>) {
    use crate::store::Guard;
    let guard = |v: u64| {
        vec![Guard {
            stream: "registration".into(),
            expected: ExpectedVersion::Exact(v),
        }]
    };
    store
        .append("registration", ExpectedVersion::NoStream, vec![event(1)])
        .await
        .unwrap();
    let first = vec![event(2)];
    let done = store
        .append_guarded("fair", ExpectedVersion::NoStream, first.clone(), guard(1))
        .await
        .unwrap();
    store
        .append("registration", ExpectedVersion::Exact(1), vec![event(3)])
        .await
        .unwrap();
    let before = positions(&*store).await.len();
    let refused = store
        .append_guarded("fair", ExpectedVersion::Exact(1), vec![event(4)], guard(1))
        .await;
    assert!(
        matches!(&refused, Err(StoreError::Conflict { stream, actual: 2, .. }) if stream == "registration"),
        "{refused:?}"
    );
    assert_eq!(positions(&*store).await.len(), before, "a refused guard wrote nothing");
    let retried = store
        .append_guarded("fair", ExpectedVersion::NoStream, first, guard(1))
        .await
        .unwrap();
    assert_eq!(
        retried, done,
        "a retry of a guarded append that committed gets its first result"
    );

    // Guarded appends racing the guard's stream: none commits after the stream moved on.
    let mut tasks = Vec::new();
    for n in 0..32u64 {
        let racer = store.clone();
        tasks.push(tokio::spawn(async move {
            racer
                .append_guarded(
                    &format!("fair-{n}"),
                    ExpectedVersion::NoStream,
                    vec![event(100 + n)],
                    guard(2),
                )
                .await
        }));
        if n == 16 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .append("registration", ExpectedVersion::Exact(2), vec![event(99)])
                    .await
            }));
        }
    }
    let mut committed = Vec::new();
    let mut moved = None;
    for task in tasks {
        match task.await.unwrap() {
            Ok(done) if done.version == 3 && moved.is_none() => moved = Some(done.position),
            Ok(done) => committed.push(done.position),
            Err(StoreError::Conflict { stream, .. }) => assert_eq!(stream, "registration"),
            Err(other) => panic!("{other:?}"),
        }
    }
    let moved = moved.expect("the guard's stream moved on");
    assert!(
        committed.iter().all(|p| *p < moved),
        "a guarded append committed after {moved}: {committed:?}"
    );
}

pub async fn positions_are_consecutive_from_one(store: Arc<dyn EventStore>) {
    let first = store
        .append("s", ExpectedVersion::NoStream, vec![event(1), event(2)])
        .await
        .unwrap();
    assert_eq!(first.position, 2);
    let refused = store.append("s", ExpectedVersion::NoStream, vec![event(3)]).await;
    assert!(refused.is_err());
    let next = store.append("t", ExpectedVersion::Any, vec![event(4)]).await.unwrap();
    assert_eq!(next.position, 3, "a refused append leaves no hole");
    assert_eq!(positions(&*store).await, vec![1, 2, 3]);
    assert_eq!(store.head().await.unwrap(), 3);
}

pub async fn a_rejected_multi_event_append_writes_none_of_them(store: Arc<dyn EventStore>) {
    store
        .append("s", ExpectedVersion::NoStream, vec![event(1)])
        .await
        .unwrap();
    let conflict = store
        .append("s", ExpectedVersion::NoStream, vec![event(2), event(3), event(4)])
        .await;
    assert!(conflict.is_err());
    assert_eq!(positions(&*store).await.len(), 1);
    assert_eq!(store.read_stream("s", 1, 10).await.unwrap().len(), 1);
    let ok = store
        .append("s", ExpectedVersion::Exact(1), vec![event(2), event(3), event(4)])
        .await
        .unwrap();
    let all = positions(&*store).await;
    assert_eq!(all.len(), 4, "positions continue without a gap");
    assert_eq!((ok.version, ok.position), (4, all[3]));
}

pub async fn read_all_is_in_global_order_and_pages(store: Arc<dyn EventStore>) {
    for i in 0..25u64 {
        let stream = format!("s-{}", i % 4);
        store
            .append(&stream, ExpectedVersion::Any, vec![event(i)])
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = store.read_all(after, 7).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 7);
        after = page.last().unwrap().position;
        seen.extend(page);
    }
    assert_eq!(seen.len(), 25);
    assert!(seen.windows(2).all(|w| w[0].position < w[1].position), "positions rise");
    let data: Vec<String> = seen.iter().map(|e| e.data.clone()).collect();
    let expected: Vec<String> = (0..25).map(|i| format!(r#"{{"n":{i}}}"#)).collect();
    assert_eq!(data, expected, "global order is append order");
    assert!(store.read_all(after, 10).await.unwrap().is_empty());
}

pub async fn read_stream_starts_at_a_version(store: Arc<dyn EventStore>) {
    let batch: Vec<_> = (1..=10).map(event).collect();
    store.append("s", ExpectedVersion::NoStream, batch).await.unwrap();
    let tail = store.read_stream("s", 8, 100).await.unwrap();
    assert_eq!(tail.iter().map(|e| e.version).collect::<Vec<_>>(), vec![8, 9, 10]);
    let window = store.read_stream("s", 3, 2).await.unwrap();
    assert_eq!(window.iter().map(|e| e.version).collect::<Vec<_>>(), vec![3, 4]);
}

pub async fn a_subscription_catches_up_then_goes_live(store: Arc<dyn EventStore>) {
    for i in 0..5 {
        store.append("s", ExpectedVersion::Any, vec![event(i)]).await.unwrap();
    }
    let before = positions(&*store).await;
    let mut sub = Subscription::new(store.clone(), before[1]);
    let caught_up = sub.next_batch().await.unwrap();
    assert_eq!(
        caught_up.iter().map(|e| e.position).collect::<Vec<_>>(),
        before[2..].to_vec()
    );
    let writer = store.clone();
    let live = tokio::spawn(async move {
        for i in 5..45 {
            writer
                .append("live", ExpectedVersion::Any, vec![event(i)])
                .await
                .unwrap();
            if i % 10 == 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    });
    let mut positions = Vec::new();
    while positions.len() < 40 {
        let batch = tokio::time::timeout(Duration::from_secs(10), sub.next_batch())
            .await
            .expect("live events arrive")
            .unwrap();
        positions.extend(batch.iter().map(|e| e.position));
    }
    live.await.unwrap();
    let all = self::positions(&*store).await;
    assert_eq!(positions, all[5..].to_vec(), "every event once, in order");
    assert_eq!(sub.position(), all[44]);
}

pub async fn many_concurrent_writers_lose_and_duplicate_nothing(store: Arc<dyn EventStore>) {
    let writers = 64u64;
    let each = 10u64;
    // A follower reading the whole time must see the same gap-free sequence.
    let mut follower = Subscription::new(store.clone(), 0);
    let follow = tokio::spawn(async move {
        let mut positions = Vec::new();
        while positions.len() < (writers * each) as usize {
            let batch = tokio::time::timeout(Duration::from_secs(30), follower.next_batch())
                .await
                .expect("the follower keeps up")
                .unwrap();
            positions.extend(batch.iter().map(|e| e.position));
        }
        positions
    });
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let stream = format!("writer-{w}");
            for i in 0..each {
                let expected = if i == 0 {
                    ExpectedVersion::NoStream
                } else {
                    ExpectedVersion::Exact(i)
                };
                // Half of them as background appends, which may wait behind the others.
                let events = vec![event(w * 1000 + i)];
                if w % 2 == 1 {
                    store.append_background(&stream, expected, events).await.unwrap();
                } else {
                    store.append(&stream, expected, events).await.unwrap();
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let total = writers * each;
    let all = store.read_all(0, 100_000).await.unwrap();
    assert_eq!(all.len() as u64, total);
    assert_eq!(store.head().await.unwrap(), all.last().unwrap().position);
    let ids: HashSet<_> = all.iter().map(|e| e.event_id).collect();
    assert_eq!(ids.len() as u64, total, "no event twice");
    let in_order: Vec<u64> = all.iter().map(|e| e.position).collect();
    assert!(in_order.windows(2).all(|w| w[0] < w[1]), "positions rise");
    for w in 0..writers {
        let stream = store.read_stream(&format!("writer-{w}"), 1, 100).await.unwrap();
        assert_eq!(
            stream.iter().map(|e| e.version).collect::<Vec<_>>(),
            (1..=each).collect::<Vec<_>>()
        );
    }
    let followed = follow.await.unwrap();
    assert_eq!(followed, in_order, "the follower saw every event once, in order");
}

pub async fn contested_stream_writers_with_retries_all_land_once(store: Arc<dyn EventStore>) {
    let writers = 16u64;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let e = event(w);
            let mut conflicts = 0;
            loop {
                let current = store.read_stream("contested", 1, 1_000).await.unwrap().len() as u64;
                let expected = if current == 0 {
                    ExpectedVersion::NoStream
                } else {
                    ExpectedVersion::Exact(current)
                };
                let appended = if w % 2 == 1 {
                    store.append_background("contested", expected, vec![e.clone()]).await
                } else {
                    store.append("contested", expected, vec![e.clone()]).await
                };
                match appended {
                    Ok(_) => return conflicts,
                    Err(StoreError::Conflict { .. }) => conflicts += 1,
                    Err(other) => panic!("unexpected {other:?}"),
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let events = store.read_stream("contested", 1, 1_000).await.unwrap();
    assert_eq!(events.len() as u64, writers);
    let mut data: Vec<String> = events.iter().map(|e| e.data.clone()).collect();
    data.sort();
    data.dedup();
    assert_eq!(data.len() as u64, writers, "each writer's event exactly once");
}

pub async fn data_and_metadata_come_back_byte_for_byte(store: Arc<dyn EventStore>) {
    let mut e = event(1);
    e.data = r#"{"name":"Nước mắm Cửa Hội","note":"<b>\"ngon\"</b>","amount":1250000}"#.into();
    e.event_type = "Sample".into();
    e.schema_version = 3;
    let recorded_at = e.recorded_at;
    store
        .append("vi", ExpectedVersion::NoStream, vec![e.clone()])
        .await
        .unwrap();
    let back = store.read_all(0, 1).await.unwrap().remove(0);
    assert_eq!(back.event_id, e.event_id);
    assert_eq!(back.data, e.data);
    assert_eq!(back.metadata, e.metadata);
    assert_eq!(back.event_type, "Sample");
    assert_eq!(back.schema_version, 3);
    assert_eq!(back.recorded_at.timestamp_micros(), recorded_at.timestamp_micros());
}

/// A domain event the projections decode: a booth on a fair's plan.
pub fn booth(n: u64) -> NewEvent {
    let event = hoicho_events::Event::BoothDefined(hoicho_events::BoothDefined {
        fair_id: hoicho_events::FairId::new_unchecked("f"),
        booth: hoicho_events::Booth {
            code: hoicho_events::BoothCode::new_unchecked(format!("A{n:03}")),
            zone: hoicho_events::ZoneCode::new_unchecked("A"),
            kind: "standard".into(),
            width_m: 3.0,
            depth_m: 3.0,
            price_vnd: 3_000_000,
            x: n as f64,
            y: 0.0,
            power: false,
        },
    });
    let metadata = hoicho_events::Metadata::by(hoicho_events::Actor::Public);
    // Nanoseconds on purpose: the log keeps what its storage keeps, on every path.
    let at = Utc::now() + chrono::Duration::nanoseconds(123);
    NewEvent::encode(Uuid::now_v7(), &event, &metadata, at)
}

/// What followers read (`read_all_decoded`, which may take a shortcut) is exactly the log
/// as `read_all` returns it, decoded — after single and multi-event appends, a repeated
/// append, refused ones, and events that do not decode — from every position and page size.
pub async fn decoded_reads_are_the_log_decoded(store: Arc<dyn EventStore>) {
    let a = vec![booth(1), booth(2), booth(3)];
    store.append("a", ExpectedVersion::NoStream, a.clone()).await.unwrap();
    store.append("a", ExpectedVersion::NoStream, a).await.unwrap(); // a retry: writes nothing
    assert!(store
        .append("a", ExpectedVersion::Exact(1), vec![booth(4), booth(5)])
        .await
        .is_err());
    store
        .append("b", ExpectedVersion::NoStream, vec![booth(6)])
        .await
        .unwrap();
    store
        .append("c", ExpectedVersion::Any, vec![event(7), booth(8)])
        .await
        .unwrap();
    let writers: Vec<_> = (0..8u64)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..5 {
                    store
                        .append(&format!("w{w}"), ExpectedVersion::Any, vec![booth(100 + w * 10 + i)])
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let all = positions(&*store).await;
    assert_eq!(all.len(), 3 + 1 + 2 + 40);
    for limit in [1, 3, 1_000] {
        for after in std::iter::once(0).chain(all.iter().copied()) {
            let raw = store.read_all(after, limit).await.unwrap();
            let decoded = store.read_all_decoded(after, limit).await.unwrap();
            assert_eq!(
                decoded.last_position,
                raw.last().map(|e| e.position),
                "after {after}, limit {limit}"
            );
            assert_eq!(
                decoded.envelopes,
                crate::replay::decode_batch(&raw),
                "after {after}, limit {limit}"
            );
        }
    }
}
