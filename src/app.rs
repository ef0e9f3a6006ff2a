//! The HTTP server: routes, request ids, access log, uniform error bodies.

use std::net::{SocketAddr, TcpListener};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, Service, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpServer};

use crate::config::{DatabaseConfig, ServeConfig};
use crate::metrics::Metrics;
use crate::rest::{self, system::Environment};
use crate::store::{self, DatabaseUrl, Db, PoolOptions};

pub const REQUEST_ID: &str = "x-request-id";

pub struct Application {
    addr: SocketAddr,
    server: Server,
    db: Db,
    config: ServeConfig,
    metrics: std::sync::Arc<Metrics>,
}

fn request_id(value: Option<&HeaderValue>) -> String {
    value
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Gives an error in plain text (unknown route, oversized payload...) the ProblemJson shape.
fn as_problem<B: MessageBody + 'static>(res: ServiceResponse<B>) -> ServiceResponse {
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
    let (req, _) = res.into_parts();
    ServiceResponse::new(req, rest::problem(status, detail))
}

impl Application {
    pub fn build(database: &DatabaseConfig, config: ServeConfig) -> Result<Self, String> {
        let url = DatabaseUrl::parse(&database.database_url)?;
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
        let soap = web::Data::new(config.soap());
        let metrics = web::Data::new(Metrics::default());
        let observed = metrics.clone();
        let metrics_handle = metrics.clone().into_inner();
        let mut server = HttpServer::new(move || {
            let observed = observed.clone();
            App::new()
                .app_data(data.clone())
                .app_data(environment.clone())
                .app_data(soap.clone())
                .app_data(metrics.clone())
                .app_data(web::PayloadConfig::new(rest::MAX_JSON_BODY))
                .configure(rest::configure)
                .configure(crate::soap::endpoint::configure)
                .default_service(web::to(|| async {
                    rest::problem(StatusCode::NOT_FOUND, "No such endpoint")
                }))
                .wrap_fn(move |req, srv| {
                    let metrics = observed.clone();
                    let id = request_id(req.headers().get(REQUEST_ID));
                    let method = req.method().clone();
                    let path = req.path().to_owned();
                    let started = Instant::now();
                    let fut = srv.call(req);
                    async move {
                        let mut res = as_problem(fut.await?);
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
                            "{method} {path} {} {:.1}ms request_id={id}",
                            res.status().as_u16(),
                            started.elapsed().as_secs_f64() * 1000.0
                        );
                        Ok(res)
                    }
                })
        })
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
        })
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

    /// Serves until stopped, running the status job beside it.
    pub async fn run(self) -> std::io::Result<()> {
        let job = tokio::spawn(crate::jobs::run_status_transitions(
            self.db.clone(),
            self.config.status_job_interval(),
        ));
        let delivery = self.config.delivery();
        let worker = delivery.enabled.then(|| {
            tokio::spawn(crate::events::run_worker(
                self.db.clone(),
                delivery,
                self.metrics.clone(),
            ))
        });
        let result = self.server.await;
        job.abort();
        if let Some(worker) = worker {
            worker.abort();
        }
        result
    }
}
