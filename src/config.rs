//! Configuration, from flags or the environment.

use std::time::Duration;

use clap::Args;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://gpd-gateway.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Where the data lives; shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct DatabaseConfig {
    /// sqlite://PATH (a file; created if missing) or mysql://USER:PASS@HOST:PORT/DB
    // hide_env_values: the URL may hold a password, which --help must not print.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL,
        global = true,
        hide_env_values = true
    )]
    pub database_url: String,
    /// Keys sealing the webhook secrets at rest: `id:base64-of-32-bytes`, comma-separated, the
    /// first seals (see `gpd-gateway secrets`). Empty: secrets are stored in plaintext.
    #[arg(
        long,
        env = "GPD_SECRET_KEYS",
        default_value = "",
        global = true,
        hide_env_values = true,
        hide_default_value = true
    )]
    pub secret_keys: String,
}

impl DatabaseConfig {
    /// Installs the secret keyring of this configuration for the process (once).
    pub fn install_keyring(&self) -> Result<(), String> {
        let keyring = crate::store::secrets::Keyring::parse(&self.secret_keys)?;
        crate::store::secrets::install(keyring)
    }
}

pub const MAX_CALLBACK_TIMEOUT_MS: u64 = 5000;

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
    #[arg(long, env = "GPD_SOAP_KEY", hide_env_values = true)]
    pub soap_key: Option<String>,
    /// Check idPA, idBrokerPA and idStation of Nodo requests against `station add` (true/false).
    #[arg(long, env = "GPD_SOAP_CHECK_CALLER", default_value_t = true, action = clap::ArgAction::Set)]
    pub soap_check_caller: bool,
    /// Deliver events to webhooks from this instance (true/false).
    #[arg(long, env = "GPD_WEBHOOK_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub webhook_worker: bool,
    /// Milliseconds between looks for events to deliver when idle.
    #[arg(long, env = "GPD_WEBHOOK_POLL_MS", default_value_t = 250)]
    pub webhook_poll_ms: u64,
    /// Seconds a webhook has to answer.
    #[arg(long, env = "GPD_WEBHOOK_TIMEOUT_SECS", default_value_t = 10)]
    pub webhook_timeout_secs: u64,
    /// Attempts before an event is given up (DEAD); the default spans about 3 days.
    #[arg(long, env = "GPD_WEBHOOK_MAX_ATTEMPTS", default_value_t = 83)]
    pub webhook_max_attempts: i32,
    /// First retry delay in milliseconds; it doubles on each failure.
    #[arg(long, env = "GPD_WEBHOOK_BACKOFF_BASE_MS", default_value_t = 1000)]
    pub webhook_backoff_base_ms: u64,
    /// Longest retry delay in seconds.
    #[arg(long, env = "GPD_WEBHOOK_BACKOFF_MAX_SECS", default_value_t = 3600)]
    pub webhook_backoff_max_secs: u64,
    /// Milliseconds the Nodo endpoint waits for a database connection before PAA_SYSTEM_ERROR.
    #[arg(long, env = "GPD_SOAP_DB_TIMEOUT_MS", default_value_t = 1000)]
    pub soap_db_timeout_ms: u64,
    /// Milliseconds a spontaneous-payment service's callback has to answer (at most 5000, so a
    /// demand is answered within the Nodo's 7 s).
    #[arg(long, env = "GPD_CALLBACK_TIMEOUT_MS", default_value_t = 3000)]
    pub callback_timeout_ms: u64,
    /// Serve the self-service portal under /portal (true/false).
    #[arg(long, env = "GPD_PORTAL", default_value_t = true, action = clap::ArgAction::Set)]
    pub portal: bool,
    /// Mark the portal's session cookie Secure even when a request does not look like HTTPS
    /// (set it behind a TLS-terminating proxy that does not send X-Forwarded-Proto).
    #[arg(long, env = "GPD_PORTAL_SECURE_COOKIE", default_value_t = false, action = clap::ArgAction::Set)]
    pub portal_secure_cookie: bool,
    /// Minutes without a request after which a portal session ends.
    #[arg(long, env = "GPD_PORTAL_IDLE_MINUTES", default_value_t = 30)]
    pub portal_idle_minutes: u32,
    /// Hours after sign-in at which a portal session ends, however active.
    #[arg(long, env = "GPD_PORTAL_SESSION_HOURS", default_value_t = 12)]
    pub portal_session_hours: u32,
    /// REST requests a second per API key, on average (token bucket per key, per instance);
    /// 0: no limit.
    #[arg(long, env = "GPD_RATE_LIMIT_PER_SEC", default_value_t = 0)]
    pub rate_limit_per_sec: u32,
    /// Requests a key may send at once above the rate (the bucket size); 0: twice the rate.
    #[arg(long, env = "GPD_RATE_LIMIT_BURST", default_value_t = 0)]
    pub rate_limit_burst: u32,
    /// Nodo requests in flight per station (idStation) beyond which PAA_SYSTEM_ERROR is answered
    /// at once; 0: no limit.
    #[arg(long, env = "GPD_SOAP_MAX_INFLIGHT_PER_STATION", default_value_t = 100)]
    pub soap_max_inflight_per_station: usize,
    /// Milliseconds a client has to send a request's headers (408 and closed after).
    #[arg(long, env = "GPD_CLIENT_REQUEST_TIMEOUT_MS", default_value_t = 5000)]
    pub client_request_timeout_ms: u64,
    /// Seconds an idle keep-alive connection is kept open; 0: no keep-alive.
    #[arg(long, env = "GPD_KEEP_ALIVE_SECS", default_value_t = 5)]
    pub keep_alive_secs: u64,
    /// Seconds a request may take from its headers to its answer, body included (503 after);
    /// 0: no limit.
    #[arg(long, env = "GPD_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Seconds, after SIGTERM or SIGINT, for requests in flight and the delivery worker to finish.
    #[arg(long, env = "GPD_SHUTDOWN_TIMEOUT_SECS", default_value_t = 20)]
    pub shutdown_timeout_secs: u64,
    /// Where requests, jobs and deliveries read "now"; tests set a manual clock.
    #[arg(skip)]
    pub clock: crate::clock::Clock,
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

    pub fn soap(&self) -> Result<crate::soap::endpoint::SoapConfig, String> {
        if !(1..=MAX_CALLBACK_TIMEOUT_MS).contains(&self.callback_timeout_ms) {
            return Err(format!(
                "--callback-timeout-ms must be 1 to {MAX_CALLBACK_TIMEOUT_MS}: the Nodo waits 7 s for the whole demand"
            ));
        }
        let timeout = Duration::from_millis(self.callback_timeout_ms);
        Ok(crate::soap::endpoint::SoapConfig {
            key: self.soap_key.clone().filter(|k| !k.is_empty()),
            check_caller: self.soap_check_caller,
            db_timeout: Duration::from_millis(self.soap_db_timeout_ms.max(1)),
            callbacks: crate::events::callback::Callbacks::new(timeout)?,
            inflight: crate::limits::StationInflight::new(self.soap_max_inflight_per_station),
        })
    }

    pub fn delivery(&self) -> crate::events::DeliveryConfig {
        crate::events::DeliveryConfig {
            enabled: self.webhook_worker,
            poll_interval: Duration::from_millis(self.webhook_poll_ms.max(10)),
            request_timeout: Duration::from_secs(self.webhook_timeout_secs.max(1)),
            max_attempts: self.webhook_max_attempts.max(1),
            backoff_base: Duration::from_millis(self.webhook_backoff_base_ms.max(1)),
            backoff_max: Duration::from_secs(self.webhook_backoff_max_secs.max(1)),
            batch: 32,
            concurrency: 16,
            shutdown_grace: self.shutdown_timeout(),
        }
    }

    pub fn portal(&self) -> crate::portal::PortalConfig {
        crate::portal::PortalConfig {
            policy: crate::domain::portal::SessionPolicy {
                idle: chrono::Duration::minutes(i64::from(self.portal_idle_minutes.max(1))),
                absolute: chrono::Duration::hours(i64::from(self.portal_session_hours.max(1))),
            },
            secure_cookie: self.portal_secure_cookie,
        }
    }

    pub fn key_rate_limit(&self) -> Option<crate::limits::KeyRateLimit> {
        crate::limits::KeyRateLimit::new(self.rate_limit_per_sec, self.rate_limit_burst)
    }

    /// `None`: no limit.
    pub fn request_timeout(&self) -> Option<Duration> {
        (self.request_timeout_secs > 0).then(|| Duration::from_secs(self.request_timeout_secs))
    }

    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }

    pub fn status_job_interval(&self) -> Duration {
        Duration::from_secs(self.status_job_interval_secs.max(1))
    }
}
