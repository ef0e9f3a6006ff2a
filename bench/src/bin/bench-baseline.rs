//! The reference for what this machine's HTTP stack can do at all: actix-web (as the service
//! uses it) reading each request body and answering a fixed paVerifyPaymentNotice reply, with no
//! database, no XML parsing and no logging.

use actix_web::{web, App, HttpResponse, HttpServer};
use clap::Parser;

/// A paVerifyPaymentNotice OK reply of the size the service sends.
const REPLY: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:pafn="http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd"><soapenv:Body><pafn:paVerifyPaymentNoticeRes><outcome>OK</outcome><paymentList><paymentOptionDescription><amount>1230.45</amount><options>EQ</options><dueDate>2030-06-30</dueDate><detailDescription>TARI 2030 unica soluzione</detailDescription><allCCP>false</allCCP></paymentOptionDescription></paymentList><paymentDescription>TARI 2030 unica soluzione</paymentDescription><fiscalCodePA>77777777777</fiscalCodePA><companyName>Comune di Benchmark</companyName><officeName>Ufficio Tributi</officeName></pafn:paVerifyPaymentNoticeRes></soapenv:Body></soapenv:Envelope>"#;

#[derive(Parser)]
#[command(about = "Minimal actix-web server answering a fixed XML body")]
struct Args {
    /// Address to listen on (port 0: any free port); the bound address is printed.
    #[arg(long, default_value = "127.0.0.1:0")]
    bind: String,
    /// HTTP worker threads (default: one per core, as the service).
    #[arg(long)]
    workers: Option<usize>,
}

async fn reply(body: web::Bytes) -> HttpResponse {
    std::hint::black_box(body);
    HttpResponse::Ok()
        .content_type("text/xml; charset=utf-8")
        .body(REPLY)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let listener = std::net::TcpListener::bind(&args.bind)?;
    let addr = listener.local_addr()?;
    let mut server =
        HttpServer::new(|| App::new().default_service(web::to(reply))).listen(listener)?;
    if let Some(workers) = args.workers {
        server = server.workers(workers);
    }
    println!("baseline listening on http://{addr}");
    server.run().await
}
