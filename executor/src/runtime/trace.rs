//! Feature `tracing`: the spans and events tokio-console's `console-subscriber` reads, under
//! tokio's names, so the console shows gort's tasks (no `tokio_unstable` needed).
//!
//! - Each task gets a `runtime.spawn` span (target `tokio::task`, fields `kind` (`"task"`, or
//!   `"blocking"` for `spawn_blocking` calls, as tokio's), `task.name`,
//!   `task.id`, `loc.file`, `loc.line`, `loc.col`), created at its first poll from the task's
//!   metadata (spawn location and name) and entered around every poll; it closes when the task
//!   completes.
//! - Each waker operation on a task emits a `tokio::task::waker` event with `op`
//!   (`waker.clone`, `waker.drop`, `waker.wake`, `waker.wake_by_ref`) and `task.id`: the id of
//!   the task's span, as console-subscriber expects.
//!
//! The task header does not grow for this: the spans live in a process-wide table keyed by task
//! id, touched only while a subscriber is interested (`tracing::enabled!`, one relaxed load
//! otherwise), so building with the feature but without a subscriber costs next to nothing.

use crate::task::Header;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};
use tracing::Span;

/// Task id → its `runtime.spawn` span.
fn spans() -> MutexGuard<'static, HashMap<u64, Span>> {
    static SPANS: OnceLock<Mutex<HashMap<u64, Span>>> = OnceLock::new();
    let spans = SPANS.get_or_init(Mutex::default);
    spans.lock().unwrap_or_else(|e| e.into_inner())
}

fn spawn_span(header: &Header) -> Span {
    let meta = &header.meta;
    let (file, line, col) = match meta.spawned_at {
        Some(at) => (at.file(), at.line(), at.column()),
        None => ("<unknown>", 0, 0),
    };
    tracing::trace_span!(
        target: "tokio::task",
        parent: None,
        "runtime.spawn",
        kind = header.vtable.kind,
        task.name = meta.name().unwrap_or_default(),
        task.id = header.id.as_u64(),
        loc.file = file,
        loc.line = line,
        loc.col = col,
    )
}

/// Enters the task's span for one poll (creating it at the first); `None` when no subscriber
/// wants task spans.
#[inline]
pub(crate) fn enter_poll(header: &Header) -> Option<tracing::span::EnteredSpan> {
    if !tracing::enabled!(target: "tokio::task", tracing::Level::TRACE) {
        return None;
    }
    let span = spans()
        .entry(header.id.as_u64())
        .or_insert_with(|| spawn_span(header))
        .clone();
    Some(span.entered())
}

/// The task completed: its span closes (once the last poll's guard is gone).
#[inline]
pub(crate) fn task_done(header: &Header) {
    if tracing::enabled!(target: "tokio::task", tracing::Level::TRACE) {
        // Closed outside the table's lock: the subscriber may do anything on close.
        let span = spans().remove(&header.id.as_u64());
        drop(span);
    }
}

/// A waker operation `op` on the task behind `header`.
#[inline]
pub(crate) fn waker_op(header: &Header, op: &'static str) {
    if !tracing::enabled!(target: "tokio::task::waker", tracing::Level::TRACE) {
        return;
    }
    let span_id = spans().get(&header.id.as_u64()).and_then(Span::id);
    if let Some(id) = span_id {
        tracing::trace!(target: "tokio::task::waker", op, task.id = id.into_u64());
    }
}
