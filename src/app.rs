//! The HTTP server: routes, request ids, access log, and error bodies in each face's format
//! (ProblemJson for REST, SOAP faults for the Nodo).

use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, Service, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{ConnectionType, StatusCode};
use actix_web::{web, App, HttpResponse, HttpServer};

use crate::config::{DatabaseConfig, ServeConfig};
use crate::http::{request_id, CLIENT_DISCONNECT_TIMEOUT, MAX_BODY, REQUEST_ID};
use crate::limits::Shutdown;
use crate::metrics::Metrics;
use crate::rest::{self, system::Environment};
use crate::soap;
use crate::store::{self, DatabaseUrl, Db, PoolOptions};

pub struct Application {
    addr: SocketAddr,
    server: Server,
    db: Db,
    config: ServeConfig,
    metrics: std::sync::Arc<Metrics>,
    shutdown: Shutdown,
    signals: bool,
}

/// Stops the server as SIGTERM does: no new connections, requests in flight finish (within the
/// shutdown time-out), the jobs and the delivery worker end and release their leases.
#[derive(Clone)]
pub struct GracefulStop {
    handle: actix_web::dev::ServerHandle,
    shutdown: Shutdown,
}

impl GracefulStop {
    pub async fn stop(&self) {
        self.shutdown.start();
        self.handle.stop(true).await;
    }
}

/// The body of an error that has none of its face's format yet (unknown route, wrong method,
/// oversized payload...): a SOAP fault under the Nodo's paths, ProblemJson elsewhere.
fn error_body(path: &str, status: StatusCode, detail: String) -> HttpResponse {
    if soap::endpoint::is_soap_path(path) {
        soap::endpoint::plain_fault(status, &detail)
    } else {
        rest::problem(status, detail)
    }
}

fn with_error_body<B: MessageBody + 'static>(res: ServiceResponse<B>) -> ServiceResponse {
    let status = res.status();
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if status.as_u16() < 400 || !plain {
        return res.map_into_boxed_body();
    }
    let detail = res
        .response()
        .error()
        .map(|e| e.to_string())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_owned());
    let kept = res.headers().get(header::ALLOW).cloned();
    let (req, _) = res.into_parts();
    let mut body = error_body(req.path(), status, detail);
    if let Some(allow) = kept {
        body.headers_mut().insert(header::ALLOW, allow);
    }
    ServiceResponse::new(req, body)
}

impl Application {
    pub fn build(database: &DatabaseConfig, config: ServeConfig) -> Result<Self, String> {
        let url = DatabaseUrl::parse(&database.database_url)?;
        database.install_keyring()?;
        if !store::secrets::sealing() {
            log::warn!("GPD_SECRET_KEYS is not set: webhook secrets are stored unencrypted (see `gpd-gateway secrets new-key`)");
        }
        let options = PoolOptions {
            max_size: config.db_pool_size,
            connection_timeout: config.db_timeout(),
        };
        let pool = store::connect(&url, &options)?;
        let db = Db::new(pool, &url);
        let listener = TcpListener::bind(&config.bind)
            .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let data = web::Data::new(db.clone());
        let environment = web::Data::new(Environment(config.environment.clone()));
        let soap = web::Data::new(config.soap()?);
        let clock = web::Data::new(config.clock.clone());
        let metrics = web::Data::new(Metrics::default());
        let portal_on = config.portal;
        let portal = web::Data::new(config.portal());
        let observed = metrics.clone();
        let metrics_handle = metrics.clone().into_inner();
        let rate_limit = config.key_rate_limit().map(web::Data::new);
        let request_timeout = config.request_timeout();
        let shutdown = Shutdown::default();
        let draining = shutdown.clone();
        let mut server = HttpServer::new(move || {
            let observed = observed.clone();
            let draining = draining.clone();
            let rate_limit = rate_limit.clone();
            App::new()
                .configure(|cfg| {
                    if let Some(limit) = rate_limit {
                        cfg.app_data(limit);
                    }
                })
                .app_data(data.clone())
                .app_data(environment.clone())
                .app_data(soap.clone())
                .app_data(metrics.clone())
                .app_data(clock.clone())
                .app_data(portal.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY))
                .configure(rest::configure)
                .configure(soap::endpoint::configure)
                .configure(|cfg| {
                    if portal_on {
                        crate::portal::configure(cfg)
                    }
                })
                .default_service(web::to(|req: actix_web::HttpRequest| async move {
                    error_body(
                        req.path(),
                        StatusCode::NOT_FOUND,
                        "No such endpoint".to_owned(),
                    )
                }))
                .wrap_fn(move |req, srv| {
                    let metrics = observed.clone();
                    let draining = draining.clone();
                    let id = request_id(req.headers().get(REQUEST_ID));
                    let method = req.method().clone();
                    let target = req
                        .uri()
                        .path_and_query()
                        .map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned());
                    let path = req.path().to_owned();
                    let started = Instant::now();
                    let fut = srv.call(req);
                    async move {
                        let mut res = match request_timeout {
                            None => with_error_body(fut.await?),
                            Some(limit) => match tokio::time::timeout(limit, fut).await {
                                Ok(res) => with_error_body(res?),
                                Err(_) => {
                                    log::warn!(
                                        "{method} {target} not completed within {} s request_id={id}",
                                        limit.as_secs()
                                    );
                                    return Err(TimedOut {
                                        soap: soap::endpoint::is_soap_path(&path),
                                        limit,
                                    }
                                    .into());
                                }
                            },
                        };
                        if draining.is_started() {
                            // Stopping: the client reconnects, to another instance.
                            res.response_mut()
                                .head_mut()
                                .set_connection_type(ConnectionType::Close);
                        }
                        let route = res
                            .request()
                            .match_pattern()
                            .unwrap_or_else(|| "unmatched".to_owned());
                        metrics.observe_request(
                            method.as_str(),
                            &route,
                            res.status().as_u16(),
                            started.elapsed(),
                        );
                        if let Ok(value) = HeaderValue::from_str(&id) {
                            res.headers_mut()
                                .insert(HeaderName::from_static(REQUEST_ID), value);
                        }
                        log::info!(
                            "{method} {target} {} {:.1}ms request_id={id}",
                            res.status().as_u16(),
                            started.elapsed().as_secs_f64() * 1000.0
                        );
                        Ok(res)
                    }
                })
        })
        .client_request_timeout(Duration::from_millis(config.client_request_timeout_ms))
        .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
        .keep_alive(match config.keep_alive_secs {
            0 => actix_web::http::KeepAlive::Disabled,
            secs => actix_web::http::KeepAlive::Timeout(Duration::from_secs(secs)),
        })
        .shutdown_timeout(config.shutdown_timeout_secs)
        .disable_signals()
        .listen(listener)
        .map_err(|e| e.to_string())?;
        if let Some(workers) = config.workers {
            server = server.workers(workers.max(1));
        }
        Ok(Self {
            addr,
            server: server.run(),
            db,
            config,
            metrics: metrics_handle,
            shutdown,
            signals: false,
        })
    }

    /// SIGTERM and SIGINT stop the server gracefully (a second one: at once). For the binary;
    /// tests stop the server through [`Application::handle`] or [`Application::graceful_stop`].
    pub fn with_signals(mut self) -> Self {
        self.signals = true;
        self
    }

    pub fn graceful_stop(&self) -> GracefulStop {
        GracefulStop {
            handle: self.server.handle(),
            shutdown: self.shutdown.clone(),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Stops the server (and, as `run` returns, its background tasks): what a crash does to the
    /// work in flight, for tests.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped, running the status job and the delivery worker beside it. After a
    /// graceful stop they get the shutdown time-out to end their step (the worker releases its
    /// leases); after [`Application::handle`]'s stop they are dropped, as in a crash.
    pub async fn run(self) -> std::io::Result<()> {
        let shutdown = self.shutdown.clone();
        let mut job = tokio::spawn(crate::jobs::run_status_transitions(
            self.db.clone(),
            self.config.clock.clone(),
            self.config.status_job_interval(),
            shutdown.clone(),
        ));
        let delivery = self.config.delivery();
        let mut worker = delivery.enabled.then(|| {
            tokio::spawn(crate::events::run_worker(
                self.db.clone(),
                self.config.clock.clone(),
                delivery,
                self.metrics.clone(),
                shutdown.clone(),
            ))
        });
        let signals = self
            .signals
            .then(|| tokio::spawn(on_signals(self.graceful_stop(), self.config.clone())));
        let result = self.server.await;
        if let Some(signals) = signals {
            signals.abort();
        }
        if shutdown.is_started() {
            let background = async {
                let _ = (&mut job).await;
                if let Some(worker) = worker.as_mut() {
                    let _ = worker.await;
                }
            };
            // The worker had the same time-out, from the same instant: a little more is enough.
            let bound = self.config.shutdown_timeout() + Duration::from_secs(2);
            if tokio::time::timeout(bound, background).await.is_err() {
                log::warn!("background tasks did not stop in time");
            }
            log::info!("stopped");
        }
        job.abort();
        if let Some(worker) = worker {
            worker.abort();
        }
        result
    }
}

/// A request past the handler time-out: 503 in its face's format. (An error rather than a
/// response: the request itself is inside the handler future that was dropped.)
#[derive(Debug)]
struct TimedOut {
    soap: bool,
    limit: Duration,
}

impl std::fmt::Display for TimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "The request was not completed within {} s; it may or may not have taken effect",
            self.limit.as_secs()
        )
    }
}

impl actix_web::ResponseError for TimedOut {
    fn status_code(&self) -> StatusCode {
        StatusCode::SERVICE_UNAVAILABLE
    }

    fn error_response(&self) -> HttpResponse {
        let path = if self.soap { soap::endpoint::PATH } else { "/" };
        error_body(path, self.status_code(), self.to_string())
    }
}

/// The first SIGTERM or SIGINT stops gracefully; a second one stops at once.
#[cfg(unix)]
async fn on_signals(stop: GracefulStop, config: ServeConfig) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        log::error!("cannot listen for SIGTERM/SIGINT: they will stop the process abruptly");
        return;
    };
    let name = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    };
    log::info!(
        "{name} received: no new connections; requests in flight have {} s to finish",
        config.shutdown_timeout_secs
    );
    tokio::select! {
        _ = stop.stop() => {}
        _ = term.recv() => stop.handle.stop(false).await,
        _ = int.recv() => stop.handle.stop(false).await,
    }
}

#[cfg(not(unix))]
async fn on_signals(stop: GracefulStop, _config: ServeConfig) {
    if tokio::signal::ctrl_c().await.is_ok() {
        stop.stop().await;
    }
}
