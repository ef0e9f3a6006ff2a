//! Services for the unit tests of this module.

use super::{Account, AmountSource, Property, PropertyType, Service, ServiceId};
use crate::domain::fields::{Iban, Text140};

pub fn property(name: &str, kind: PropertyType, required: bool) -> Property {
    Property {
        name: name.into(),
        kind,
        required,
        pattern: None,
        max_length: None,
        description: None,
    }
}

pub fn service_named(
    name: &str,
    description: &str,
    properties: Vec<Property>,
    amount: AmountSource,
) -> Service {
    Service {
        id: ServiceId::parse("id", "SRV01").unwrap(),
        name: Text140::parse("n", name).unwrap(),
        description: Text140::parse("d", description).unwrap(),
        category: Text140::parse("c", "9/0101108TS/").unwrap(),
        account: Account::Iban(Iban::parse("i", "IT60X0542811101000000123456").unwrap()),
        remittance_information: None,
        segregation_code: None,
        due_in_days: 30,
        enabled: true,
        properties,
        amount,
    }
}
