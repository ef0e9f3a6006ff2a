//! Protection against overload, kept in this process (each instance has its own state): a token
//! bucket per API key for the REST API, a cap on the Nodo's requests in flight per station, and
//! the shutdown signal the server, the jobs and the delivery worker share.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::watch;

/// Buckets below this count are never swept.
const SWEEP_FLOOR: usize = 1024;

/// The identity of an API key in the limiter: the SHA-256 of its secret (one per key row, as the
/// store's hash), so no secret is kept in memory.
pub type KeyId = [u8; 32];

pub fn key_id(secret: &str) -> KeyId {
    Sha256::digest(secret.as_bytes()).into()
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug)]
struct Buckets {
    map: HashMap<KeyId, Bucket>,
    /// The size at which idle (full) buckets are dropped next.
    sweep_at: usize,
}

/// A token bucket per API key: `rate` requests a second on average, bursts of `burst`.
#[derive(Debug)]
pub struct KeyRateLimit {
    rate: f64,
    burst: f64,
    buckets: Mutex<Buckets>,
}

impl KeyRateLimit {
    /// `None` when `per_sec` is 0 (no limit); `burst` 0 means twice the rate.
    pub fn new(per_sec: u32, burst: u32) -> Option<Self> {
        if per_sec == 0 {
            return None;
        }
        let burst = if burst == 0 {
            per_sec.saturating_mul(2)
        } else {
            burst
        };
        Some(Self {
            rate: f64::from(per_sec),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(Buckets {
                map: HashMap::new(),
                sweep_at: SWEEP_FLOOR,
            }),
        })
    }

    fn refill(&self, bucket: &mut Bucket, now: Instant) {
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.at = now;
    }

    /// Whole seconds until one token is back (at least 1), for `Retry-After`.
    fn retry_after(&self, bucket: &Bucket) -> u64 {
        let missing = (1.0 - bucket.tokens).max(0.0);
        ((missing / self.rate).ceil() as u64).max(1)
    }

    /// `Err(retry_after_secs)` when the key's bucket exists and is empty; takes nothing. Lets a
    /// throttled key be refused before its database lookup.
    pub fn check(&self, id: &KeyId) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        match buckets.map.get_mut(id) {
            Some(bucket) => {
                self.refill(bucket, now);
                if bucket.tokens >= 1.0 {
                    Ok(())
                } else {
                    Err(self.retry_after(bucket))
                }
            }
            None => Ok(()),
        }
    }

    /// Takes one token from the key's bucket (a new key starts full), or `Err(retry_after_secs)`.
    pub fn take(&self, id: &KeyId) -> Result<(), u64> {
        let now = Instant::now();
        let mut guard = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let buckets = &mut *guard;
        if !buckets.map.contains_key(id) && buckets.map.len() >= buckets.sweep_at {
            // A full bucket is the same as none: drop those, so memory follows the active keys.
            buckets.map.retain(|_, b| {
                let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
                b.tokens + elapsed * self.rate < self.burst
            });
            buckets.sweep_at = (buckets.map.len() * 2).max(SWEEP_FLOOR);
        }
        let bucket = buckets.map.entry(*id).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        self.refill(bucket, now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(self.retry_after(bucket))
        }
    }

    /// Buckets held now (tests).
    pub fn len(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// At most `max` requests in flight per station; a station's entry exists only while it has
/// requests in flight.
#[derive(Debug)]
pub struct StationInflight {
    max: usize,
    counts: Mutex<HashMap<String, usize>>,
}

/// One request in flight for a station; leaving drops it.
#[derive(Debug)]
pub struct InflightPermit {
    owner: Arc<StationInflight>,
    station: String,
}

impl StationInflight {
    /// `max` 0: no limit.
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max,
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// A permit for one more request of `station`, or `None` when it already has `max` in
    /// flight. Without a limit the permit counts nothing.
    pub fn enter(self: &Arc<Self>, station: &str) -> Option<Option<InflightPermit>> {
        if self.max == 0 {
            return Some(None);
        }
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(station.to_owned()).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Some(InflightPermit {
            owner: self.clone(),
            station: station.to_owned(),
        }))
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// Requests of `station` in flight now.
    pub fn in_flight(&self, station: &str) -> usize {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(station)
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for InflightPermit {
    fn drop(&mut self) {
        let mut counts = self
            .owner
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.station) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.station);
            }
        }
    }
}

/// Set once, when the process is asked to stop: the server drains, the jobs and the delivery
/// worker end their current step and return.
#[derive(Debug, Clone)]
pub struct Shutdown {
    tx: Arc<watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self {
            tx: Arc::new(watch::Sender::new(false)),
        }
    }
}

impl Shutdown {
    pub fn start(&self) {
        self.tx.send_replace(true);
    }

    pub fn is_started(&self) -> bool {
        *self.tx.borrow()
    }

    /// Resolves once shutdown has started.
    pub async fn started(&self) {
        let mut rx = self.tx.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = rx.wait_for(|started| *started).await;
    }
}

/// How long to sleep when `wanted`, cut short by shutdown; `true` when shutdown started.
pub async fn sleep_or_shutdown(shutdown: &Shutdown, wanted: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(wanted) => shutdown.is_started(),
        _ = shutdown.started() => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_the_burst_then_refuses_with_a_retry_after() {
        let limit = KeyRateLimit::new(1, 3).unwrap();
        let a = key_id("a");
        for _ in 0..3 {
            assert_eq!(limit.take(&a), Ok(()));
        }
        assert_eq!(limit.take(&a), Err(1));
        assert_eq!(limit.check(&a), Err(1));
        let b = key_id("b");
        assert_eq!(limit.check(&b), Ok(()));
        assert_eq!(limit.take(&b), Ok(()));
    }

    #[test]
    fn full_buckets_are_swept() {
        let limit = KeyRateLimit::new(1_000_000, 1).unwrap();
        for i in 0..(SWEEP_FLOOR * 3) {
            assert_eq!(limit.take(&key_id(&i.to_string())), Ok(()));
            std::thread::sleep(Duration::from_micros(2));
        }
        assert!(limit.len() < SWEEP_FLOOR * 2, "{}", limit.len());
    }

    #[test]
    fn no_limit_when_the_rate_is_zero() {
        assert!(KeyRateLimit::new(0, 10).is_none());
        let guard = StationInflight::new(0);
        assert!(matches!(guard.enter("s"), Some(None)));
    }

    #[test]
    fn station_permits_are_counted_and_released() {
        let guard = StationInflight::new(2);
        let one = guard.enter("s1").unwrap();
        let two = guard.enter("s1").unwrap();
        assert!(guard.enter("s1").is_none());
        assert!(guard.enter("s2").unwrap().is_some());
        assert_eq!(guard.in_flight("s1"), 2);
        drop(one);
        assert!(guard.enter("s1").is_some());
        drop(two);
        assert_eq!(guard.in_flight("s1"), 0);
        assert!(guard.counts.lock().unwrap().is_empty());
    }
}
