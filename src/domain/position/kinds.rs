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
