//! The database goes away while the service runs: the Nodo gets a fast PAA_SYSTEM_ERROR, health
//! says 503, and service resumes when the database is back. MariaDB only: the connection runs
//! through a TCP proxy inside the test that can be cut.
#![cfg(feature = "mysql")]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::nodo::verify;
use common::{iuv, position, Backend, ORG_A};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards TCP connections to MariaDB until cut.
struct Proxy {
    port: u16,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: Option<JoinHandle<()>>,
}

impl Proxy {
    async fn start(port: u16) -> Proxy {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let spawned = tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let task = tokio::spawn(async move {
                    let server = common::mysql_server_addr();
                    if let Ok(mut outbound) = TcpStream::connect(server).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                spawned.lock().unwrap().push(task);
            }
        });
        Proxy {
            port,
            tasks,
            accept: Some(accept),
        }
    }

    /// Closes the listener and every forwarded connection.
    fn cut(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_gives_a_fast_system_error() {
    // A fresh MariaDB database, reached through the proxy.
    let dir = tempfile::tempdir().unwrap();
    let (direct_url, _name) = common::database_url(Backend::Mysql, &dir);
    let database = direct_url.rsplit('/').next().unwrap().to_owned();
    common::register(&direct_url, ORG_A, &[]);
    let mut proxy = Proxy::start(0).await;
    let proxied = format!(
        "{}/{database}",
        common::mysql_server_url_via(&format!("127.0.0.1:{}", proxy.port))
    );
    let (base, handle) = common::start_server(&proxied, |c| c.soap_check_caller = false).await;
    let client = reqwest::Client::new();
    let key = common::register(&direct_url, "12345678901", &[]);
    let created = client
        .post(format!(
            "{base}/organizations/12345678901/debtpositions?toPublish=true"
        ))
        .header(common::KEY_HEADER, &key)
        .json(&position("OUTAGE", &iuv(1)))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let soap = |body: String| {
        client
            .post(format!("{base}/paForNode"))
            .header("SOAPAction", "paVerifyPaymentNotice")
            .body(body)
            .send()
    };
    let notice = format!("3{}", iuv(1));
    let ok = soap(verify("12345678901", &notice))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&ok).contains("<outcome>OK</outcome>"));

    proxy.cut();
    let started = Instant::now();
    let reply = soap(verify("12345678901", &notice)).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(reply.status(), 200);
    let body = reply.bytes().await.unwrap();
    common::xsd::assert_valid_soap_reply(&body);
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("<faultCode>PAA_SYSTEM_ERROR</faultCode>"),
        "{text}"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "the Nodo must not wait toward its 7 s timeout: {elapsed:?}"
    );
    let health = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), 503);

    // The database comes back on the same address: service resumes.
    let _proxy = Proxy::start(proxy.port).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body = soap(verify("12345678901", &notice))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        if String::from_utf8_lossy(&body).contains("<outcome>OK</outcome>") {
            break;
        }
        assert!(Instant::now() < deadline, "service did not resume");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    handle.stop(false).await;
}
