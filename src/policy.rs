//! Policies: reactions to the log that keep a rule which spans streams. Withdrawing or
//! rejecting a registration frees its booths, and a registration approved for fewer booths
//! than it holds gives back the rest. Each runs in every instance; the fair stream's expected
//! version makes the second instance's attempt a no-op.

use std::sync::Arc;
use std::time::Duration;

use hoicho_events::{Actor, FairId, ReleaseCause};
use hoicho_projections::{Projections, RegistrationStatus};

use crate::app::AppState;
use crate::domain::fair::{FairCommand, Standing};
use crate::service::{self, CommandContext};

/// Registrations holding more booths than they may, with what they may keep.
pub fn excess(p: &Projections) -> Vec<(FairId, Standing, ReleaseCause)> {
    let mut out = Vec::new();
    for fair in p.fairs.by_id.values() {
        for (&registration, booths) in &fair.holdings {
            let count = booths.len() as u32;
            let view = p.registrations.get(&registration);
            let (allowed, cause) = match view.map(|v| v.status) {
                Some(RegistrationStatus::Approved) => {
                    (view.map_or(0, |v| v.approved_booths), ReleaseCause::OverApproved)
                }
                Some(RegistrationStatus::Withdrawn) => (0, ReleaseCause::Withdrawn),
                _ => (0, ReleaseCause::NotApproved),
            };
            if count > allowed {
                let approved = view.filter(|v| v.status == RegistrationStatus::Approved);
                out.push((
                    fair.id.clone(),
                    Standing {
                        registration_id: registration,
                        of_this_fair: true,
                        approved_booths: approved.map(|v| v.approved_booths),
                    },
                    cause,
                ));
            }
        }
    }
    out
}

/// Frees booths that their holders may no longer hold, whenever the log moves on.
pub async fn release_booths(state: Arc<AppState>) {
    while !state.wait_ready(Duration::from_secs(60)).await {}
    let mut applied = state.applied_changes();
    loop {
        applied.borrow_and_update();
        let work = excess(&state.read());
        let mut failed = false;
        for (fair, registration, cause) in work {
            let ctx = CommandContext::new(
                Actor::System {
                    component: "release-policy".into(),
                },
                chrono::Utc::now(),
            );
            let command = FairCommand::ReleaseExcess { registration, cause };
            match service::fairs::run(&state, &ctx, &fair, None, &command).await {
                Ok(_) => {}
                Err(err) => {
                    failed = true;
                    tracing::warn!(%fair, error = %err, "cannot release booths; will try again");
                }
            }
        }
        let retry = if failed {
            Duration::from_secs(2)
        } else {
            Duration::from_secs(3600)
        };
        tokio::select! {
            changed = applied.changed() => if changed.is_err() { return },
            _ = tokio::time::sleep(retry) => {}
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
