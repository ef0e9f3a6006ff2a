//! The string enums of the aggregate: statuses and the debtor type, with their API spelling.

macro_rules! string_enum {
    ($name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(PositionStatus {
    Draft = "DRAFT",
    Published = "PUBLISHED",
    Valid = "VALID",
    Invalid = "INVALID",
    Expired = "EXPIRED",
    PartiallyPaid = "PARTIALLY_PAID",
    Paid = "PAID",
    Reported = "REPORTED",
});

string_enum!(OptionStatus {
    Unpaid = "PO_UNPAID",
    Paid = "PO_PAID",
    PartiallyReported = "PO_PARTIALLY_REPORTED",
    Reported = "PO_REPORTED",
});

string_enum!(TransferStatus {
    Unreported = "T_UNREPORTED",
    Reported = "T_REPORTED",
});

string_enum!(DebtorType { Person = "F", LegalPerson = "G" });

string_enum!(PositionStatusV3 {
    Draft = "DRAFT",
    Published = "PUBLISHED",
    Valid = "VALID",
    Unpayable = "UNPAYABLE",
    PartiallyPaid = "PARTIALLY_PAID",
    Paid = "PAID",
});

impl PositionStatus {
    /// The v3 API's name: EXPIRED and INVALID read as UNPAYABLE, REPORTED as PAID.
    pub fn v3(self) -> PositionStatusV3 {
        match self {
            PositionStatus::Draft => PositionStatusV3::Draft,
            PositionStatus::Published => PositionStatusV3::Published,
            PositionStatus::Valid => PositionStatusV3::Valid,
            PositionStatus::Invalid | PositionStatus::Expired => PositionStatusV3::Unpayable,
            PositionStatus::PartiallyPaid => PositionStatusV3::PartiallyPaid,
            PositionStatus::Paid | PositionStatus::Reported => PositionStatusV3::Paid,
        }
    }
}

impl PositionStatusV3 {
    /// The statuses that read as this one in v3.
    pub fn covers(self) -> Vec<PositionStatus> {
        PositionStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.v3() == self)
            .collect()
    }
}

impl OptionStatus {
    /// The v3 API's installment status: the option status without its `PO_` prefix.
    pub fn v3(self) -> &'static str {
        let name = self.as_str();
        name.strip_prefix("PO_").unwrap_or(name)
    }
}
