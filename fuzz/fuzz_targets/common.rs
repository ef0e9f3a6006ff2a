//! What several targets share: a registered institution and a fixed "now".
#![allow(dead_code)]

use chrono::NaiveDateTime;
use gpd_gateway::domain::ids::{OrgFiscalCode, SegregationCode};
use gpd_gateway::domain::org::Organization;

pub fn org() -> Organization {
    let fc = OrgFiscalCode::parse("fc", "77777777777").expect("valid fiscal code");
    let seg = SegregationCode::parse("seg", "01").expect("valid segregation code");
    Organization::new(fc, "Comune di Esempio", None, 3, None, vec![seg]).expect("valid org")
}

pub fn now() -> NaiveDateTime {
    chrono::DateTime::from_timestamp(1_800_000_000, 0)
        .expect("valid timestamp")
        .naive_utc()
}
