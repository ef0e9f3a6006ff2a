//! Persistence: one diesel connection type over SQLite and MySQL/MariaDB, the pool, migrations
//! and the transactions every multi-row change runs in.

/// Multi-row INSERT in one statement, on the concrete backend (the multi-backend lacks it).
/// Defined before the modules that use it.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            $crate::store::DbConnection::Sqlite(c) => {
                diesel::insert_into($table).values($rows).execute(c)?
            }
            #[cfg(feature = "mysql")]
            $crate::store::DbConnection::Mysql(c) => {
                diesel::insert_into($table).values($rows).execute(c)?
            }
        }
    };
}

pub mod access;
pub mod audit;
pub mod bulk;
pub mod delegations;
pub mod events;
mod group_commit;
pub mod iuvs;
pub mod keys;
pub mod models;
pub mod notice_settings;
pub mod orgs;
pub mod partner_webhooks;
pub mod partners;
pub mod portal;
pub mod positions;
pub mod receipts;
pub mod schema;
pub mod secrets;
pub mod services;
pub mod spontaneous;
pub mod stations;
pub mod taxonomy;
pub mod timestamps;
mod url;
pub mod webhooks;

pub use url::{redact_url, DatabaseUrl};

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::domain::DomainError;
use group_commit::GroupCommit;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    #[cfg(feature = "mysql")]
    Mysql(diesel::MysqlConnection),
    Sqlite(SqliteConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
#[cfg(feature = "mysql")]
const MYSQL_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/mysql");

pub const DEFAULT_SQLITE_FILE: &str = "gpd-gateway.db";

/// Errors of the store layer. Domain refusals raised inside a transaction pass through.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("{0}")]
    Duplicate(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the debt position is at version {actual}, not {expected}")]
    VersionMismatch { expected: i32, actual: i32 },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(DieselError),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Duplicate(info.message().to_owned())
            }
            _ => StoreError::Database(error),
        }
    }
}

impl From<r2d2::PoolError> for StoreError {
    fn from(error: r2d2::PoolError) -> Self {
        StoreError::Unavailable(error.to_string())
    }
}

/// Picks the backend by URL scheme, so a MySQL connection error is reported as it is.
pub struct ConnectionManager {
    url: DatabaseUrl,
}

/// A pooled connection, with what decides whether to keep it. Connections are not pinged on every
/// checkout (a statement per request): only one idle for [`IDLE_CHECK`] is, and one is dropped
/// when a statement failed and a ping then fails too (server restarted, failover, network).
pub struct PoolConn {
    conn: DbConnection,
    broken: bool,
    last_used: std::time::Instant,
}

/// A MySQL connection idle for this long is pinged before use.
pub const IDLE_CHECK: Duration = Duration::from_secs(10);

impl PoolConn {
    fn may_have_gone(&self) -> bool {
        match self.conn {
            DbConnection::Sqlite(_) => false,
            #[cfg(feature = "mysql")]
            DbConnection::Mysql(_) => self.last_used.elapsed() >= IDLE_CHECK,
        }
    }

    fn ping(&mut self) -> diesel::QueryResult<()> {
        self.conn.batch_execute("SELECT 1")
    }

    fn answers(&mut self) -> bool {
        self.ping().is_ok()
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = PoolConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<PoolConn, r2d2::Error> {
        let mut conn = self.url.establish().map_err(r2d2::Error::ConnectionError)?;
        match &mut conn {
            // Checkpoints run from `Db::run`, after the work and outside the writer's turn.
            DbConnection::Sqlite(c) => c
                .batch_execute("PRAGMA wal_autocheckpoint = 0;")
                .map_err(r2d2::Error::QueryError)?,
            #[cfg(feature = "mysql")]
            DbConnection::Mysql(_) => {}
        }
        Ok(PoolConn {
            conn,
            broken: false,
            last_used: std::time::Instant::now(),
        })
    }

    fn is_valid(&self, conn: &mut PoolConn) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut PoolConn) -> bool {
        conn.broken
    }
}

pub type DbPool = Pool<ConnectionManager>;
pub type PooledConn = PooledConnection<ConnectionManager>;

#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    pub connection_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            connection_timeout: Duration::from_secs(5),
        }
    }
}

/// Connects, applies pending migrations and returns the pool.
pub fn connect(url: &DatabaseUrl, options: &PoolOptions) -> Result<DbPool, String> {
    let mut conn = url.establish().map_err(|e| url.open_error(&e))?;
    run_migrations(&mut conn)?;
    // SQLite has one writer at a time: more connections only add lock waits.
    let max_size = match url {
        DatabaseUrl::Sqlite(_) => options.max_size.min(8),
        DatabaseUrl::Mysql(_) => options.max_size,
    };
    Pool::builder()
        .max_size(max_size.max(1))
        // Checked by `Db::run` instead: only when idle for a while, or after an error.
        .test_on_check_out(false)
        .min_idle(Some(1))
        .connection_timeout(options.connection_timeout)
        .build(ConnectionManager { url: url.clone() })
        .map_err(|e| format!("cannot open the database pool on the {url}: {e}"))
}

/// Applies pending migrations; returns the names of those applied.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => c.run_pending_migrations(MYSQL_MIGRATIONS),
    }
    .map_err(|e| format!("migration failed: {e}"))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// Opens one direct connection without touching migrations.
pub fn establish(url: &DatabaseUrl) -> Result<DbConnection, String> {
    url.establish().map_err(|e| url.open_error(&e))
}

/// Opens one direct connection (CLI commands), with migrations applied.
pub fn connect_single(url: &DatabaseUrl) -> Result<DbConnection, String> {
    let mut conn = url.establish().map_err(|e| url.open_error(&e))?;
    run_migrations(&mut conn)?;
    Ok(conn)
}

static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    static HOLDS_SQLITE_WRITER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The group commit of the database whose pooled connection this thread is using.
    static WRITE_GROUP: std::cell::RefCell<Option<std::sync::Arc<GroupCommit>>> =
        const { std::cell::RefCell::new(None) };
}

/// Marks this thread as working for a [`Db`] (its writes may share commits) until dropped.
struct InGroup;

impl InGroup {
    fn enter(group: &std::sync::Arc<GroupCommit>) -> InGroup {
        WRITE_GROUP.with(|g| *g.borrow_mut() = Some(group.clone()));
        InGroup
    }
}

impl Drop for InGroup {
    fn drop(&mut self) {
        WRITE_GROUP.with(|g| *g.borrow_mut() = None);
    }
}

/// Holds the process-wide SQLite writer turn, or marks this thread as writing through a
/// [`GroupCommit`]; re-entrant within a thread.
struct WriterTurn {
    _turn: Option<std::sync::MutexGuard<'static, ()>>,
    marked: bool,
}

impl WriterTurn {
    fn take(conn: &DbConnection) -> WriterTurn {
        let sqlite = matches!(conn, DbConnection::Sqlite(_));
        if !sqlite || HOLDS_SQLITE_WRITER.with(|h| h.get()) {
            return WriterTurn {
                _turn: None,
                marked: false,
            };
        }
        let guard = SQLITE_WRITER.lock().unwrap_or_else(|e| e.into_inner());
        HOLDS_SQLITE_WRITER.with(|h| h.set(true));
        WriterTurn {
            _turn: Some(guard),
            marked: true,
        }
    }

    /// The group commit orders its writers itself.
    fn shared() -> WriterTurn {
        HOLDS_SQLITE_WRITER.with(|h| h.set(true));
        WriterTurn {
            _turn: None,
            marked: true,
        }
    }
}

impl Drop for WriterTurn {
    fn drop(&mut self) {
        if self.marked {
            HOLDS_SQLITE_WRITER.with(|h| h.set(false));
        }
    }
}

/// Runs `f` in a write transaction. On SQLite, work of a [`Db`] joins the transaction another of
/// its writers has open, in a savepoint, and they commit together ([`GroupCommit`]); otherwise
/// SQLite takes the write lock up front (`BEGIN IMMEDIATE`), and this process's writers queue in
/// order on a mutex rather than in SQLite's busy handler, which polls with sleeps of up to 100 ms
/// (other processes still meet the busy timeout). MySQL relies on row locks.
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<DieselError>,
{
    let nested = HOLDS_SQLITE_WRITER.with(|h| h.get());
    let group = WRITE_GROUP.with(|g| g.borrow().clone());
    if let (DbConnection::Sqlite(_), Some(group), false) = (&*conn, group, nested) {
        let _turn = WriterTurn::shared();
        return group.write(conn, f);
    }
    let _turn = WriterTurn::take(conn);
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    let result = f(conn);
    let end = match (&result, conn) {
        (Ok(_), DbConnection::Sqlite(c)) => AnsiTransactionManager::commit_transaction(c),
        (Err(_), DbConnection::Sqlite(c)) => AnsiTransactionManager::rollback_transaction(c),
        #[cfg(feature = "mysql")]
        (Ok(_), DbConnection::Mysql(c)) => AnsiTransactionManager::commit_transaction(c),
        #[cfg(feature = "mysql")]
        (Err(_), DbConnection::Mysql(c)) => AnsiTransactionManager::rollback_transaction(c),
    };
    match (result, end) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), _) => Err(e),
    }
}

/// A pool handle whose `run` moves blocking database work off the async workers.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    backend: &'static str,
    callers: std::sync::Arc<stations::CallerCache>,
    wal: std::sync::Arc<WalCheckpoints>,
    writes: std::sync::Arc<GroupCommit>,
    /// One per pooled connection: a request waits for its turn here, not in a blocking thread.
    turns: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Db {
    pub fn new(pool: DbPool, url: &DatabaseUrl) -> Self {
        Self {
            backend: url.backend_name(),
            callers: Default::default(),
            wal: Default::default(),
            writes: Default::default(),
            turns: std::sync::Arc::new(tokio::sync::Semaphore::new(pool.max_size() as usize)),
            pool,
        }
    }

    /// The successful Nodo caller checks of this database, shared by every request.
    pub fn callers(&self) -> std::sync::Arc<stations::CallerCache> {
        self.callers.clone()
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// SQLite writers so far that shared another's commit ([`GroupCommit`]).
    pub fn shared_commits(&self) -> u64 {
        self.writes.joined()
    }

    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.run_with_timeout(self.pool.connection_timeout(), f)
            .await
    }

    /// Like [`Db::run`], but gives up waiting for a connection after `timeout`.
    pub async fn run_with_timeout<T, F>(&self, timeout: Duration, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        // Waiting for a connection in a blocking thread would take one thread per waiting request
        // (each with its own malloc arena and stack): SQLite's peak in the benchmark was 141 MiB
        // that way, 126 MiB this way.
        let started = std::time::Instant::now();
        let turn = tokio::time::timeout(timeout, self.turns.clone().acquire_owned())
            .await
            .map_err(|_| StoreError::Unavailable("timed out waiting for connection".to_owned()))?
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let timeout = timeout.saturating_sub(started.elapsed());
        let pool = self.pool.clone();
        let wal = self.wal.clone();
        let writes = self.writes.clone();
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let mut pooled = checkout(&pool, timeout)?;
            let in_group = InGroup::enter(&writes);
            let result = f(&mut pooled.conn);
            drop(in_group);
            if matches!(result, Err(StoreError::Database(_))) && !pooled.answers() {
                pooled.broken = true;
            }
            wal.after_run(&mut pooled.conn);
            pooled.last_used = std::time::Instant::now();
            result
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("database task failed: {e}")))?
    }
}

/// Pooled SQLite work between two WAL checkpoints.
const CHECKPOINT_EVERY: u64 = 64;

/// SQLite's automatic checkpoint would copy the WAL into the database (and fsync it) inside the
/// commit that crosses its threshold, holding the single writer's turn meanwhile; the pool's
/// connections turn it off, and every [`CHECKPOINT_EVERY`]th run of a [`Db`] checkpoints
/// passively after its work instead, one at a time, while other writers go on.
#[derive(Default)]
struct WalCheckpoints {
    runs: std::sync::atomic::AtomicU64,
    running: std::sync::atomic::AtomicBool,
}

impl WalCheckpoints {
    fn after_run(&self, conn: &mut DbConnection) {
        use std::sync::atomic::Ordering;
        if !matches!(conn, DbConnection::Sqlite(_)) {
            return;
        }
        let run = self.runs.fetch_add(1, Ordering::Relaxed) + 1;
        if !run.is_multiple_of(CHECKPOINT_EVERY) || self.running.swap(true, Ordering::Acquire) {
            return;
        }
        if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE);") {
            log::warn!("SQLite WAL checkpoint failed (retried later): {e}");
        }
        self.running.store(false, Ordering::Release);
    }
}

/// A connection from the pool; one idle long enough to have been closed by the server is pinged
/// first, and replaced when it does not answer.
fn checkout(pool: &DbPool, timeout: Duration) -> Result<PooledConn, StoreError> {
    for _ in 0..3 {
        let mut pooled = pool.get_timeout(timeout)?;
        if !pooled.may_have_gone() || pooled.answers() {
            return Ok(pooled);
        }
        pooled.broken = true;
    }
    Ok(pool.get_timeout(timeout)?)
}
