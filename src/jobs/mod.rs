//! Background work: persisting time-driven status transitions.

use std::time::Duration;

use crate::clock::Clock;
use crate::limits::Shutdown;
use crate::store::{positions, Db};

pub const TRANSITION_BATCH: i64 = 200;

/// Every `interval`, stores PUBLISHED->VALID and VALID->EXPIRED transitions that came due.
/// Reads never wait for it: they evaluate the status at read time.
/// Returns at `shutdown`, after the batch under way if any.
pub async fn run_status_transitions(db: Db, clock: Clock, interval: Duration, shutdown: Shutdown) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.started() => return,
        }
        let now = clock.now();
        match db
            .run(move |c| positions::persist_time_transitions(c, now, TRANSITION_BATCH))
            .await
        {
            Ok(0) => {}
            Ok(n) => log::info!("status job: {n} debt positions changed status"),
            Err(e) => log::warn!("status job failed, will retry: {e}"),
        }
    }
}
