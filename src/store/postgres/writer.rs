//! The one task per instance that writes: groups of appends through `hoicho_append_group`
//! (with the links this writer computed, checked under the head lock), guards, imports.

use super::*;

pub(super) struct Statements {
    group: Statement,
}

/// The one task per instance that writes.
pub(super) struct Writer {
    pub(super) endpoint: Endpoint,
    pub(super) client: Option<Client>,
    pub(super) statements: Option<Statements>,
    pub(super) changes: watch::Sender<u64>,
    /// Whether the schema links the log (the chain's benchmark runs a store without).
    pub(super) chained: bool,
    /// The head and its link as this writer's last commit left them: it links the next group
    /// from there, and the group function uses those links only if no one else wrote since.
    pub(super) tip: Option<chain::Checked>,
}

impl Writer {
    pub(super) async fn run(mut self, mut jobs: mpsc::UnboundedReceiver<Job>) {
        let mut queue = crate::store::WriteQueue::default();
        loop {
            if queue.is_empty() {
                match jobs.recv().await {
                    Some(job) => queue.push(job),
                    None => return,
                }
            }
            queue.fill(|| jobs.try_recv().ok());
            if let Some(Job::Import { events, reply }) = queue.held() {
                let result = self.import(&events).await;
                let _ = reply.send(result);
                continue;
            }
            let group = queue.group(MAX_GROUP);
            if group.is_empty() {
                continue;
            }
            let results = self.commit_group(&group).await;
            for (request, result) in group.into_iter().zip(results) {
                let _ = request.reply.send(result);
            }
        }
    }

    fn advance(&self, position: u64) {
        crate::store::advance(&self.changes, position);
    }

    /// The connection, reconnecting if the last one failed.
    async fn ready(&mut self) -> Result<(&mut Client, &Statements), StoreError> {
        if self.client.as_ref().is_none_or(|c| c.is_closed()) {
            self.client = None;
            self.statements = None;
            self.client = Some(connect(&self.endpoint).await?);
        }
        let client = self.client.as_mut().expect("connected above");
        if self.statements.is_none() {
            let sql = match self.chained {
                true => {
                    "SELECT outcome, out_version, out_position, bad_id, out_chain
                         FROM hoicho_append_group($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                }
                false => {
                    "SELECT outcome, out_version, out_position, bad_id
                          FROM hoicho_append_group($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                }
            };
            let group = tokio::time::timeout(CONNECT_TIMEOUT, client.prepare(sql))
                .await
                .map_err(|_| unavailable("no answer from PostgreSQL"))?
                .map_err(unavailable)?;
            self.statements = Some(Statements { group });
        }
        Ok((client, self.statements.as_ref().expect("prepared above")))
    }

    /// Forgets the connection after a failure whose outcome is unknown.
    fn forget(&mut self) {
        self.client = None;
        self.statements = None;
        self.tip = None;
    }

    async fn commit_group(&mut self, group: &[WriteRequest]) -> Vec<Result<AppendResult, StoreError>> {
        // Refusals that need no round trip: the same id twice in one append.
        let mut results: Vec<Option<Result<AppendResult, StoreError>>> = group
            .iter()
            .map(|request| repeated_id(&request.events).map(|id| Err(StoreError::EventIdReused(id))))
            .collect();
        // Appends with guards commit one at a time, each checking its guards in its own
        // transaction under the head lock; the rest share one.
        let pending: Vec<usize> = (0..group.len()).filter(|&i| results[i].is_none()).collect();
        let (guarded, plain): (Vec<usize>, Vec<usize>) =
            pending.into_iter().partition(|&i| !group[i].guards.is_empty());
        let mut batches: Vec<Vec<usize>> = guarded.into_iter().map(|i| vec![i]).collect();
        if !plain.is_empty() {
            batches.insert(0, plain);
        }
        for batch in batches {
            let sent: Vec<&WriteRequest> = batch.iter().map(|&i| &group[i]).collect();
            let written = tokio::time::timeout(WRITE_TIMEOUT, self.write(&sent)).await;
            let answers = match written {
                Ok(Ok(rows)) => rows,
                Ok(Err(err)) => {
                    self.forget();
                    vec![Err(err); sent.len()]
                }
                Err(_) => {
                    self.forget();
                    vec![
                        Err(unavailable(format!(
                            "PostgreSQL did not commit within {WRITE_TIMEOUT:?}"
                        )));
                        sent.len()
                    ]
                }
            };
            for (i, answer) in batch.into_iter().zip(answers) {
                results[i] = Some(answer);
            }
        }
        let results: Vec<Result<AppendResult, StoreError>> = results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(unavailable("no answer for this append"))))
            .collect();
        if let Some(last) = results.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.position).max() {
            self.advance(last);
        }
        results
    }

    async fn write(&mut self, group: &[&WriteRequest]) -> Result<Vec<Result<AppendResult, StoreError>>, StoreError> {
        let total: usize = group.iter().map(|r| r.events.len()).sum();
        let mut streams = Vec::with_capacity(group.len());
        let mut expected = Vec::with_capacity(group.len());
        let mut counts = Vec::with_capacity(group.len());
        let mut ids = Vec::with_capacity(total);
        let mut types = Vec::with_capacity(total);
        let mut schemas = Vec::with_capacity(total);
        let mut recorded = Vec::with_capacity(total);
        let mut metadata = Vec::with_capacity(total);
        let mut data = Vec::with_capacity(total);
        for request in group {
            streams.push(request.stream.as_str());
            expected.push(match request.expected {
                ExpectedVersion::Any => -1i64,
                ExpectedVersion::NoStream => 0,
                ExpectedVersion::Exact(v) => v as i64,
            });
            counts.push(request.events.len() as i32);
            for event in &request.events {
                ids.push(event.event_id);
                types.push(event.event_type.as_str());
                schemas.push(event.schema_version as i32);
                recorded.push(event.recorded_at);
                metadata.push(event.metadata.as_str());
                data.push(event.data.as_str());
            }
        }
        // The links, computed here from the head this writer last left, if every append
        // succeeds; the group function checks that assumption under the head lock.
        let (from, from_link, links) = match (self.chained, self.tip) {
            (true, Some(tip)) => (
                Some(tip.position as i64),
                Some(tip.link.to_vec()),
                Some(links(tip, group)),
            ),
            _ => (None, None, None),
        };
        let chained = self.chained;
        let (client, statements) = self.ready().await?;
        let tx = client.transaction().await.map_err(unavailable)?;
        if let [request] = group {
            if let Some(refusal) = guard_refusal(&tx, request).await? {
                tx.rollback().await.map_err(unavailable)?;
                return Ok(vec![Err(refusal)]);
            }
        }
        let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![
            &streams, &expected, &counts, &ids, &types, &schemas, &recorded, &metadata, &data,
        ];
        if chained {
            params.push(&from);
            params.push(&from_link);
            params.push(&links);
        }
        let rows = tx.query(&statements.group, &params).await.map_err(unavailable)?;
        tx.commit()
            .await
            .map_err(|e| unavailable(format!("commit failed: {e}")))?;
        if rows.len() != group.len() {
            self.tip = None;
            return Err(unavailable(format!(
                "PostgreSQL answered {} appends of {}",
                rows.len(),
                group.len()
            )));
        }
        if self.chained {
            // The last append this group wrote leaves the head and its link.
            let written = rows.iter().rev().find_map(|row| {
                let link: Option<Vec<u8>> = row.get(4);
                let position: Option<i64> = row.get(2);
                match (row.get::<_, i32>(0), link, position) {
                    (0, Some(link), Some(position)) => Some(chain::Checked {
                        position: position as u64,
                        link: link.try_into().ok()?,
                    }),
                    _ => None,
                }
            });
            if let Some(tip) = written {
                self.tip = Some(tip);
            }
        }
        Ok(group
            .iter()
            .zip(&rows)
            .map(|(request, row)| outcome(request, row))
            .collect())
    }

    /// Writes exported events as they were, in one transaction under the head lock.
    async fn import(&mut self, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let Some(last) = events.last() else { return Ok(()) };
        let last = last.position;
        let done = tokio::time::timeout(WRITE_TIMEOUT * 6, self.import_in_one(events)).await;
        match done {
            Ok(Ok(())) => {
                self.tip = None;
                self.advance(last);
                Ok(())
            }
            Ok(Err(err)) => {
                if matches!(err, StoreError::Unavailable(_)) {
                    self.forget();
                }
                Err(err)
            }
            Err(_) => {
                self.forget();
                Err(unavailable("PostgreSQL did not commit the import in time"))
            }
        }
    }

    async fn import_in_one(&mut self, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let (client, _) = self.ready().await?;
        let tx = client.transaction().await.map_err(unavailable)?;
        let row = tx
            .query_one("SELECT position, chain FROM hoicho_head FOR UPDATE", &[])
            .await
            .map_err(unavailable)?;
        let mut head = row.get::<_, i64>(0) as u64;
        let mut tip: chain::Link = row
            .get::<_, Vec<u8>>(1)
            .try_into()
            .map_err(|_| unavailable("the head's link is not 32 bytes"))?;
        let streams: Vec<&str> = {
            let mut s: Vec<&str> = events.iter().map(|e| e.stream.as_str()).collect();
            s.sort_unstable();
            s.dedup();
            s
        };
        let mut versions: HashMap<String, u64> = tx
            .query(
                "SELECT stream, max(version) FROM hoicho_events WHERE stream = ANY ($1) GROUP BY stream",
                &[&streams],
            )
            .await
            .map_err(unavailable)?
            .iter()
            .map(|row| (row.get::<_, String>(0), row.get::<_, i64>(1) as u64))
            .collect();
        for e in events {
            let version = versions.get(&e.stream).copied().unwrap_or(0);
            crate::store::check_import_order(e, version, head)?;
            head = e.position;
            versions.insert(e.stream.clone(), e.version);
        }
        let ids: Vec<Uuid> = events.iter().map(|e| e.event_id).collect();
        if let Some(row) = tx
            .query_opt(
                "SELECT event_id FROM hoicho_events WHERE event_id = ANY ($1) LIMIT 1",
                &[&ids],
            )
            .await
            .map_err(unavailable)?
        {
            return Err(StoreError::EventIdReused(row.get(0)));
        }
        if let Some(id) = repeated_id_of(ids.iter().copied()) {
            return Err(StoreError::EventIdReused(id));
        }
        let positions: Vec<i64> = events.iter().map(|e| e.position as i64).collect();
        let stream_of: Vec<&str> = events.iter().map(|e| e.stream.as_str()).collect();
        let version_of: Vec<i64> = events.iter().map(|e| e.version as i64).collect();
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        let schemas: Vec<i32> = events.iter().map(|e| e.schema_version as i32).collect();
        let recorded: Vec<DateTime<Utc>> = events.iter().map(|e| e.recorded_at).collect();
        let metadata: Vec<&str> = events.iter().map(|e| e.metadata.as_str()).collect();
        let data: Vec<&str> = events.iter().map(|e| e.data.as_str()).collect();
        // Linked here as the append function links them: the same bytes (chain.rs).
        let links: Vec<Vec<u8>> = events
            .iter()
            .map(|e| {
                tip = chain::link(&tip, chain::Fields::of(e));
                tip.to_vec()
            })
            .collect();
        tx.execute(
            "INSERT INTO hoicho_events
                 (position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data, chain)
             SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[], $5::text[],
                                  $6::integer[], $7::timestamptz[], $8::text[], $9::text[], $10::bytea[])",
            &[
                &positions,
                &ids,
                &stream_of,
                &version_of,
                &types,
                &schemas,
                &recorded,
                &metadata,
                &data,
                &links,
            ],
        )
        .await
        .map_err(unavailable)?;
        tx.execute(
            "UPDATE hoicho_head SET position = $1, chain = $2",
            &[&(head as i64), &tip.as_slice()],
        )
        .await
        .map_err(unavailable)?;
        tx.execute("SELECT pg_notify('hoicho_events', $1)", &[&head.to_string()])
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)
    }
}

/// The links of a group's events if the log's head is at `tip` and every append succeeds, one
/// per event; none from the first append whose stream version the writer cannot know (it
/// expects any version) on, as the group function computes those itself.
fn links(tip: chain::Checked, group: &[&WriteRequest]) -> Vec<Option<Vec<u8>>> {
    let mut out = Vec::with_capacity(group.iter().map(|r| r.events.len()).sum());
    let mut at = tip;
    let mut known = true;
    for request in group {
        let version = match request.expected {
            ExpectedVersion::NoStream => Some(0),
            ExpectedVersion::Exact(v) => Some(v),
            ExpectedVersion::Any => None,
        };
        known &= version.is_some();
        for (i, event) in request.events.iter().enumerate() {
            let Some(version) = version.filter(|_| known) else {
                out.push(None);
                continue;
            };
            let position = at.position + 1;
            at = chain::Checked {
                position,
                link: chain::link(
                    &at.link,
                    chain::Fields {
                        position,
                        event_id: &event.event_id,
                        stream: &request.stream,
                        version: version + 1 + i as u64,
                        event_type: &event.event_type,
                        schema_version: event.schema_version,
                        recorded_micros: event.recorded_at.timestamp_micros(),
                        metadata: &event.metadata,
                        data: &event.data,
                    },
                ),
            };
            out.push(Some(at.link.to_vec()));
        }
    }
    out
}

/// Why `request` may not commit now, if one of its guards' streams is not where it expects:
/// checked under the head lock, so every commit before it is visible and none can come
/// between. A retry of an append that committed already (its first id is in the log) goes on
/// to the append, which answers it with the first result.
async fn guard_refusal(
    tx: &tokio_postgres::Transaction<'_>,
    request: &WriteRequest,
) -> Result<Option<StoreError>, StoreError> {
    if request.guards.is_empty() {
        return Ok(None);
    }
    tx.query_one("SELECT position FROM hoicho_head FOR UPDATE", &[])
        .await
        .map_err(unavailable)?;
    for guard in &request.guards {
        let row = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM hoicho_events WHERE stream = $1",
                &[&guard.stream],
            )
            .await
            .map_err(unavailable)?;
        let actual = row.get::<_, i64>(0) as u64;
        if guard.expected.admits(actual) {
            continue;
        }
        if let Some(first) = request.events.first() {
            let known = tx
                .query_opt("SELECT 1 FROM hoicho_events WHERE event_id = $1", &[&first.event_id])
                .await
                .map_err(unavailable)?;
            if known.is_some() {
                return Ok(None);
            }
        }
        return Ok(Some(StoreError::Conflict {
            stream: guard.stream.clone(),
            expected: guard.expected,
            actual,
        }));
    }
    Ok(None)
}

fn repeated_id(events: &[NewEvent]) -> Option<Uuid> {
    repeated_id_of(events.iter().map(|e| e.event_id))
}

fn repeated_id_of(ids: impl Iterator<Item = Uuid>) -> Option<Uuid> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().find(|id| !seen.insert(*id))
}

/// One row of `hoicho_append_group` as the append's result.
fn outcome(request: &WriteRequest, row: &Row) -> Result<AppendResult, StoreError> {
    let code: i32 = row.get(0);
    let version: Option<i64> = row.get(1);
    let position: Option<i64> = row.get(2);
    match code {
        0 => Ok(AppendResult {
            version: version.unwrap_or(0) as u64,
            position: position.unwrap_or(0) as u64,
        }),
        1 => Err(StoreError::Conflict {
            stream: request.stream.clone(),
            expected: request.expected,
            actual: version.unwrap_or(0) as u64,
        }),
        2 => Err(StoreError::EventIdReused(
            row.get::<_, Option<Uuid>>(3).unwrap_or_default(),
        )),
        other => Err(unavailable(format!("unknown append outcome {other}"))),
    }
}
