//! Any bytes as a paForNode request body, with any (or no) SOAPAction: parsing never panics,
//! and a request it accepts yields a receipt or a clean fault.
#![no_main]

use gpd_gateway::soap::ops::receipt_of;
use gpd_gateway::soap::xml::{parse_request, parse_response, Operation};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let action = Operation::ALL
        .get(usize::from(selector) % (Operation::ALL.len() + 1))
        .map(Operation::soap_action);
    if let Ok(parsed) = parse_request(body, action) {
        let request = &parsed.request;
        let _ = (
            request.id_pa(),
            request.id_broker_pa(),
            request.id_station(),
        );
        let _ = request.qr_code();
        if let Some(Err(fault)) = receipt_of(request) {
            let _ = format!("{fault:?}");
        }
    }
    let _ = parse_response(body);
});
