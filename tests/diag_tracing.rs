//! Feature `tracing` (issue 12): what console-subscriber reads, checked with a small recording
//! subscriber: a `runtime.spawn` span per task with tokio's fields (spawn location, name),
//! entered once per poll, and `tokio::task::waker` events carrying the span's id.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

#[derive(Default, Debug)]
struct SpanSeen {
    name: &'static str,
    target: &'static str,
    fields: HashMap<String, String>,
    enters: usize,
}

/// Records spans (with their fields and enter counts) and waker events.
#[derive(Default)]
struct Recorder {
    next: AtomicU64,
    spans: Mutex<HashMap<u64, SpanSeen>>,
    /// `(op, task.id)` of each `tokio::task::waker` event.
    wakers: Mutex<Vec<(String, u64)>>,
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
}

struct Shared(Arc<Recorder>);

impl Subscriber for Shared {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.0.next.fetch_add(1, Relaxed) + 1;
        let mut seen = SpanSeen {
            name: span.metadata().name(),
            target: span.metadata().target(),
            ..Default::default()
        };
        span.record(&mut Fields(&mut seen.fields));
        self.0.spans.lock().unwrap().insert(id, seen);
        Id::from_u64(id)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        if event.metadata().target() == "tokio::task::waker" {
            let mut fields = HashMap::new();
            event.record(&mut Fields(&mut fields));
            let op = fields["op"].clone();
            let task = fields["task.id"].parse().unwrap();
            self.0.wakers.lock().unwrap().push((op, task));
        }
    }
    fn enter(&self, span: &Id) {
        if let Some(seen) = self.0.spans.lock().unwrap().get_mut(&span.into_u64()) {
            seen.enters += 1;
        }
    }
    fn exit(&self, _: &Id) {}
}

#[test]
fn tasks_get_console_spans_entered_once_per_poll_and_waker_events() {
    let recorder = Arc::new(Recorder::default());
    let rt = gort::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    const YIELDS: usize = 5;
    let (spawn_line, named_line) =
        tracing::subscriber::with_default(Shared(recorder.clone()), || {
            rt.block_on(async {
                let (tx, rx) = gort::sync::oneshot::channel::<u32>();
                let spawn_line = line!() + 1;
                let yielder = gort::spawn(async move {
                    for _ in 0..YIELDS {
                        gort::task::yield_now().await;
                    }
                    // A clone of the task's waker, dropped unused.
                    let waker =
                        std::future::poll_fn(|cx| std::task::Poll::Ready(cx.waker().clone()));
                    drop(waker.await);
                    rx.await.unwrap()
                });
                let named_line = line!() + 1;
                let named = gort::task::Builder::new().name("sender").spawn(async move {
                    tx.send(7).unwrap();
                });
                named.unwrap().await.unwrap();
                assert_eq!(yielder.await.unwrap(), 7);
                (spawn_line, named_line)
            })
        });
    let spans = recorder.spans.lock().unwrap();
    let tasks: Vec<_> = spans
        .iter()
        .filter(|(_, s)| s.name == "runtime.spawn")
        .collect();
    assert_eq!(tasks.len(), 2, "{spans:?}");
    let at_line = |line: u32| {
        let found = tasks
            .iter()
            .find(|(_, s)| s.fields.get("loc.line") == Some(&line.to_string()));
        *found.unwrap_or_else(|| panic!("no span spawned at line {line}: {tasks:?}"))
    };
    let (yielder_id, yielder) = at_line(spawn_line);
    let (_, named) = at_line(named_line);
    for (_, span) in &tasks {
        assert_eq!(span.target, "tokio::task");
        assert_eq!(span.fields["kind"], "task");
        assert_eq!(span.fields["loc.file"], file!());
        assert!(span.fields["loc.col"].parse::<u32>().unwrap() > 0);
        assert!(span.fields["task.id"].parse::<u64>().unwrap() > 0);
    }
    assert_eq!(named.fields["task.name"], "sender");
    // The yielder is polled once, once per yield, and at least once more for the oneshot
    // (twice if it waited for it): one enter per poll.
    assert!(
        (YIELDS + 1..=YIELDS + 2).contains(&yielder.enters),
        "{}",
        yielder.enters
    );
    assert_eq!(named.enters, 1);
    let wakers = recorder.wakers.lock().unwrap();
    let ops: Vec<_> = wakers
        .iter()
        .filter(|(_, task)| *task == *yielder_id)
        .map(|(op, _)| op.as_str())
        .collect();
    // Each yield clones the waker (deferred wake) and wakes by value.
    assert!(
        ops.iter().filter(|op| **op == "waker.clone").count() >= YIELDS,
        "{ops:?}"
    );
    assert!(ops.contains(&"waker.wake"), "{ops:?}");
    assert!(ops.contains(&"waker.drop"), "{ops:?}");
    // Every event names a task span.
    assert!(wakers.iter().all(|(_, task)| spans.contains_key(task)));
}

#[test]
fn spawn_blocking_spans_say_kind_blocking() {
    let recorder = Arc::new(Recorder::default());
    // The blocking call runs on a pool thread: only a global subscriber sees it there (the other
    // test sets its own on its thread, which takes precedence over this one).
    tracing::subscriber::set_global_default(Shared(recorder.clone())).unwrap();
    let rt = gort::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let line = rt.block_on(async {
        let line = line!() + 1;
        let join = gort::task::spawn_blocking(|| 5);
        assert_eq!(join.await.unwrap(), 5);
        line
    });
    drop(rt);
    let spans = recorder.spans.lock().unwrap();
    let blocking: Vec<_> = spans
        .values()
        .filter(|s| {
            s.name == "runtime.spawn"
                && s.fields.get("kind").map(String::as_str) == Some("blocking")
        })
        .collect();
    assert_eq!(blocking.len(), 1, "{spans:?}");
    assert_eq!(blocking[0].fields["loc.line"], line.to_string());
    assert_eq!(blocking[0].fields["loc.file"], file!());
    assert_eq!(blocking[0].enters, 1);
}
