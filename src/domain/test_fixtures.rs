//! Builders of domain values shared by the unit tests of several modules.

use chrono::NaiveDateTime;

use super::*;

pub(crate) fn org() -> Organization {
    Organization::new(
        OrgFiscalCode::parse("fc", "77777777777").unwrap(),
        "Comune di Prova",
        None,
        3,
        None,
        vec![],
    )
    .unwrap()
}

pub(crate) fn option(iuv: &str, amount: i64, due: NaiveDateTime, partial: bool) -> OptionInput {
    OptionInput {
        iuv: Iuv::parse("iuv", iuv).unwrap(),
        nav: None,
        amount: Amount::from_cents(amount).unwrap(),
        description: Text::parse("d", "Tassa").unwrap(),
        is_partial_payment: partial,
        due_date: due,
        retention_date: None,
        group: None,
        metadata: vec![],
        transfers: vec![TransferInput {
            id: TransferId::parse("t", "1").unwrap(),
            amount: Amount::from_cents(amount).unwrap(),
            organization_fiscal_code: None,
            company_name: None,
            remittance_information: Text::parse("r", "causale").unwrap(),
            category: Text::parse("c", "9/0101108TS/").unwrap(),
            beneficiary: Beneficiary::Iban {
                iban: Iban::parse("i", "IT60X0542811101000000123456").unwrap(),
                postal_iban: None,
            },
            metadata: vec![],
        }],
    }
}

pub(crate) fn input(options: Vec<OptionInput>, switch_to_expired: bool) -> PositionInput {
    PositionInput {
        iupd: Iupd::parse("iupd", "IUPD-1").unwrap(),
        debtor: Debtor {
            kind: DebtorType::Person,
            fiscal_code: DebtorFiscalCode::parse("f", "RSSMRA80A01H501U").unwrap(),
            full_name: Text::parse("n", "Mario Rossi").unwrap(),
            address: Address::default(),
            email: None,
            phone: None,
        },
        company_name: Text::parse("c", "Comune di Prova").unwrap(),
        office_name: None,
        validity_date: None,
        switch_to_expired,
        pay_stand_in: true,
        options,
    }
}
