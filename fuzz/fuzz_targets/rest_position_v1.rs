//! Any bytes as the JSON body of a v1 create/update: parsed, checked and, when valid, turned into
//! a position and updated with itself, as the REST handlers do.
#![no_main]

#[path = "common.rs"]
mod common;

use gpd_gateway::domain::position::Position;
use gpd_gateway::rest::model::{parse_json, PaymentPositionModel};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(model) = parse_json::<PaymentPositionModel>(data) else {
        return;
    };
    let org = common::org();
    if let Ok(new) = model.to_new_input(&org) {
        let _ = format!("{new:?}");
    }
    let Ok(input) = model.to_input() else {
        return;
    };
    if let Ok(mut position) = Position::create(&org, input.clone(), common::now(), false) {
        let _ = position.update(&org, input, common::now(), true);
    }
});
