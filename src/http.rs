//! What both faces (REST and SOAP) share at the HTTP level: header names, body limits, the
//! request id.

use actix_web::http::header::HeaderValue;

/// The API-management key header: institutions' keys on REST, the optional Nodo key on SOAP.
pub const API_KEY_HEADER: &str = "Ocp-Apim-Subscription-Key";
/// Echoed on every response; taken from the request when it carries a sane one.
pub const REQUEST_ID: &str = "x-request-id";
/// Largest request body accepted (a position with 100 options, a receipt with its XML, fit).
pub const MAX_BODY: usize = 1024 * 1024;

/// After the server closes a connection, how long the client has to acknowledge it.
pub const CLIENT_DISCONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// The request's id: the caller's `x-request-id` when printable and short, else a new UUID.
pub fn request_id(value: Option<&HeaderValue>) -> String {
    value
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// The trimmed, non-empty value of a header, if it is text.
pub fn header_text<'a>(req: &'a actix_web::HttpRequest, name: &str) -> Option<&'a str> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}
