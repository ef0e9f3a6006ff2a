//! The HTTP server: routes, request ids, access log, and error bodies in each face's format
//! (ProblemJson for REST, SOAP faults for the Nodo).

use std::net::{SocketAddr, TcpListener};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, Service, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpResponse, HttpServer};

use crate::config::{DatabaseConfig, ServeConfig};
use crate::http::{request_id, MAX_BODY, REQUEST_ID};
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
        let mut server = HttpServer::new(move || {
            let observed = observed.clone();
            App::new()
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
                    let id = request_id(req.headers().get(REQUEST_ID));
                    let method = req.method().clone();
                    let target = req
                        .uri()
                        .path_and_query()
                        .map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned());
                    let started = Instant::now();
                    let fut = srv.call(req);
                    async move {
                        let mut res = with_error_body(fut.await?);
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
            self.config.clock.clone(),
            self.config.status_job_interval(),
        ));
        let delivery = self.config.delivery();
        let worker = delivery.enabled.then(|| {
            tokio::spawn(crate::events::run_worker(
                self.db.clone(),
                self.config.clock.clone(),
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
