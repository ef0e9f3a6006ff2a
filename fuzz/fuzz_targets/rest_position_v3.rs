//! Any bytes as the JSON body of a v3 create/update.
#![no_main]

#[path = "common.rs"]
mod common;

use gpd_gateway::domain::position::Position;
use gpd_gateway::rest::model::{parse_json, PaymentPositionModelV3};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(model) = parse_json::<PaymentPositionModelV3>(data) else {
        return;
    };
    let Ok(input) = model.to_input() else {
        return;
    };
    let org = common::org();
    if let Ok(position) = Position::create(&org, input, common::now(), true) {
        let _ = position.plans();
    }
});
