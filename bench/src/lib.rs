//! The benchmark dataset, reproducible from a position's index alone.
//!
//! Position `i` has IUPD `BENCH-{i:09}` and options `j = 0..n` whose IUV base (13 digits) is
//! `i * 10 + j`, so the load generator can name any seeded notice without reading the database.
//! What a position looks like (single option or installment plan, 1-5 transfers, metadata,
//! amounts, due dates) follows from a hash of `i`. Positions created through the REST API by the
//! benchmark use the same generator with IUV bases from [`created_iuv_base`].

use chrono::{Duration, NaiveDate, NaiveDateTime};
use gpd_gateway::domain::{
    notice, Address, Amount, Beneficiary, CountryCode, Debtor, DebtorFiscalCode, DebtorType,
    DomainError, Email, Iban, Iupd, Iuv, Metadata, OptionInput, OrgFiscalCode, PositionInput,
    ProvinceCode, Stamp, StampHash, StampType, Text, TransferId, TransferInput,
};
use serde_json::{json, Value};

/// The institution every benchmark position belongs to, and the Nodo caller it accepts.
pub const ORG: &str = "77777777777";
pub const ORG_NAME: &str = "Comune di Benchmark";
pub const BROKER: &str = "15376371009";
pub const STATION: &str = "15376371009_01";
pub const SEGREGATION_CODE: &str = "02";

/// IUV bases at and above this are used by positions created during the benchmark.
pub const CREATED_BASE: u64 = 5_000_000_000_000;

/// SplitMix64: a fast, well-mixed hash of an index (and a deterministic RNG step).
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A small, fast, deterministic random number generator for the load generator.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(mix(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `from..to` (`to > from`).
    pub fn range(&mut self, from: u64, to: u64) -> u64 {
        from + self.next_u64() % (to - from)
    }
}

/// IUPD of seeded position `i`.
pub fn iupd(i: u64) -> String {
    format!("BENCH-{i:09}")
}

/// IUPD of the `k`-th position created through the REST API in run `tag`.
pub fn created_iupd(tag: u64, k: u64) -> String {
    format!("BENCH-NEW-{tag}-{k}")
}

/// IUV base of the first option of the `k`-th position created in run `tag`.
pub fn created_iuv_base(tag: u64, k: u64) -> u64 {
    CREATED_BASE + (tag * 100_000_000 + k) * 10
}

/// The 17-digit IUV (segregation code, 13 digits, check digits) of an IUV base.
pub fn iuv(base: u64) -> String {
    notice::iuv_with_check_digits(SEGREGATION_CODE, &format!("{base:013}"))
        .expect("a 13-digit base")
}

/// The notice number (aux digit 3 + IUV) of an IUV base.
pub fn notice_number(base: u64) -> String {
    format!("3{}", iuv(base))
}

/// Number of options of seeded position `i`: 70% a single option, 30% a plan of 2 to 5
/// installments.
pub fn option_count(i: u64) -> u64 {
    let h = mix(i);
    if h % 100 < 70 {
        1
    } else {
        2 + (h >> 8) % 4
    }
}

/// The notice number of option `j` of seeded position `i`.
pub fn seeded_notice(i: u64, j: u64) -> String {
    notice_number(i * 10 + j)
}

/// First due date of the dataset; due dates spread over the following year (plus installments).
pub fn first_due_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2030, 1, 1).expect("a date")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payee {
    Iban {
        iban: String,
        postal_iban: Option<String>,
    },
    Stamp {
        hash_document: String,
        stamp_type: String,
        provincial_residence: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferSpec {
    pub id: u8,
    pub amount: i64,
    /// Another beneficiary institution (fiscal code, name); `None` is the position's own.
    pub other_org: Option<(String, String)>,
    pub remittance: String,
    pub category: String,
    pub payee: Payee,
    pub metadata: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionSpec {
    pub iuv_base: u64,
    pub amount: i64,
    pub description: String,
    pub is_partial_payment: bool,
    pub due_date: NaiveDateTime,
    pub retention_date: Option<NaiveDateTime>,
    pub metadata: Vec<(String, String)>,
    pub transfers: Vec<TransferSpec>,
}

impl OptionSpec {
    pub fn iuv(&self) -> String {
        iuv(self.iuv_base)
    }

    pub fn notice_number(&self) -> String {
        notice_number(self.iuv_base)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionSpec {
    pub iupd: String,
    pub legal_person: bool,
    pub fiscal_code: String,
    pub full_name: String,
    pub city: Option<(String, String, String)>,
    pub email: Option<String>,
    pub options: Vec<OptionSpec>,
}

const OTHER_ORGS: [(&str, &str); 3] = [
    ("80000000001", "Provincia di Benchmark"),
    ("80000000002", "Regione Benchmark"),
    ("80000000003", "Consorzio di Bonifica"),
];
const CITIES: [(&str, &str, &str); 4] = [
    ("Roma", "RM", "Lazio"),
    ("Milano", "MI", "Lombardia"),
    ("Napoli", "NA", "Campania"),
    ("Torino", "TO", "Piemonte"),
];

/// Number of transfers for a hash: 1 (50%), 2 (25%), 3 (12%), 4 (8%) or 5 (5%).
fn transfer_count(h: u64) -> usize {
    match h % 100 {
        0..50 => 1,
        50..75 => 2,
        75..87 => 3,
        87..95 => 4,
        _ => 5,
    }
}

/// The position seeded at index `i`.
pub fn seeded(i: u64) -> PositionSpec {
    generate(iupd(i), mix(i), option_count(i), i * 10)
}

/// The `k`-th position created through the REST API in run `tag`.
pub fn created(tag: u64, k: u64) -> PositionSpec {
    let key = mix(tag.wrapping_mul(1_000_003) ^ k);
    generate(
        created_iupd(tag, k),
        key,
        option_count(key),
        created_iuv_base(tag, k),
    )
}

fn generate(iupd: String, h: u64, options: u64, iuv_base: u64) -> PositionSpec {
    let legal_person = h.is_multiple_of(10);
    let n = (h >> 4) % 1_000_000_000;
    let (fiscal_code, full_name) = if legal_person {
        (
            format!("{:011}", 10_000_000_000 + n),
            format!("Impresa {n} S.r.l."),
        )
    } else {
        (format!("BNCDBT{n:010}"), format!("Debitore {n}"))
    };
    let city = (!h.is_multiple_of(3)).then(|| {
        let (c, p, r) = CITIES[((h >> 12) % 4) as usize];
        (c.to_owned(), p.to_owned(), r.to_owned())
    });
    let email = (h.is_multiple_of(4)).then(|| format!("debitore{n}@example.it"));
    let plan = options > 1;
    let first_due = first_due_day() + Duration::days(((h >> 20) % 365) as i64);
    let options = (0..options)
        .map(|j| {
            let oh = option_hash(h, j);
            let amount = amount_of(oh);
            let due = (first_due + Duration::days(30 * j as i64))
                .and_hms_opt(23, 59, 59)
                .expect("a time");
            let description = if plan {
                format!("TARI 2030 rata {} di {options}", j + 1)
            } else {
                "TARI 2030 unica soluzione".to_owned()
            };
            let mut metadata = vec![("anno".to_owned(), "2030".to_owned())];
            if plan {
                metadata.push(("rata".to_owned(), format!("{}", j + 1)));
            }
            if oh.is_multiple_of(3) {
                metadata.push(("tributo".to_owned(), "TARI".to_owned()));
            }
            OptionSpec {
                iuv_base: iuv_base + j,
                amount,
                description,
                is_partial_payment: plan,
                due_date: due,
                retention_date: (oh.is_multiple_of(5)).then(|| due + Duration::days(365)),
                metadata,
                transfers: transfers(oh, amount),
            }
        })
        .collect();
    PositionSpec {
        iupd,
        legal_person,
        fiscal_code,
        full_name,
        city,
        email,
        options,
    }
}

fn option_hash(position_hash: u64, j: u64) -> u64 {
    mix(position_hash ^ (j + 1))
}

fn amount_of(option_hash: u64) -> i64 {
    1_000 + (option_hash % 200_000) as i64
}

/// Amount in euro-cents of option `j` of seeded position `i`, without building the position.
pub fn seeded_amount(i: u64, j: u64) -> i64 {
    amount_of(option_hash(mix(i), j))
}

/// Labels `key=value,...` of a command line, as a JSON object.
pub fn labels_json(labels: &str) -> serde_json::Map<String, Value> {
    labels
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), json!(v.trim())))
        .collect()
}

/// CPU time (user + system) a process has used so far, in seconds, from `/proc/PID/stat` (clock
/// ticks are 1/100 s on Linux); `self` names the calling process.
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Statements a MariaDB/MySQL server has received so far (its global `Questions` counter, which
/// counts every client, this read included).
pub fn mysql_questions(server: &str) -> Option<u64> {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let url = format!("{}/information_schema", server.trim_end_matches('/'));
    let mut conn = diesel::MysqlConnection::establish(&url).ok()?;
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT VARIABLE_VALUE AS v FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'QUESTIONS'",
    )
    .load(&mut conn)
    .ok()?;
    rows.first()?.v.parse().ok()
}

fn transfers(h: u64, amount: i64) -> Vec<TransferSpec> {
    let count = transfer_count(h >> 8);
    let share = amount / (2 * count as i64);
    (0..count)
        .map(|t| {
            let th = mix(h ^ (t as u64 + 100));
            let first = t == 0;
            let payee = if first {
                Payee::Iban {
                    iban: "IT60X0542811101000000123456".to_owned(),
                    postal_iban: (th.is_multiple_of(5))
                        .then(|| "IT60X0760103200000000123456".to_owned()),
                }
            } else if th.is_multiple_of(10) {
                Payee::Stamp {
                    hash_document: "cXVlc3RvIMOoIHVuIGRvY3VtZW50bw==".to_owned(),
                    stamp_type: "01".to_owned(),
                    provincial_residence: "RM".to_owned(),
                }
            } else {
                Payee::Iban {
                    iban: format!("IT60X05428111010000006543{t:02}"),
                    postal_iban: None,
                }
            };
            let other_org = (!first && matches!(payee, Payee::Iban { .. })).then(|| {
                let (fc, name) = OTHER_ORGS[(th % 3) as usize];
                (fc.to_owned(), name.to_owned())
            });
            TransferSpec {
                id: t as u8 + 1,
                other_org,
                amount: if first {
                    amount - share * (count as i64 - 1)
                } else {
                    share
                },
                remittance: if first {
                    "Tassa rifiuti 2030".to_owned()
                } else {
                    format!("Quota {} tributo 2030", t + 1)
                },
                category: if first {
                    "9/0101108TS/"
                } else {
                    "9/0201109AP/"
                }
                .to_owned(),
                payee,
                metadata: if th.is_multiple_of(4) {
                    vec![("capitolo".to_owned(), format!("{}", 1000 + th % 9000))]
                } else {
                    Vec::new()
                },
            }
        })
        .collect()
}

fn metadata(entries: &[(String, String)]) -> Vec<Metadata> {
    entries
        .iter()
        .map(|(key, value)| Metadata {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

fn metadata_json(entries: &[(String, String)]) -> Value {
    Value::Array(
        entries
            .iter()
            .map(|(k, v)| json!({ "key": k, "value": v }))
            .collect(),
    )
}

/// `yyyy-MM-ddTHH:mm:ss`, as the REST API takes date-times.
pub fn datetime(d: NaiveDateTime) -> String {
    d.format("%Y-%m-%dT%H:%M:%S").to_string()
}

impl PositionSpec {
    /// The domain input the REST API would build from [`PositionSpec::to_json`].
    pub fn to_input(&self) -> Result<PositionInput, DomainError> {
        let (city, province, region) = match &self.city {
            Some((c, p, r)) => (Some(c.as_str()), Some(p.as_str()), Some(r.as_str())),
            None => (None, None, None),
        };
        let fixed = |value: &'static str| self.city.as_ref().map(|_| value);
        Ok(PositionInput {
            iupd: Iupd::parse("iupd", &self.iupd)?,
            debtor: Debtor {
                kind: if self.legal_person {
                    DebtorType::LegalPerson
                } else {
                    DebtorType::Person
                },
                fiscal_code: DebtorFiscalCode::parse("fiscalCode", &self.fiscal_code)?,
                full_name: Text::parse("fullName", &self.full_name)?,
                address: Address {
                    street_name: Text::parse_optional("streetName", fixed("Via Roma"))?,
                    civic_number: Text::parse_optional("civicNumber", fixed("1"))?,
                    postal_code: Text::parse_optional("postalCode", fixed("00100"))?,
                    city: Text::parse_optional("city", city)?,
                    province: Text::parse_optional("province", province)?,
                    region: Text::parse_optional("region", region)?,
                    country: fixed("IT")
                        .map(|c| CountryCode::parse("country", c))
                        .transpose()?,
                },
                email: (self.email.as_deref())
                    .map(|e| Email::parse("email", e))
                    .transpose()?,
                phone: None,
            },
            company_name: Text::parse("companyName", ORG_NAME)?,
            office_name: Some(Text::parse("officeName", "Ufficio Tributi")?),
            validity_date: None,
            switch_to_expired: false,
            pay_stand_in: false,
            options: self
                .options
                .iter()
                .map(|o| {
                    Ok(OptionInput {
                        iuv: Iuv::parse("iuv", &o.iuv())?,
                        nav: None,
                        amount: cents(o.amount)?,
                        description: Text::parse("description", &o.description)?,
                        is_partial_payment: o.is_partial_payment,
                        due_date: o.due_date,
                        retention_date: o.retention_date,
                        group: None,
                        metadata: metadata(&o.metadata),
                        transfers: o
                            .transfers
                            .iter()
                            .map(|t| {
                                Ok(TransferInput {
                                    id: TransferId::from_number(i32::from(t.id)).ok_or_else(
                                        || DomainError::invalid("idTransfer", "1 to 5"),
                                    )?,
                                    amount: cents(t.amount)?,
                                    organization_fiscal_code: t
                                        .other_org
                                        .as_ref()
                                        .map(|(fc, _)| {
                                            OrgFiscalCode::parse("organizationFiscalCode", fc)
                                        })
                                        .transpose()?,
                                    company_name: (t.other_org.as_ref())
                                        .map(|(_, n)| Text::parse("companyName", n))
                                        .transpose()?,
                                    remittance_information: Text::parse(
                                        "remittanceInformation",
                                        &t.remittance,
                                    )?,
                                    category: Text::parse("category", &t.category)?,
                                    beneficiary: match &t.payee {
                                        Payee::Iban { iban, postal_iban } => Beneficiary::Iban {
                                            iban: Iban::parse("iban", iban)?,
                                            postal_iban: (postal_iban.as_deref())
                                                .map(|p| Iban::parse("postalIban", p))
                                                .transpose()?,
                                        },
                                        Payee::Stamp {
                                            hash_document,
                                            stamp_type,
                                            provincial_residence,
                                        } => Beneficiary::Stamp(Stamp {
                                            hash_document: StampHash::parse(
                                                "hashDocument",
                                                hash_document,
                                            )?,
                                            stamp_type: StampType::parse("stampType", stamp_type)?,
                                            provincial_residence: ProvinceCode::parse(
                                                "provincialResidence",
                                                provincial_residence,
                                            )?,
                                        }),
                                    },
                                    metadata: metadata(&t.metadata),
                                })
                            })
                            .collect::<Result<_, DomainError>>()?,
                    })
                })
                .collect::<Result<_, DomainError>>()?,
        })
    }

    /// The body of `POST /organizations/{fc}/debtpositions` for this position.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "iupd": self.iupd,
            "type": if self.legal_person { "G" } else { "F" },
            "fiscalCode": self.fiscal_code,
            "fullName": self.full_name,
            "companyName": ORG_NAME,
            "officeName": "Ufficio Tributi",
            "switchToExpired": false,
            "payStandIn": false,
            "paymentOption": self.options.iter().map(|o| {
                let mut option = json!({
                    "iuv": o.iuv(),
                    "amount": o.amount,
                    "description": o.description,
                    "isPartialPayment": o.is_partial_payment,
                    "dueDate": datetime(o.due_date),
                    "paymentOptionMetadata": metadata_json(&o.metadata),
                    "transfer": o.transfers.iter().map(|t| {
                        let mut transfer = json!({
                            "idTransfer": t.id.to_string(),
                            "amount": t.amount,
                            "remittanceInformation": t.remittance,
                            "category": t.category,
                        });
                        let fields = transfer.as_object_mut().expect("an object");
                        if let Some((fc, name)) = &t.other_org {
                            fields.insert("organizationFiscalCode".into(), json!(fc));
                            fields.insert("companyName".into(), json!(name));
                        }
                        match &t.payee {
                            Payee::Iban { iban, postal_iban } => {
                                fields.insert("iban".into(), json!(iban));
                                if let Some(p) = postal_iban {
                                    fields.insert("postalIban".into(), json!(p));
                                }
                            }
                            Payee::Stamp { hash_document, stamp_type, provincial_residence } => {
                                fields.insert("stamp".into(), json!({
                                    "hashDocument": hash_document,
                                    "stampType": stamp_type,
                                    "provincialResidence": provincial_residence,
                                }));
                            }
                        }
                        if !t.metadata.is_empty() {
                            fields.insert("transferMetadata".into(), metadata_json(&t.metadata));
                        }
                        transfer
                    }).collect::<Vec<_>>(),
                });
                if let Some(r) = o.retention_date {
                    option["retentionDate"] = json!(datetime(r));
                }
                option
            }).collect::<Vec<_>>(),
        });
        let fields = body.as_object_mut().expect("an object");
        if let Some((city, province, region)) = &self.city {
            for (k, v) in [
                ("streetName", "Via Roma"),
                ("civicNumber", "1"),
                ("postalCode", "00100"),
                ("city", city),
                ("province", province),
                ("region", region),
                ("country", "IT"),
            ] {
                fields.insert(k.into(), json!(v));
            }
        }
        if let Some(email) = &self.email {
            fields.insert("email".into(), json!(email));
        }
        body
    }
}

fn cents(value: i64) -> Result<Amount, DomainError> {
    Amount::from_cents(value).map_err(|e| DomainError::invalid("amount", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpd_gateway::rest::model::PaymentPositionModel;

    /// The seeder stores exactly what the REST API would build from the body the load
    /// generator sends, so seeded and created positions pass the same checks.
    #[test]
    fn json_and_domain_input_agree() {
        for i in (0..2_000).chain([999_999, 1_234_567]) {
            let spec = seeded(i);
            let model: PaymentPositionModel =
                serde_json::from_value(spec.to_json()).expect("a valid body");
            assert_eq!(
                model.to_input().expect("valid input"),
                spec.to_input().unwrap(),
                "{i}"
            );
        }
        let created = created(3, 17);
        let model: PaymentPositionModel = serde_json::from_value(created.to_json()).unwrap();
        assert_eq!(model.to_input().unwrap(), created.to_input().unwrap());
    }

    #[test]
    fn notices_are_reproducible_and_distinct() {
        assert_eq!(seeded_notice(0, 0), notice_number(0));
        assert_eq!(seeded(42).options[0].notice_number(), seeded_notice(42, 0));
        assert_eq!(seeded(42).options.len() as u64, option_count(42));
        for i in 0..1_000 {
            for (j, o) in seeded(i).options.iter().enumerate() {
                assert_eq!(seeded_amount(i, j as u64), o.amount);
            }
        }
        assert_eq!(iuv(1_234_567_890_123), "02123456789012356");
        let plans = (0..10_000).filter(|&i| option_count(i) > 1).count();
        assert!((2_500..3_500).contains(&plans), "{plans}");
        assert!(created_iuv_base(4_999, 99_999_999) < 10_000_000_000_000);
    }

    #[test]
    fn transfer_amounts_add_up() {
        for i in 0..5_000 {
            for o in seeded(i).options {
                assert!(o.transfers.iter().all(|t| t.amount >= 1));
                assert_eq!(o.transfers.iter().map(|t| t.amount).sum::<i64>(), o.amount);
            }
        }
    }
}
