//! Spontaneous payments: the service catalog, paDemandPaymentNotice with each amount source, the
//! institution's callback and its failures, replays, and IUVs under concurrency.

#[path = "../common/mod.rs"]
mod common;

mod callbacks;
mod catalog;
mod demands;
mod support;
