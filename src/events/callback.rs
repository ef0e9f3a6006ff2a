//! Asking a service's callback for the amount of a demand: one signed POST, bounded in time.

use std::time::Duration;

use super::{request_error, signature, HEADER_SIGNATURE};
use crate::rest::model::{CallbackAnswerModel, CallbackRequestModel};

/// Request id of a call, also sent as a header so the institution can log it.
pub const HEADER_REQUEST_ID: &str = "X-GPD-Request-Id";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Larger answers are refused as invalid.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// Why the callback gave no amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// `404 {"detail"}`: nothing to pay for these properties.
    #[error("{0}")]
    NothingToPay(String),
    /// `422 {"detail"}`: the properties are refused.
    #[error("{0}")]
    Refused(String),
    /// Time-out, connection error, another status, or an answer that is not the contract's.
    #[error("{0}")]
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct Callbacks {
    client: reqwest::Client,
    timeout: Duration,
}

impl Callbacks {
    pub fn new(timeout: Duration) -> Result<Self, String> {
        // The whole call (connect, send, answer) is bounded by one timer in `ask`, so a slow
        // callback always reads the same way.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("callback client: {e}"))?;
        Ok(Self { client, timeout })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// POSTs the demand to `url`, signed with `secret`, and reads the answer.
    pub async fn ask(
        &self,
        url: &str,
        secret: &str,
        request: &CallbackRequestModel,
    ) -> Result<CallbackAnswerModel, CallbackError> {
        let failed = |m: String| CallbackError::Failed(format!("callback {url}: {m}"));
        let body = serde_json::to_string(request).map_err(|e| failed(e.to_string()))?;
        let now = chrono::Utc::now().timestamp();
        let call = async {
            let response = self
                .client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(HEADER_REQUEST_ID, &request.request_id)
                .header(HEADER_SIGNATURE, signature(secret, now, &body))
                .body(body.clone())
                .send()
                .await?;
            let status = response.status().as_u16();
            let bytes = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, bytes))
        };
        let (status, bytes) = match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => return Err(failed(request_error(&e, self.timeout))),
            Err(_) => {
                return Err(failed(format!(
                    "no answer within {} s",
                    self.timeout.as_secs_f64()
                )))
            }
        };
        if bytes.len() > MAX_ANSWER_BYTES {
            return Err(failed(format!("answer over {MAX_ANSWER_BYTES} bytes")));
        }
        let detail = || {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_owned))
                .map(|d| d.chars().take(500).collect::<String>())
                .unwrap_or_else(|| format!("HTTP {status}"))
        };
        match status {
            200 => {
                serde_json::from_slice(&bytes).map_err(|e| failed(format!("invalid answer: {e}")))
            }
            404 => Err(CallbackError::NothingToPay(detail())),
            422 => Err(CallbackError::Refused(detail())),
            other => Err(failed(format!("HTTP {other}"))),
        }
    }
}
