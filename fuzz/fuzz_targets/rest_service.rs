//! Any bytes as the JSON body of `PUT .../services/{id}` (a spontaneous-payment service).
#![no_main]

#[path = "common.rs"]
mod common;

use gpd_gateway::domain::service::definition::ServiceDraft;
use gpd_gateway::domain::service::ServiceId;
use gpd_gateway::rest::model::parse_json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(draft) = parse_json::<ServiceDraft>(data) else {
        return;
    };
    let Ok(id) = ServiceId::parse("id", "SRV01") else {
        return;
    };
    let _ = draft.validate(id, &common::org());
});
