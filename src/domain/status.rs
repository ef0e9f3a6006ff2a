//! The read-time status of a position, as one table of rules over its stored facts. The domain
//! evaluates the table on a loaded position; the store translates the same table into SQL for
//! the list's status filter and for the batch that persists time-driven transitions.
//!
//! Stated on the position's own columns, the expiry rule equals the per-option rule ("every
//! option unpaid, past due, with `switchToExpired`") because every option takes
//! `switchToExpired` from its position, and a position stored PUBLISHED or VALID has no
//! progressed option (a payment moves it to PARTIALLY_PAID or beyond).

use chrono::NaiveDateTime;

use super::position::{OptionStatus, PaymentOption, Position, PositionStatus};
use Cond::*;
use PositionStatus as S;

/// The stored facts the read-time status depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub stored: PositionStatus,
    pub validity_date: Option<NaiveDateTime>,
    pub switch_to_expired: bool,
    /// Latest due date of the options (none without options).
    pub max_due_date: Option<NaiveDateTime>,
    pub payment_date: Option<NaiveDateTime>,
}

impl Facts {
    pub fn of(position: &Position) -> Facts {
        Facts {
            stored: position.status,
            validity_date: position.validity_date,
            switch_to_expired: position.switch_to_expired,
            max_due_date: position.max_due_date(),
            payment_date: position.payment_date,
        }
    }
}

/// An atomic condition over the facts at an instant; each is plainly true or false.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cond {
    /// `validity_date <= now` (false without a validity date).
    ValidityReached,
    /// `switch_to_expired`.
    SwitchToExpired,
    /// `max_due_date < now`.
    DuePassed,
    /// `payment_date` is not set.
    NoPayment,
}

impl Cond {
    pub fn holds(self, facts: &Facts, now: NaiveDateTime) -> bool {
        match self {
            Cond::ValidityReached => facts.validity_date.is_some_and(|v| v <= now),
            Cond::SwitchToExpired => facts.switch_to_expired,
            Cond::DuePassed => facts.max_due_date.is_some_and(|d| d < now),
            Cond::NoPayment => facts.payment_date.is_none(),
        }
    }
}

/// One way to reach a read-time status: the stored status is `stored`, every condition of
/// `when` holds, and the conditions of `unless` (if any) do not all hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub stored: PositionStatus,
    pub when: &'static [Cond],
    pub unless: &'static [Cond],
}

impl Term {
    pub fn matches(&self, facts: &Facts, now: NaiveDateTime) -> bool {
        let all = |conds: &[Cond]| conds.iter().all(|c| c.holds(facts, now));
        facts.stored == self.stored
            && all(self.when)
            && (self.unless.is_empty() || !all(self.unless))
    }
}

/// Every option past due with `switchToExpired`, and nothing paid.
const LAPSED: &[Cond] = &[SwitchToExpired, DuePassed, NoPayment];

const fn only(stored: PositionStatus) -> Term {
    Term {
        stored,
        when: &[],
        unless: &[],
    }
}

/// The table: the terms (alternatives) that yield `status` at read time. PUBLISHED becomes VALID
/// once its validity date is reached; a valid position becomes EXPIRED once lapsed. Any other
/// status reads as stored.
pub fn terms(status: PositionStatus) -> &'static [Term] {
    match status {
        S::Published => &[Term {
            stored: S::Published,
            when: &[],
            unless: &[ValidityReached],
        }],
        S::Valid => &[
            Term {
                stored: S::Valid,
                when: &[],
                unless: LAPSED,
            },
            Term {
                stored: S::Published,
                when: &[ValidityReached],
                unless: LAPSED,
            },
        ],
        S::Expired => {
            const {
                &[
                    only(S::Expired),
                    Term {
                        stored: S::Valid,
                        when: LAPSED,
                        unless: &[],
                    },
                    Term {
                        stored: S::Published,
                        when: &[ValidityReached, SwitchToExpired, DuePassed, NoPayment],
                        unless: &[],
                    },
                ]
            }
        }
        S::Draft => const { &[only(S::Draft)] },
        S::Invalid => const { &[only(S::Invalid)] },
        S::PartiallyPaid => const { &[only(S::PartiallyPaid)] },
        S::Paid => const { &[only(S::Paid)] },
        S::Reported => const { &[only(S::Reported)] },
    }
}

/// The status as of `now` (the stored one if no term matched, which the tests rule out).
pub fn read_status(facts: &Facts, now: NaiveDateTime) -> PositionStatus {
    PositionStatus::ALL
        .iter()
        .copied()
        .find(|s| terms(*s).iter().any(|t| t.matches(facts, now)))
        .unwrap_or(facts.stored)
}

/// The terms of `target` whose stored status differs: positions matching one read as `target`
/// but are stored otherwise, so the batch may persist `target` for them.
pub fn due_terms(target: PositionStatus) -> impl Iterator<Item = &'static Term> {
    terms(target).iter().filter(move |t| t.stored != target)
}

/// The statuses time alone can lead to (VALID, EXPIRED), in the order the batch persists them.
pub fn time_driven() -> impl Iterator<Item = PositionStatus> {
    PositionStatus::ALL
        .iter()
        .copied()
        .filter(|s| due_terms(*s).next().is_some())
}

impl Position {
    /// The status as of `now`, by the table above: never stale, whatever the batch job did.
    pub fn status_at(&self, now: NaiveDateTime) -> PositionStatus {
        read_status(&Facts::of(self), now)
    }

    /// Status of the position as the payer of one option sees it (GET option by NAV):
    /// an option past due with `switchToExpired` shows its position as EXPIRED.
    pub fn status_for_option(&self, index: usize, now: NaiveDateTime) -> PositionStatus {
        let status = self.status_at(now);
        if status == PositionStatus::Valid && self.options[index].is_expired_at(now) {
            PositionStatus::Expired
        } else {
            status
        }
    }
}

impl PaymentOption {
    /// An unpaid option past its due date that the institution asked to expire.
    pub fn is_expired_at(&self, now: NaiveDateTime) -> bool {
        self.switch_to_expired && self.status == OptionStatus::Unpaid && self.due_date < now
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2030, 1, day)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    /// Every combination of stored status and facts around `at(10)`.
    fn all_facts() -> Vec<Facts> {
        let dates = [None, Some(at(5)), Some(at(10)), Some(at(15))];
        let mut out = Vec::new();
        for &stored in PositionStatus::ALL {
            for validity_date in dates {
                for max_due_date in dates {
                    for payment_date in [None, Some(at(1))] {
                        for switch_to_expired in [false, true] {
                            out.push(Facts {
                                stored,
                                validity_date,
                                switch_to_expired,
                                max_due_date,
                                payment_date,
                            });
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn exactly_one_status_matches_every_combination() {
        for facts in all_facts() {
            let matching: Vec<_> = PositionStatus::ALL
                .iter()
                .filter(|s| terms(**s).iter().any(|t| t.matches(&facts, at(10))))
                .collect();
            assert_eq!(matching.len(), 1, "{facts:?} -> {matching:?}");
        }
    }

    /// The rule as it was written by hand before the table.
    fn by_hand(f: &Facts, now: NaiveDateTime) -> PositionStatus {
        let valid_now = match f.stored {
            S::Published => f.validity_date.is_some_and(|v| v <= now),
            S::Valid => true,
            _ => false,
        };
        let lapsed = f.payment_date.is_none()
            && f.switch_to_expired
            && f.max_due_date.is_some_and(|d| d < now);
        match (valid_now, lapsed) {
            (false, _) => f.stored,
            (true, true) => S::Expired,
            (true, false) => S::Valid,
        }
    }

    #[test]
    fn table_matches_the_rule_by_hand() {
        for facts in all_facts() {
            assert_eq!(
                read_status(&facts, at(10)),
                by_hand(&facts, at(10)),
                "{facts:?}"
            );
        }
    }

    #[test]
    fn time_drives_only_valid_and_expired() {
        assert_eq!(time_driven().collect::<Vec<_>>(), [S::Valid, S::Expired]);
        let due: Vec<_> = due_terms(S::Expired).map(|t| t.stored).collect();
        assert_eq!(due, [S::Valid, S::Published]);
    }
}
