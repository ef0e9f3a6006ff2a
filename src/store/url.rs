//! The database URL: which backend, where, and how to name it in messages without its password.

use std::fmt;
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

use super::DbConnection;

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Mysql(String),
}

const SQLITE_EXAMPLE: &str = "sqlite://gpd-gateway.db";

impl DatabaseUrl {
    /// Parses `sqlite://PATH`, `sqlite:PATH`, a bare path or `mysql://...`. Refuses in-memory
    /// SQLite: every pooled connection would get its own empty database.
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("mysql://") {
            return if cfg!(feature = "mysql") {
                Ok(DatabaseUrl::Mysql(url.to_owned()))
            } else {
                Err("this build has no MySQL support: rebuild with `--features mysql`".to_owned())
            };
        }
        let path = if let Some(path) = url.strip_prefix("sqlite://") {
            path
        } else if let Some(path) = url.strip_prefix("sqlite:") {
            path
        } else if url.contains("://") {
            return Err(format!(
                "unsupported database URL '{}': use sqlite://PATH or mysql://USER:PASS@HOST:PORT/DB",
                redact_url(url)
            ));
        } else if url.is_empty() {
            return Err(format!(
                "the database URL is empty: give a SQLite file ({SQLITE_EXAMPLE}) or a mysql:// URL"
            ));
        } else {
            url
        };
        if path.is_empty() {
            return Err(format!(
                "the database URL '{url}' names no SQLite file: give one, e.g. {SQLITE_EXAMPLE}"
            ));
        }
        if is_in_memory(path) {
            return Err(format!(
                "the in-memory SQLite database '{url}' cannot be used: each of the service's \
                 connections would get its own empty database; give a file, e.g. {SQLITE_EXAMPLE}"
            ));
        }
        Ok(DatabaseUrl::Sqlite(path.to_owned()))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Mysql(_) => "mysql",
        }
    }

    pub(super) fn establish(&self) -> Result<DbConnection, diesel::ConnectionError> {
        match self {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                conn.batch_execute(&format!(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 15000; PRAGMA foreign_keys = ON; \
                     PRAGMA cache_size = -{SQLITE_CACHE_KIB};"
                ))
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
            #[cfg(feature = "mysql")]
            DatabaseUrl::Mysql(url) => {
                let mut conn = diesel::MysqlConnection::establish(url)?;
                conn.batch_execute(
                    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED; SET time_zone = '+00:00';",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Mysql(conn))
            }
            #[cfg(not(feature = "mysql"))]
            DatabaseUrl::Mysql(_) => Err(diesel::ConnectionError::BadConnection(
                "this build has no MySQL support".to_owned(),
            )),
        }
    }

    /// The message for a failed connection: which database, the error, and for SQLite the
    /// likely cause (missing directory, no permission).
    pub(super) fn open_error(&self, error: &diesel::ConnectionError) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!(
                "cannot open the SQLite database {}: {error}{}",
                absolute(path).display(),
                sqlite_hint(Path::new(path))
            ),
            DatabaseUrl::Mysql(url) => format!(
                "cannot connect to the MySQL database {}: {error}",
                redact_url(url)
            ),
        }
    }
}

/// Names the database for people: the SQLite file's absolute path, or the URL without password.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "SQLite database {}", absolute(path).display()),
            DatabaseUrl::Mysql(url) => write!(f, "MySQL database {}", redact_url(url)),
        }
    }
}

/// Page cache of each SQLite connection, in KiB (SQLite's default is 2,000). The file's pages
/// stay in the kernel's page cache anyway; a smaller private cache measured the same rates or
/// better and 30 MiB less peak memory at 1,000,000 positions (BENCHMARKS.md, issue 9).
const SQLITE_CACHE_KIB: u32 = 512;

fn is_in_memory(path: &str) -> bool {
    path == ":memory:"
        || (path.starts_with("file:")
            && (path.starts_with("file::memory:") || path.contains("mode=memory")))
}

fn absolute(path: &str) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path))
}

/// `scheme://user:***@host/...`: the URL with its password (if any) replaced.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The user information ends at the last '@' before the query (a password may hold '/').
    let query = rest.find('?').unwrap_or(rest.len());
    let Some(at) = rest[..query].rfind('@') else {
        return url.to_owned();
    };
    match rest[..at].split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

/// Why SQLite may not open `file`, found by looking at it and its directory.
fn sqlite_hint(file: &Path) -> String {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let shown = absolute(&dir.to_string_lossy()).display().to_string();
    if file.is_dir() {
        return " (that path is a directory: give a file inside it)".to_owned();
    }
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return format!(" (the directory {shown} does not exist: create it first)");
        }
        Err(e) => return format!(" (the directory {shown} cannot be accessed: {e})"),
        Ok(m) if !m.is_dir() => return format!(" ({shown} is not a directory)"),
        Ok(_) => {}
    }
    // SQLite needs to create the file and, in WAL mode, the -wal and -shm files next to it.
    let probe = dir.join(format!(".gpd-gateway-probe-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
        }
        Err(e) => {
            return format!(
                " (cannot create files in the directory {shown}: {e}; check that it is writable by this user)"
            )
        }
    }
    if file.exists() {
        if let Err(e) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(file)
        {
            return format!(" (the file cannot be opened for writing: {e})");
        }
    }
    format!(" (check that the directory {shown} exists and is writable by this user)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_forms() {
        for (url, path) in [
            ("sqlite://data/gpd.db", "data/gpd.db"),
            ("sqlite:///var/lib/gpd.db", "/var/lib/gpd.db"),
            ("sqlite:gpd.db", "gpd.db"),
            ("gpd.db", "gpd.db"),
        ] {
            assert_eq!(
                DatabaseUrl::parse(url),
                Ok(DatabaseUrl::Sqlite(path.to_owned()))
            );
        }
    }

    #[test]
    fn in_memory_and_empty_sqlite_are_refused() {
        for url in [
            "sqlite://:memory:",
            "sqlite::memory:",
            ":memory:",
            "sqlite://file::memory:?cache=shared",
            "sqlite://file:x.db?mode=memory",
        ] {
            let err = DatabaseUrl::parse(url).unwrap_err();
            assert!(err.contains("in-memory"), "{url}: {err}");
        }
        for url in ["sqlite://", "sqlite:", ""] {
            let err = DatabaseUrl::parse(url).unwrap_err();
            assert!(err.contains("sqlite://gpd-gateway.db"), "{url}: {err}");
        }
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("mysql://gpd:secret@db:3306/gpd"),
            "mysql://gpd:***@db:3306/gpd"
        );
        assert_eq!(
            redact_url("postgres://u:p/a@ss@h/db?x=1@2"),
            "postgres://u:***@h/db?x=1@2"
        );
        assert_eq!(redact_url("mysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(redact_url("gpd.db"), "gpd.db");
        let err = DatabaseUrl::parse("postgres://gpd:topsecret@h/db").unwrap_err();
        assert!(
            err.contains("postgres://gpd:***@h/db") && !err.contains("topsecret"),
            "{err}"
        );
    }

    #[test]
    fn sqlite_open_errors_name_the_cause() {
        let dir = std::env::temp_dir().join(format!("gpd-url-test-{}", std::process::id()));
        let missing = dir.join("missing").join("gpd.db");
        let hint = sqlite_hint(&missing);
        assert!(hint.contains("does not exist"), "{hint}");
        std::fs::create_dir_all(&dir).unwrap();
        assert!(sqlite_hint(&dir).contains("is a directory"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
