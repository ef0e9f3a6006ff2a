//! The portal's rules: who a portal user is, passwords, session expiry, sign-in throttling and
//! onboarding requests. No I/O (hashing is computation).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{Duration, NaiveDateTime};
use rand::Rng;

use super::access::{Partner, PartnerFiscalCode, Scope};
use super::{DomainError, Email, OrgFiscalCode, Organization, SegregationCode};

/// Who a portal user acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// PagoPA-side administrator: onboarding, institutions and partners, the audit log.
    Operator,
    Institution(OrgFiscalCode),
    Partner(PartnerFiscalCode),
}

impl Role {
    pub fn name(&self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Institution(_) => "institution",
            Role::Partner(_) => "partner",
        }
    }
}

/// A portal user's e-mail, the sign-in name: trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginEmail(String);

impl LoginEmail {
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        let lowered = value.trim().to_ascii_lowercase();
        Email::parse(path, &lowered)?;
        if lowered.len() > 254 {
            return Err(DomainError::invalid(path, "must be at most 254 characters"));
        }
        Ok(Self(lowered))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for LoginEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 128;

/// A new password: 10 to 128 characters. Its Debug never shows it.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        let n = value.chars().count();
        if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&n) {
            return Err(DomainError::invalid(
                path,
                format!("must be {PASSWORD_MIN} to {PASSWORD_MAX} characters"),
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The argon2id hash (PHC string, with its own random salt) to store.
    pub fn hash(&self) -> Result<String, DomainError> {
        let salt = SaltString::encode_b64(&rand::rng().random::<[u8; 16]>())
            .map_err(|e| DomainError::Unprocessable(format!("password salt: {e}")))?;
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| DomainError::Unprocessable(format!("password hash: {e}")))
    }
}

/// Whether `password` matches the stored argon2 hash (false for an unreadable hash).
pub fn verify_password(stored_hash: &str, password: &str) -> bool {
    PasswordHash::new(stored_hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash to verify against when the user is unknown, so both cases take the same time.
pub fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$5WmWgPp1cPL5Pm5W+5XDdHL6Hh5aSmIeYZ9q8X3lPlc"
}

/// Session lifetimes: ended after `idle` without a request, and `absolute` after sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

impl SessionPolicy {
    /// Whether a session signed in at `created`, last used at `last_seen`, still holds at `now`.
    pub fn is_live(
        &self,
        created: NaiveDateTime,
        last_seen: NaiveDateTime,
        now: NaiveDateTime,
    ) -> bool {
        now < created + self.absolute && now < last_seen + self.idle
    }

    pub fn expires_at(&self, created: NaiveDateTime) -> NaiveDateTime {
        created + self.absolute
    }
}

/// Failed sign-ins of one e-mail within [`THROTTLE_WINDOW`] that block further attempts.
pub const MAX_FAILURES: i64 = 5;
pub fn throttle_window() -> Duration {
    Duration::minutes(15)
}

/// Whether sign-in is refused after `recent_failures` in the window (even the right password).
pub fn throttled(recent_failures: i64) -> bool {
    recent_failures >= MAX_FAILURES
}

/// An onboarding request's applicant, checked as `org add` / `partner add` check it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applicant {
    Institution(Organization),
    Partner(Partner),
}

impl Applicant {
    pub fn kind(&self) -> &'static str {
        match self {
            Applicant::Institution(_) => KIND_INSTITUTION,
            Applicant::Partner(_) => KIND_PARTNER,
        }
    }

    pub fn fiscal_code(&self) -> &str {
        match self {
            Applicant::Institution(o) => o.fiscal_code.as_str(),
            Applicant::Partner(p) => p.fiscal_code.as_str(),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Applicant::Institution(o) => &o.name,
            Applicant::Partner(p) => &p.name,
        }
    }

    pub fn role(&self) -> Role {
        match self {
            Applicant::Institution(o) => Role::Institution(o.fiscal_code.clone()),
            Applicant::Partner(p) => Role::Partner(p.fiscal_code.clone()),
        }
    }
}

pub const KIND_INSTITUTION: &str = "institution";
pub const KIND_PARTNER: &str = "partner";

/// What a signup form carries, as typed.
#[derive(Debug, Clone, Default)]
pub struct OnboardingDraft {
    pub kind: String,
    pub fiscal_code: String,
    pub name: String,
    /// Comma- or space-separated 2-digit codes (institutions with aux digit 3).
    pub segregation_codes: String,
    pub aux_digit: String,
    /// Comma- or space-separated taxonomy prefixes the applicant intends to delegate.
    pub domains: String,
}

/// A checked onboarding request (the password is checked and hashed apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Onboarding {
    pub applicant: Applicant,
    pub domains: Scope,
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', ' ', ';', '\n', '\r', '\t'])
        .filter(|w| !w.is_empty())
}

impl OnboardingDraft {
    pub fn validate(&self) -> Result<Onboarding, DomainError> {
        let name = self.name.trim();
        let applicant = match self.kind.as_str() {
            KIND_INSTITUTION => {
                let fiscal_code = OrgFiscalCode::parse("fiscal_code", self.fiscal_code.trim())?;
                let aux = match self.aux_digit.trim() {
                    "" => super::org::DEFAULT_AUX_DIGIT,
                    d => d
                        .parse::<u8>()
                        .map_err(|_| DomainError::invalid("aux_digit", "must be 0, 1, 2 or 3"))?,
                };
                let codes = words(&self.segregation_codes)
                    .map(|c| SegregationCode::parse("segregation_codes", c))
                    .collect::<Result<Vec<_>, _>>()?;
                Applicant::Institution(Organization::new(
                    fiscal_code,
                    name,
                    None,
                    aux,
                    None,
                    codes,
                )?)
            }
            KIND_PARTNER => {
                let fiscal_code = PartnerFiscalCode::parse("fiscal_code", self.fiscal_code.trim())?;
                Applicant::Partner(Partner::new(fiscal_code, name)?)
            }
            other => {
                return Err(DomainError::invalid(
                    "kind",
                    format!("'{other}' is neither '{KIND_INSTITUTION}' nor '{KIND_PARTNER}'"),
                ))
            }
        };
        let domains = parse_prefixes("domains", &self.domains)?;
        Ok(Onboarding { applicant, domains })
    }
}

/// Taxonomy prefixes typed in a form, separated by commas or spaces (none: everything).
pub fn parse_prefixes(path: &str, text: &str) -> Result<Scope, DomainError> {
    Scope::parse_list(path, &words(text).collect::<Vec<_>>().join(","))
}

/// Euros typed in a form (`12`, `12,30`, `12.3`) as euro-cents.
pub fn parse_euros(path: &str, text: &str) -> Result<i64, DomainError> {
    let refused = || {
        DomainError::invalid(
            path,
            format!("'{text}' is not an amount in euros, e.g. 12,30"),
        )
    };
    let t = text.trim().replace(',', ".");
    let (whole, cents) = t.split_once('.').unwrap_or((&t, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 12 || cents.len() > 2 || !digits(whole) || !digits(cents) {
        return Err(refused());
    }
    let whole: i64 = whole.parse().map_err(|_| refused())?;
    let cents: i64 = format!("{cents:0<2}").parse().map_err(|_| refused())?;
    Ok(whole * 100 + cents)
}

/// The state of an onboarding request.
pub const PENDING: &str = "PENDING";
pub const APPROVED: &str = "APPROVED";
pub const REJECTED: &str = "REJECTED";

/// A rejection's reason: 1 to 500 characters.
pub fn check_reason(reason: &str) -> Result<String, DomainError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(DomainError::invalid(
            "reason",
            "must be 1 to 500 characters",
        ));
    }
    Ok(reason.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let pw = NewPassword::parse("password", "correct horse battery").unwrap();
        let hash = pw.hash().unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "wrong horse battery"));
        assert!(!verify_password("not a hash", "x"));
        assert!(!verify_password(decoy_hash(), "anything at all"));
        assert_eq!(format!("{pw:?}"), "NewPassword(***)");
        assert!(NewPassword::parse("password", "short").is_err());
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let p = SessionPolicy::default();
        let t0 = chrono::NaiveDate::from_ymd_opt(2030, 1, 1)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap();
        assert!(p.is_live(t0, t0, t0 + Duration::minutes(29)));
        assert!(!p.is_live(t0, t0, t0 + Duration::minutes(30)));
        let late = t0 + Duration::hours(12);
        assert!(!p.is_live(t0, late - Duration::minutes(1), late));
    }

    #[test]
    fn euros_typed_in_forms() {
        assert_eq!(parse_euros("a", "12").unwrap(), 1200);
        assert_eq!(parse_euros("a", "12,3").unwrap(), 1230);
        assert_eq!(parse_euros("a", " 0.05 ").unwrap(), 5);
        assert!(parse_euros("a", "1,234").is_err());
        assert!(parse_euros("a", "-1").is_err());
        assert!(parse_euros("a", "").is_err());
    }

    #[test]
    fn throttling_after_five_failures() {
        assert!(!throttled(4));
        assert!(throttled(5));
    }

    #[test]
    fn onboarding_checks_as_the_cli_does() {
        let draft = OnboardingDraft {
            kind: "institution".into(),
            fiscal_code: "77777777777".into(),
            name: "Comune di Prova".into(),
            segregation_codes: "07, 08".into(),
            aux_digit: "3".into(),
            domains: "0101 0102108".into(),
        };
        let ok = draft.validate().unwrap();
        assert_eq!(ok.domains.to_string(), "0101,0102108");
        let Applicant::Institution(org) = ok.applicant else {
            panic!("not an institution")
        };
        assert_eq!(org.segregation_codes_text(), "07,08");
        let bad = OnboardingDraft {
            aux_digit: "1".into(),
            ..draft
        };
        assert_eq!(
            bad.validate().unwrap_err().to_string(),
            "segregation-code: segregation codes apply only to aux digit 3"
        );
        assert_eq!(
            LoginEmail::parse("email", " Mario.Rossi@Comune.IT ")
                .unwrap()
                .as_str(),
            "mario.rossi@comune.it"
        );
    }
}
