//! Any text as the base64 `datiSpecificiServizioRequest` of paDemandPaymentNotice.
#![no_main]

use gpd_gateway::domain::service::payload::parse_payload;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_payload(text);
    }
});
