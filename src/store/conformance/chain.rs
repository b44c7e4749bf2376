//! The conformance rule of the hash chain, for the backends that keep one (ADR 019).

use std::sync::Arc;

use super::event;
use crate::store::{EventStore, ExpectedVersion, StoreError};

/// The hash chain (ADR 019): every event the store wrote — in groups of concurrent appends
/// with retries and refusals among them, guarded, with text in Vietnamese and times finer than
/// a microsecond — links to the one before it in global order, and a walk that starts where
/// the last one stopped goes on.
pub async fn every_event_is_linked_in_commit_order(store: Arc<dyn EventStore>) {
    use crate::store::chain::{verify, verify_whole, Verdict, Walk};
    assert!(store.chained());
    let writers: Vec<_> = (0..16u64)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let stream = format!("gian-hàng-{w}");
                for i in 0..10u64 {
                    let mut first = event(i);
                    first.data = format!(r#"{{"n":{i},"xã":"Đức Lạng","w":{w}}}"#);
                    let batch = vec![first, event(i + 100)];
                    let expected = ExpectedVersion::Exact(i * 2);
                    let done = store.append(&stream, expected, batch.clone()).await.unwrap();
                    let again = store.append(&stream, expected, batch).await.unwrap();
                    assert_eq!(done, again, "a retry answers with the first result");
                    let refused = store.append(&stream, ExpectedVersion::NoStream, vec![event(0)]).await;
                    assert!(matches!(refused, Err(StoreError::Conflict { .. })));
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let guard = crate::store::Guard {
        stream: "gian-hàng-0".into(),
        expected: ExpectedVersion::Exact(20),
    };
    store
        .append_guarded("allocation", ExpectedVersion::NoStream, vec![event(7)], vec![guard])
        .await
        .unwrap();
    let head = store.head().await.unwrap();
    assert_eq!(head, 16 * 10 * 2 + 1);
    let checked = match verify_whole(&*store).await.unwrap() {
        Verdict::Intact(checked) => checked,
        Verdict::Broken(broken) => panic!("{broken}"),
    };
    assert_eq!(checked.position, head);
    assert_ne!(checked.link, crate::store::chain::GENESIS);

    store
        .append("after", ExpectedVersion::NoStream, vec![event(1), event(2)])
        .await
        .unwrap();
    let (_, verdict) = verify(&*store, Walk::after(checked), &mut |_| {}).await.unwrap();
    assert!(
        matches!(verdict, Verdict::Intact(c) if c.position == head + 2),
        "{verdict:?}"
    );
}
