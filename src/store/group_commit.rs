//! SQLite group commit. SQLite has one writer at a time; a write transaction that starts while
//! another is open joins it instead of waiting for its end: it runs in a savepoint on the open
//! transaction's connection, and the group commits once. Every writer gets its result only after
//! that commit (nothing is acknowledged before it is durable as before), and a writer whose work
//! fails rolls back its savepoint alone.

use std::cell::RefCell;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, SqliteConnection};

use super::DbConnection;

/// Writers sharing one commit at most (bounds the wait of the first).
const MAX_MEMBERS: usize = 32;

/// The open shared transaction of one SQLite database, if any.
#[derive(Default)]
pub(crate) struct GroupCommit {
    state: Mutex<Option<Batch>>,
    changed: Condvar,
    joined: std::sync::atomic::AtomicU64,
}

struct Batch {
    /// New writers may still join.
    accepting: bool,
    members: usize,
    /// Joined writers whose work has not ended yet.
    pending: usize,
    /// The first writer's connection, lent to the others once its own work is done.
    shared: Shared,
    lent: bool,
    /// The shared transaction cannot commit (a writer's savepoint failed, or it panicked).
    poisoned: bool,
    /// The commit's outcome, set once.
    outcome: Outcome,
}

type Shared = Arc<Mutex<Option<DbConnection>>>;
type Outcome = Arc<OnceLock<Result<(), String>>>;

thread_local! {
    /// What stands in for a first writer's connection while the others use it.
    static SPARE: RefCell<Option<DbConnection>> = const { RefCell::new(None) };
}

fn failed(message: &str) -> DieselError {
    DieselError::DatabaseError(
        DatabaseErrorKind::Unknown,
        Box::new(format!("shared write transaction failed: {message}")),
    )
}

fn sqlite(conn: &mut DbConnection) -> Result<&mut SqliteConnection, DieselError> {
    match conn {
        DbConnection::Sqlite(c) => Ok(c),
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(_) => Err(failed("not a SQLite connection")),
    }
}

/// Runs `f` in a savepoint of the open transaction: kept on success, rolled back on failure.
/// `Err` from the outer result means the connection's transaction is no longer usable.
fn in_savepoint<T, E, F>(conn: &mut DbConnection, f: F) -> Result<Result<T, E>, DieselError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<DieselError>,
{
    AnsiTransactionManager::begin_transaction(sqlite(conn)?)?;
    let result = f(conn);
    let c = sqlite(conn)?;
    match result {
        Ok(value) => AnsiTransactionManager::commit_transaction(c).map(|()| Ok(value)),
        Err(e) => AnsiTransactionManager::rollback_transaction(c).map(|()| Err(e)),
    }
}

/// Rolls back every level of the connection's transaction.
fn roll_back_all(conn: &mut DbConnection) {
    let Ok(conn) = sqlite(conn) else {
        return;
    };
    while let Ok(Some(_)) =
        AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth()
    {
        if AnsiTransactionManager::rollback_transaction(conn).is_err() {
            return;
        }
    }
}

fn spare() -> Result<DbConnection, DieselError> {
    match SPARE.with(|s| s.borrow_mut().take()) {
        Some(conn) => Ok(conn),
        None => Ok(DbConnection::Sqlite(
            SqliteConnection::establish(":memory:").map_err(|e| failed(&e.to_string()))?,
        )),
    }
}

impl GroupCommit {
    /// Writers so far that joined another's transaction.
    pub(crate) fn joined(&self) -> u64 {
        self.joined.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, Option<Batch>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, Option<Batch>>) -> MutexGuard<'a, Option<Batch>> {
        self.changed.wait(guard).unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` in a write transaction of `conn`'s database: the open one if another writer's
    /// is accepting, else a new one on `conn`.
    pub(crate) fn write<T, E, F>(&self, conn: &mut DbConnection, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<DieselError>,
    {
        let mut state = self.lock();
        loop {
            match state.as_mut() {
                Some(batch) if batch.accepting && batch.members < MAX_MEMBERS => {
                    batch.members += 1;
                    batch.pending += 1;
                    self.joined
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let (shared, outcome) = (batch.shared.clone(), batch.outcome.clone());
                    return self.join(state, &shared, &outcome, f);
                }
                Some(_) => state = self.wait(state),
                None => break,
            }
        }
        let outcome = Outcome::default();
        *state = Some(Batch {
            accepting: true,
            members: 1,
            pending: 0,
            shared: Shared::default(),
            lent: false,
            poisoned: false,
            outcome: outcome.clone(),
        });
        drop(state);
        let led = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.lead(conn, &outcome, f)
        }));
        led.unwrap_or_else(|panic| {
            // Its own work panicked: nothing of the transaction is kept, its writers are told.
            roll_back_all(conn);
            self.finish(&outcome, Err("the first writer panicked".to_owned()));
            std::panic::resume_unwind(panic)
        })
    }

    /// Ends the open transaction with `result`, for its writers to read.
    fn finish(&self, outcome: &Outcome, result: Result<(), String>) {
        let mut state = self.lock();
        let _ = outcome.set(result);
        *state = None;
        self.changed.notify_all();
    }

    fn lead<T, E, F>(&self, conn: &mut DbConnection, outcome: &Outcome, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<DieselError>,
    {
        let begin = sqlite(conn)
            .and_then(|c| AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"));
        if let Err(e) = begin {
            self.finish(outcome, Err(e.to_string()));
            return Err(e.into());
        }
        let own = in_savepoint(conn, f);
        // A broken transaction is not lent: the writers waiting for it fail with it.
        let poisoned = match &own {
            Ok(_) => self.lend(conn),
            Err(_) => true,
        };
        let end = if poisoned {
            roll_back_all(conn);
            Err(own
                .as_ref()
                .err()
                .map_or_else(|| "a writer's work failed".to_owned(), ToString::to_string))
        } else {
            sqlite(conn)
                .and_then(AnsiTransactionManager::commit_transaction)
                .map_err(|e| {
                    roll_back_all(conn);
                    e.to_string()
                })
        };
        self.finish(outcome, end.clone());
        match (own, end) {
            (Ok(own), Ok(())) => own,
            (Ok(Err(e)), Err(_)) => Err(e),
            (Ok(Ok(_)), Err(message)) => Err(failed(&message).into()),
            (Err(e), _) => Err(e.into()),
        }
    }

    /// Lends `conn` to the writers that joined until none is pending, then closes the
    /// transaction to newcomers and takes it back; whether the transaction is poisoned.
    fn lend(&self, conn: &mut DbConnection) -> bool {
        if let Some(poisoned) = self.close_if_alone() {
            return poisoned;
        }
        // Joined writers stay pending until they have had the connection.
        let Ok(placeholder) = spare() else {
            return true;
        };
        let mut state = self.lock();
        let Some(batch) = state.as_mut() else {
            return true;
        };
        let shared = batch.shared.clone();
        *shared.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(std::mem::replace(conn, placeholder));
        batch.lent = true;
        self.changed.notify_all();
        drop(state);
        self.close(|batch| {
            let mut slot = match batch.shared.lock() {
                Ok(slot) => slot,
                Err(poisoned) => {
                    batch.poisoned = true;
                    poisoned.into_inner()
                }
            };
            match slot.take() {
                Some(own) => SPARE.with(|s| *s.borrow_mut() = Some(std::mem::replace(conn, own))),
                None => batch.poisoned = true,
            }
        })
    }

    /// Closes the transaction to newcomers if no writer joined it; whether it is poisoned then.
    fn close_if_alone(&self) -> Option<bool> {
        let mut state = self.lock();
        let batch = state.as_mut()?;
        if batch.pending > 0 {
            return None;
        }
        batch.accepting = false;
        Some(batch.poisoned)
    }

    /// Waits until no joined writer is pending, then closes the transaction to newcomers and
    /// runs `take_back`; whether the transaction is poisoned.
    fn close(&self, take_back: impl FnOnce(&mut Batch)) -> bool {
        let mut state = self.lock();
        loop {
            let Some(batch) = state.as_mut() else {
                return true;
            };
            if batch.pending == 0 {
                batch.accepting = false;
                take_back(batch);
                return batch.poisoned;
            }
            state = self.wait(state);
        }
    }

    fn join<T, E, F>(
        &self,
        mut state: MutexGuard<'_, Option<Batch>>,
        shared: &Shared,
        outcome: &Outcome,
        f: F,
    ) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<DieselError>,
    {
        loop {
            if let Some(Err(message)) = outcome.get() {
                return Err(failed(message).into());
            }
            if state.as_ref().is_some_and(|b| b.lent) {
                break;
            }
            state = self.wait(state);
        }
        drop(state);
        let mut member = Member {
            group: self,
            outcome,
            broken: true,
        };
        let result = {
            let mut slot = shared.lock().unwrap_or_else(|e| e.into_inner());
            match slot.as_mut() {
                Some(conn) => in_savepoint(conn, f),
                None => Err(failed("the shared connection is gone")),
            }
        };
        member.broken = result.is_err();
        drop(member);
        // Even a failed writer returns only once the transaction has ended, so what it then reads
        // elsewhere includes what the writers before it committed.
        let mut state = self.lock();
        let committed = loop {
            match outcome.get() {
                Some(end) => break end.clone(),
                None => state = self.wait(state),
            }
        };
        drop(state);
        match (result?, committed) {
            (Ok(value), Ok(())) => Ok(value),
            (Err(e), _) => Err(e),
            (Ok(_), Err(message)) => Err(failed(&message).into()),
        }
    }
}

/// A joined writer's place in the open transaction: its end (or its panic, which poisons the
/// transaction) lets the first writer go on.
struct Member<'a> {
    group: &'a GroupCommit,
    /// Tells its transaction from a later one.
    outcome: &'a Outcome,
    broken: bool,
}

impl Drop for Member<'_> {
    fn drop(&mut self) {
        let mut state = self.group.lock();
        let ours = state
            .as_mut()
            .filter(|b| Arc::ptr_eq(&b.outcome, self.outcome));
        if let Some(batch) = ours {
            batch.poisoned |= self.broken || std::thread::panicking();
            batch.pending -= 1;
        }
        self.group.changed.notify_all();
    }
}
