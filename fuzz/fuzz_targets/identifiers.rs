//! Any text through every identifier and amount parser; what parses renders back to itself.
#![no_main]

use gpd_gateway::domain::ids::{
    Iupd, Iuv, NoticeNumber, OrgFiscalCode, SegregationCode, TransferId,
};
use gpd_gateway::domain::notice::has_valid_check_digits;
use gpd_gateway::domain::Amount;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(fc) = OrgFiscalCode::parse("fc", text) {
        assert_eq!(fc.as_str(), text);
    }
    let _ = OrgFiscalCode::parse_beneficiary("fc", text);
    if let Ok(iupd) = Iupd::parse("iupd", text) {
        assert_eq!(iupd.as_str(), text);
    }
    if let Ok(iuv) = Iuv::parse("iuv", text) {
        assert_eq!(iuv.as_str(), text);
        let _ = (iuv.segregation_code(), iuv.is_numeric());
    }
    if let Ok(nav) = NoticeNumber::parse("nav", text) {
        assert_eq!(nav.as_str(), text);
        let _ = (nav.aux_digit(), has_valid_check_digits(&nav));
    }
    if let Ok(id) = TransferId::parse("id", text) {
        assert!((1..=5).contains(&id.get()));
    }
    let _ = SegregationCode::parse("seg", text);
    if let Ok(amount) = text.parse::<Amount>() {
        let rendered = amount.to_string();
        assert_eq!(rendered.parse::<Amount>(), Ok(amount));
        if let Some((units, cents)) = text.split_once('.') {
            let units = units.trim_start_matches('0');
            let units = if units.is_empty() { "0" } else { units };
            assert_eq!(rendered, format!("{units}.{cents}"));
        }
    }
});
