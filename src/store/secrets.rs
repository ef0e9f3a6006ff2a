//! Secrets kept at rest (the webhook signing secrets, which also sign service callbacks), sealed
//! with ChaCha20-Poly1305 under a key from `GPD_SECRET_KEYS`.
//!
//! `GPD_SECRET_KEYS` is a comma-separated list of `id:base64-of-32-bytes`; the first key seals,
//! every key opens. A stored value is `sealed:v1:<id>:<base64 nonce+ciphertext>`; a value without
//! the prefix is a plaintext secret (written before a key was configured, or with none) and is
//! read as it is. `gpd-gateway secrets reseal` rewrites every stored secret under the first key.
//! The keyring is installed once per process ([`install`]); without one, secrets are stored in
//! plaintext (the service warns at start).

use std::sync::OnceLock;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::Rng;

use diesel::prelude::*;

use super::{write_tx, DbConnection, StoreError};

const PREFIX: &str = "sealed:v1:";
const NONCE_LEN: usize = 12;

/// The keys secrets are sealed and opened with; the first one seals.
#[derive(Clone, Default)]
pub struct Keyring {
    keys: Vec<(String, Key)>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        write!(f, "Keyring({})", ids.join(","))
    }
}

impl PartialEq for Keyring {
    fn eq(&self, other: &Self) -> bool {
        self.keys.len() == other.keys.len()
            && self
                .keys
                .iter()
                .zip(&other.keys)
                .all(|((a, ka), (b, kb))| a == b && ka == kb)
    }
}

impl Keyring {
    /// Reads `id:base64,...`; an empty text is no key. Errors never show key material.
    pub fn parse(text: &str) -> Result<Keyring, String> {
        let mut keys: Vec<(String, Key)> = Vec::new();
        for (i, entry) in text.split(',').map(str::trim).enumerate() {
            if entry.is_empty() {
                continue;
            }
            let (id, encoded) = entry.split_once(':').ok_or_else(|| {
                format!("GPD_SECRET_KEYS entry {}: expected id:base64-key", i + 1)
            })?;
            let valid_id = (1..=16).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid_id {
                return Err(format!(
                    "GPD_SECRET_KEYS entry {}: the id must be 1 to 16 letters, digits, '-' or '_'",
                    i + 1
                ));
            }
            let bytes = STANDARD.decode(encoded).map_err(|_| {
                format!("GPD_SECRET_KEYS key '{id}': not base64 (generate one with `gpd-gateway secrets new-key`)")
            })?;
            if bytes.len() != 32 {
                return Err(format!(
                    "GPD_SECRET_KEYS key '{id}': must be 32 bytes, got {}",
                    bytes.len()
                ));
            }
            if keys.iter().any(|(other, _)| other == id) {
                return Err(format!("GPD_SECRET_KEYS: key id '{id}' appears twice"));
            }
            keys.push((id.to_owned(), *Key::from_slice(&bytes)));
        }
        Ok(Keyring { keys })
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// A new random key as `GPD_SECRET_KEYS` takes it.
    pub fn new_key_entry(id: &str) -> String {
        format!("{id}:{}", STANDARD.encode(rand::rng().random::<[u8; 32]>()))
    }

    fn seal(&self, plain: &str) -> Result<String, StoreError> {
        let Some((id, key)) = self.keys.first() else {
            return Ok(plain.to_owned());
        };
        let nonce_bytes: [u8; NONCE_LEN] = rand::rng().random();
        let mut sealed = ChaCha20Poly1305::new(key)
            .encrypt(Nonce::from_slice(&nonce_bytes), plain.as_bytes())
            .map_err(|_| StoreError::Corrupt("a secret could not be sealed".to_owned()))?;
        let mut bytes = nonce_bytes.to_vec();
        bytes.append(&mut sealed);
        Ok(format!("{PREFIX}{id}:{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    fn open(&self, stored: &str) -> Result<String, StoreError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let corrupt = |why: &str| StoreError::Corrupt(format!("a sealed secret {why}"));
        let (id, encoded) = rest
            .split_once(':')
            .ok_or_else(|| corrupt("is malformed"))?;
        let (_, key) = self.keys.iter().find(|(k, _)| k == id).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "a secret is sealed with key '{id}', which GPD_SECRET_KEYS does not hold"
            ))
        })?;
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| corrupt("is not base64"))?;
        if bytes.len() <= NONCE_LEN {
            return Err(corrupt("is too short"));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = ChaCha20Poly1305::new(key)
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| corrupt(&format!("does not open with key '{id}'")))?;
        String::from_utf8(plain).map_err(|_| corrupt("is not text"))
    }

    /// True when `stored` is already sealed with the first key.
    fn is_current(&self, stored: &str) -> bool {
        match self.keys.first() {
            None => !stored.starts_with(PREFIX),
            Some((id, _)) => stored.starts_with(&format!("{PREFIX}{id}:")),
        }
    }
}

static KEYRING: OnceLock<Keyring> = OnceLock::new();

/// Sets this process's keyring; a second call must bring the same keys.
pub fn install(keyring: Keyring) -> Result<(), String> {
    let installed = KEYRING.get_or_init(|| keyring.clone());
    if *installed == keyring {
        Ok(())
    } else {
        Err("the secret keyring is already installed with other keys".to_owned())
    }
}

fn keyring() -> &'static Keyring {
    KEYRING.get_or_init(Keyring::default)
}

/// True when secrets are sealed (a keyring with at least one key is installed).
pub fn sealing() -> bool {
    !keyring().is_empty()
}

/// The value to store for a secret.
pub fn seal(plain: &str) -> Result<String, StoreError> {
    keyring().seal(plain)
}

/// The secret of a stored value.
pub fn open(stored: &str) -> Result<String, StoreError> {
    keyring().open(stored)
}

/// The stored value rewritten under the first key, or `None` when it already is.
pub fn reseal(stored: &str) -> Result<Option<String>, StoreError> {
    let ring = keyring();
    if ring.is_current(stored) {
        return Ok(None);
    }
    Ok(Some(ring.seal(&ring.open(stored)?)?))
}

/// Rewrites every stored webhook secret under the first key (sealing plaintext ones); the
/// number of secrets rewritten. One transaction: all or none.
pub fn reseal_stored(conn: &mut DbConnection) -> Result<usize, StoreError> {
    use super::schema::{partner_webhooks as pw, webhooks as wh};
    write_tx(conn, |c| {
        let mut changed = 0;
        let own: Vec<(String, String)> = wh::table
            .select((wh::organization_fiscal_code, wh::secret))
            .load(c)?;
        for (org, stored) in own {
            if let Some(new) = reseal(&stored)? {
                diesel::update(wh::table.find(&org))
                    .set(wh::secret.eq(new))
                    .execute(c)?;
                changed += 1;
            }
        }
        let partners: Vec<(String, String)> = pw::table
            .select((pw::partner_fiscal_code, pw::secret))
            .load(c)?;
        for (partner, stored) in partners {
            if let Some(new) = reseal(&stored)? {
                diesel::update(pw::table.find(&partner))
                    .set(pw::secret.eq(new))
                    .execute(c)?;
                changed += 1;
            }
        }
        Ok(changed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(text: &str) -> Keyring {
        Keyring::parse(text).unwrap()
    }

    #[test]
    fn seals_and_opens_with_rotation() {
        let old = Keyring::new_key_entry("k1");
        let new = Keyring::new_key_entry("k2");
        let one = ring(&old);
        let sealed = one.seal("whsec_abc").unwrap();
        assert!(sealed.starts_with("sealed:v1:k1:"));
        assert!(!sealed.contains("whsec_abc"));
        assert_ne!(
            sealed,
            one.seal("whsec_abc").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(one.open(&sealed).unwrap(), "whsec_abc");
        assert_eq!(one.open("whsec_plain").unwrap(), "whsec_plain");

        let both = ring(&format!("{new},{old}"));
        assert_eq!(both.open(&sealed).unwrap(), "whsec_abc");
        assert!(!both.is_current(&sealed));
        let resealed = both.seal(&both.open(&sealed).unwrap()).unwrap();
        assert!(both.is_current(&resealed));
        let only_new = ring(&new);
        assert!(only_new
            .open(&sealed)
            .unwrap_err()
            .to_string()
            .contains("'k1'"));
        let mut tampered = resealed.clone();
        tampered.pop();
        tampered.push(if resealed.ends_with('A') { 'B' } else { 'A' });
        assert!(only_new.open(&tampered).is_err());
    }

    #[test]
    fn refuses_bad_keys_without_showing_them() {
        for (text, message) in [
            ("k1", "expected id:base64-key"),
            ("k1:!!!", "not base64"),
            ("k1:AAAA", "must be 32 bytes, got 3"),
            ("bad id:AAAA", "the id must be"),
        ] {
            let e = Keyring::parse(text).unwrap_err();
            assert!(e.contains(message), "{text}: {e}");
        }
        let entry = Keyring::new_key_entry("k1");
        let e = Keyring::parse(&format!("{entry},{entry}")).unwrap_err();
        assert!(e.contains("appears twice") && !e.contains(&entry[3..]));
        assert!(Keyring::parse("").unwrap().is_empty());
    }
}
