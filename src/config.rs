//! Configuration, from flags or the environment.

use std::time::Duration;

use clap::Args;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://gpd-gateway.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Where the data lives; shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct DatabaseConfig {
    /// sqlite://PATH (default: a file in the working directory) or mysql://USER:PASS@HOST:PORT/DB
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
}

#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "GPD_BIND", default_value = DEFAULT_BIND)]
    pub bind: String,
    /// Environment name shown by GET /info.
    #[arg(long, env = "GPD_ENVIRONMENT", default_value = "local")]
    pub environment: String,
    /// Largest number of database connections.
    #[arg(long, env = "GPD_DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,
    /// Seconds to wait for a database connection before answering 503.
    #[arg(long, env = "GPD_DB_TIMEOUT_SECS", default_value_t = 5)]
    pub db_timeout_secs: u64,
    /// Seconds between runs of the job that stores time-driven status changes.
    #[arg(long, env = "GPD_STATUS_JOB_INTERVAL_SECS", default_value_t = 60)]
    pub status_job_interval_secs: u64,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "GPD_WORKERS")]
    pub workers: Option<usize>,
    /// When set, the Nodo endpoint requires this value in `Ocp-Apim-Subscription-Key`.
    #[arg(long, env = "GPD_SOAP_KEY")]
    pub soap_key: Option<String>,
    /// Check idPA, idBrokerPA and idStation of Nodo requests against `station add` (true/false).
    #[arg(long, env = "GPD_SOAP_CHECK_CALLER", default_value_t = true, action = clap::ArgAction::Set)]
    pub soap_check_caller: bool,
    /// Milliseconds the Nodo endpoint waits for a database connection before PAA_SYSTEM_ERROR.
    #[arg(long, env = "GPD_SOAP_DB_TIMEOUT_MS", default_value_t = 1000)]
    pub soap_db_timeout_ms: u64,
}

impl ServeConfig {
    /// The serve settings when no subcommand is given: defaults overridden by the environment.
    pub fn default_from_env() -> Result<Self, String> {
        #[derive(clap::Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeConfig,
        }
        use clap::Parser;
        Only::try_parse_from(["gpd-gateway"])
            .map(|o| o.serve)
            .map_err(|e| e.to_string())
    }

    pub fn db_timeout(&self) -> Duration {
        Duration::from_secs(self.db_timeout_secs.max(1))
    }

    pub fn soap(&self) -> crate::soap::endpoint::SoapConfig {
        crate::soap::endpoint::SoapConfig {
            key: self.soap_key.clone().filter(|k| !k.is_empty()),
            check_caller: self.soap_check_caller,
            db_timeout: Duration::from_millis(self.soap_db_timeout_ms.max(1)),
        }
    }

    pub fn status_job_interval(&self) -> Duration {
        Duration::from_secs(self.status_job_interval_secs.max(1))
    }
}
