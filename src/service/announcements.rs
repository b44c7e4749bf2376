//! Announcements to a fair's exhibitors, each on a stream of its own: written once, and the
//! outbox emails each recipient once.

use hoicho_events::streams;

use super::execute::{execute_new, CommandContext, CommandError};
use super::{settled, Written};
use crate::app::AppState;
use crate::domain::announcement::{decide, Announcement, AnnouncementState};

/// Sends `announcement`; waits until the projections hold it (and the outbox sees it).
pub async fn send(
    state: &AppState,
    ctx: &CommandContext,
    announcement: &Announcement,
) -> Result<Written, CommandError> {
    let stream = streams::announcement(&announcement.fair_id, &announcement.announcement_id);
    let outcome = execute_new(&*state.store, &stream, ctx, |s: &AnnouncementState| {
        decide(s, announcement)
    })
    .await?;
    Ok(settled(state, outcome).await)
}
