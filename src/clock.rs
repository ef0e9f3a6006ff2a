//! Where the service reads "now": the system clock, or a clock that tests move instead of
//! sleeping. Every request, job and delivery takes its instant from the app's `Clock`.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{Duration, NaiveDateTime};

#[derive(Debug, Clone, Default)]
enum Source {
    #[default]
    System,
    /// Stands still until moved.
    Fixed(Arc<Mutex<NaiveDateTime>>),
    /// The system clock shifted by an amount that can be changed.
    Shifted(Arc<Mutex<Duration>>),
}

/// The system clock unless built with [`Clock::fixed`] or [`Clock::shifted`]; clones share
/// their instant, so moving one moves the clock of the whole app.
#[derive(Debug, Clone, Default)]
pub struct Clock(Source);

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Clock {
    pub fn system() -> Self {
        Clock(Source::System)
    }

    /// A clock standing still at `start` until moved with [`Clock::advance`] or [`Clock::set`].
    pub fn fixed(start: NaiveDateTime) -> Self {
        Clock(Source::Fixed(Arc::new(Mutex::new(start))))
    }

    /// The system clock, which [`Clock::advance`] and [`Clock::set`] can shift.
    pub fn shifted() -> Self {
        Clock(Source::Shifted(Arc::new(Mutex::new(Duration::zero()))))
    }

    /// The current instant, at the microsecond precision both databases store.
    pub fn now(&self) -> NaiveDateTime {
        match &self.0 {
            Source::System => crate::domain::now(),
            Source::Fixed(instant) => *locked(instant),
            Source::Shifted(offset) => crate::domain::now() + *locked(offset),
        }
    }

    /// Moves the clock forward (or back, with a negative duration); the system clock stays.
    pub fn advance(&self, by: Duration) {
        match &self.0 {
            Source::System => {}
            Source::Fixed(instant) => *locked(instant) += by,
            Source::Shifted(offset) => *locked(offset) += by,
        }
    }

    pub fn set(&self, to: NaiveDateTime) {
        match &self.0 {
            Source::System => {}
            Source::Fixed(instant) => *locked(instant) = to,
            Source::Shifted(offset) => *locked(offset) = to - crate::domain::now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2030, 1, 1)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("valid date")
    }

    #[test]
    fn a_fixed_clock_moves_only_when_told_and_clones_share_it() {
        let clock = Clock::fixed(start());
        let shared = clock.clone();
        assert_eq!(clock.now(), start());
        shared.advance(Duration::seconds(90));
        assert_eq!(clock.now(), start() + Duration::seconds(90));
        clock.set(start());
        assert_eq!(shared.now(), start());
    }

    #[test]
    fn a_shifted_clock_runs_from_where_it_was_moved() {
        let clock = Clock::shifted();
        clock.advance(Duration::days(10));
        let ahead = clock.now() - crate::domain::now();
        assert!(ahead > Duration::days(10) - Duration::minutes(1) && ahead <= Duration::days(10));
        clock.set(start());
        assert!(clock.now() - start() < Duration::minutes(1));
    }

    #[test]
    fn the_system_clock_ignores_moves() {
        let clock = Clock::system();
        clock.advance(Duration::days(365));
        assert!(clock.now() - crate::domain::now() < Duration::days(1));
    }
}
