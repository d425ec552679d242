//! Producers and consumers over Go's `chan` (unbuffered, bounded, unbounded) and tokio's `mpsc`
//! (bounded, unbounded), with random send/receive styles, cancellation, close, drop and abort.
//!
//! Producers send (producer, seq) [`Item`]s recorded in a [`Ledger`]; consumers count what they
//! take. Each send is one of: `send().await`, `try_send` with retries, `send` under `timeout`,
//! `send` racing a sleep in `select!`, `send` with `select!`'s `default`, and for `mpsc::channel`
//! also `send_timeout` and `reserve` + `Permit::send`. With two `chan`s a producer may `select!`
//! between sending the same value on either: exactly one branch may commit. A closer may close the
//! channel midway; some producers and consumers are aborted; consumer 0 always drains to the end.

use crate::ensure;
use crate::ledger::{Item, Ledger};
use crate::rng::Rng;
use crate::support::{abort_some, count, join_all, pause, short, Outcome, STATS};
use gort::chan;
use gort::sync::mpsc;
use std::sync::Arc;

/// The channel under test.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    ChanUnbuffered,
    ChanBounded(usize),
    ChanUnbounded,
    MpscBounded(usize),
    MpscUnbounded,
}

impl Kind {
    fn is_chan(self) -> bool {
        matches!(
            self,
            Kind::ChanUnbuffered | Kind::ChanBounded(_) | Kind::ChanUnbounded
        )
    }

    /// A random `chan` kind (for the second channel of a two-channel `select!`).
    fn random_chan(rng: &mut Rng) -> Kind {
        match rng.below(0, 3) {
            0 => Kind::ChanUnbuffered,
            1 => Kind::ChanBounded(rng.below(1, 5)),
            _ => Kind::ChanUnbounded,
        }
    }
}

/// A sending end of any kind.
#[derive(Clone)]
enum Tx {
    Chan(chan::Sender<Item>),
    Mpsc(mpsc::Sender<Item>),
    MpscU(mpsc::UnboundedSender<Item>),
}

/// A receiving end of any kind.
enum Rx {
    Chan(chan::Receiver<Item>),
    Mpsc(mpsc::Receiver<Item>),
    MpscU(mpsc::UnboundedReceiver<Item>),
}

/// Why a non-waiting operation did not complete.
#[derive(PartialEq)]
enum NotNow {
    Empty,
    Closed,
}

fn open(kind: Kind) -> (Tx, Rx) {
    match kind {
        Kind::ChanUnbuffered => wrap_chan(chan::bounded(0)),
        Kind::ChanBounded(n) => wrap_chan(chan::bounded(n)),
        Kind::ChanUnbounded => wrap_chan(chan::unbounded()),
        Kind::MpscBounded(n) => {
            let (t, r) = mpsc::channel(n);
            (Tx::Mpsc(t), Rx::Mpsc(r))
        }
        Kind::MpscUnbounded => {
            let (t, r) = mpsc::unbounded_channel();
            (Tx::MpscU(t), Rx::MpscU(r))
        }
    }
}

fn wrap_chan((t, r): (chan::Sender<Item>, chan::Receiver<Item>)) -> (Tx, Rx) {
    (Tx::Chan(t), Rx::Chan(r))
}

impl Tx {
    /// `send().await`; `Err` gives the value back (the channel is closed).
    async fn send(&self, v: Item) -> Result<(), Item> {
        match self {
            Tx::Chan(t) => t.send(v).await.map_err(|e| e.0),
            Tx::Mpsc(t) => t.send(v).await.map_err(|e| e.0),
            Tx::MpscU(t) => t.send(v).map_err(|e| e.0),
        }
    }

    fn try_send(&self, v: Item) -> Result<(), (Item, NotNow)> {
        use chan::TrySendError as C;
        use mpsc::error::TrySendError as M;
        match self {
            Tx::Chan(t) => t.try_send(v).map_err(|e| match e {
                C::Full(v) => (v, NotNow::Empty),
                C::Closed(v) => (v, NotNow::Closed),
            }),
            Tx::Mpsc(t) => t.try_send(v).map_err(|e| match e {
                M::Full(v) => (v, NotNow::Empty),
                M::Closed(v) => (v, NotNow::Closed),
            }),
            Tx::MpscU(t) => t.send(v).map_err(|e| (e.0, NotNow::Closed)),
        }
    }

    /// Closes the channel from the sending side (`chan` only; tokio's senders cannot close).
    fn close(&self) {
        if let Tx::Chan(t) = self {
            t.close();
        }
    }
}

impl Rx {
    async fn recv(&mut self) -> Option<Item> {
        match self {
            Rx::Chan(r) => r.recv().await,
            Rx::Mpsc(r) => r.recv().await,
            Rx::MpscU(r) => r.recv().await,
        }
    }

    fn try_recv(&mut self) -> Result<Item, NotNow> {
        fn mpsc_err(e: mpsc::error::TryRecvError) -> NotNow {
            match e {
                mpsc::error::TryRecvError::Empty => NotNow::Empty,
                mpsc::error::TryRecvError::Disconnected => NotNow::Closed,
            }
        }
        match self {
            Rx::Chan(r) => r.try_recv().map_err(|e| match e {
                chan::TryRecvError::Empty => NotNow::Empty,
                chan::TryRecvError::Closed => NotNow::Closed,
            }),
            Rx::Mpsc(r) => r.try_recv().map_err(mpsc_err),
            Rx::MpscU(r) => r.try_recv().map_err(mpsc_err),
        }
    }

    /// tokio's `recv_many` (mpsc only): `Some(0)` once closed and drained, `None` for `chan`.
    async fn recv_many(&mut self, buf: &mut Vec<Item>, limit: usize) -> Option<usize> {
        match self {
            Rx::Chan(_) => None,
            Rx::Mpsc(r) => Some(r.recv_many(buf, limit).await),
            Rx::MpscU(r) => Some(r.recv_many(buf, limit).await),
        }
    }

    fn close(&mut self) {
        match self {
            Rx::Chan(r) => drop(r.close()),
            Rx::Mpsc(r) => r.close(),
            Rx::MpscU(r) => r.close(),
        }
    }

    fn try_clone(&self) -> Option<Rx> {
        match self {
            Rx::Chan(r) => Some(Rx::Chan(r.clone())),
            _ => None,
        }
    }
}

/// What became of one send attempt.
enum Sent {
    /// The send returned `Ok`.
    Confirmed,
    /// The value came back: the channel is closed.
    Closed,
    /// The send was cancelled before it completed.
    Cancelled,
    /// Another branch of the same `select!` committed, so this send must not have.
    Declined,
}

struct Producer {
    id: usize,
    txs: Vec<Tx>,
    /// With two `chan`s: a receiver of the second, for `select!` between a send and a receive.
    inbox: Option<chan::Receiver<Item>>,
    /// Whether `inbox` may still yield values (false once it returned `None`).
    inbox_open: bool,
    ledger: Arc<Ledger>,
    /// Whether a cancelled send may have delivered (Go's `chan`): then its seq is never reused.
    lax_cancel: bool,
}

impl Producer {
    async fn run(mut self, mut rng: Rng, values: usize) {
        let mut seq = 0;
        while seq < values {
            pause(&mut rng).await;
            self.ledger.sending(self.id, seq);
            match self.send_once(&mut rng, seq).await {
                Sent::Confirmed => {
                    self.ledger.confirmed(self.id, seq);
                    count(&STATS.ops, 1);
                    seq += 1;
                }
                Sent::Closed => {
                    self.ledger.returned(self.id, seq);
                    return;
                }
                Sent::Cancelled if self.lax_cancel => {
                    // Maybe delivered: leave it in flight and never reuse its seq.
                    count(&STATS.cancels, 1);
                    seq += 1;
                }
                Sent::Cancelled | Sent::Declined => {
                    // Not sent (documented for mpsc; select!'s one commit for a declined send):
                    // sending the same seq again must not duplicate it.
                    self.ledger.returned(self.id, seq);
                    count(&STATS.cancels, 1);
                }
            }
        }
    }

    async fn send_once(&mut self, rng: &mut Rng, seq: usize) -> Sent {
        let (id, tx) = (self.id, &self.txs[0]);
        let item = Item::new(id, seq);
        let styles = if matches!(tx, Tx::Mpsc(_)) { 7 } else { 5 };
        let style = rng.below(0, styles + 2 * usize::from(self.txs.len() > 1));
        if style == styles + 1 {
            return self.send_or_receive(item).await;
        }
        match style {
            0 => settle(tx.send(item).await),
            1 => try_send_retrying(tx, item).await,
            2 => match gort::time::timeout(short(rng), tx.send(item)).await {
                Ok(r) => settle(r),
                Err(_) => Sent::Cancelled,
            },
            3 => gort::select! {
                r = tx.send(item) => settle(r),
                _ = gort::time::sleep(short(rng)) => Sent::Cancelled,
            },
            4 => gort::select! {
                r = tx.send(item) => settle(r),
                default => Sent::Cancelled,
            },
            5 | 6 if matches!(tx, Tx::Mpsc(_)) => {
                let Tx::Mpsc(t) = tx else { unreachable!() };
                mpsc_extra(t, item, style == 5, short(rng)).await
            }
            _ => {
                // The same value offered on both channels: exactly one branch may commit.
                let (a, b) = (&self.txs[0], &self.txs[1]);
                gort::select! {
                    r = a.send(item) => settle(r),
                    r = b.send(Item::new(id, seq)) => settle(r),
                }
            }
        }
    }
}

impl Producer {
    /// Go's `select { case a <- v: ...; case w := <-b: ... }`: either the send commits or a
    /// value is received (and counted), never both.
    async fn send_or_receive(&mut self, item: Item) -> Sent {
        let (tx, inbox) = (&self.txs[0], self.inbox.as_ref().expect("two channels"));
        let open = self.inbox_open;
        let got = gort::select! {
            r = tx.send(item) => return settle(r),
            v = inbox.recv(), if open => v,
        };
        match got {
            Some(v) => {
                self.ledger.received(&v);
                count(&STATS.ops, 1);
            }
            None => self.inbox_open = false,
        }
        Sent::Declined
    }
}

fn settle(r: Result<(), Item>) -> Sent {
    match r {
        Ok(()) => Sent::Confirmed,
        Err(_) => Sent::Closed,
    }
}

/// `try_send` a few times with yields in between, then `send().await`.
async fn try_send_retrying(tx: &Tx, mut item: Item) -> Sent {
    for _ in 0..8 {
        match tx.try_send(item) {
            Ok(()) => return Sent::Confirmed,
            Err((_, NotNow::Closed)) => return Sent::Closed,
            Err((v, NotNow::Empty)) => item = v,
        }
        gort::task::yield_now().await;
    }
    settle(tx.send(item).await)
}

/// tokio-only send styles of a bounded `mpsc`: `send_timeout`, or `reserve` then `Permit::send`.
async fn mpsc_extra(
    tx: &mpsc::Sender<Item>,
    item: Item,
    use_send_timeout: bool,
    d: std::time::Duration,
) -> Sent {
    use mpsc::error::SendTimeoutError;
    if use_send_timeout {
        return match tx.send_timeout(item, d).await {
            Ok(()) => Sent::Confirmed,
            Err(SendTimeoutError::Timeout(_)) => Sent::Cancelled,
            Err(SendTimeoutError::Closed(_)) => Sent::Closed,
        };
    }
    match gort::time::timeout(d, tx.reserve()).await {
        Ok(Ok(permit)) => {
            permit.send(item);
            Sent::Confirmed
        }
        Ok(Err(_)) => Sent::Closed,
        Err(_) => Sent::Cancelled,
    }
}

/// Takes values from `rxs` until every channel is closed and drained (or `quit_after` values,
/// when set); counts each in the ledger. Returns how many it took.
async fn consume(
    mut rxs: Vec<Rx>,
    ledger: Arc<Ledger>,
    mut rng: Rng,
    quit_after: Option<usize>,
    mut close_after: Option<usize>,
) -> usize {
    let mut taken = 0;
    let mut open = vec![true; rxs.len()];
    while open.iter().any(|o| *o) && Some(taken) != quit_after {
        if close_after.is_some_and(|n| taken >= n) {
            rxs.iter_mut().for_each(Rx::close);
            close_after = None;
        }
        pause(&mut rng).await;
        if rxs.len() == 1 && rng.chance(15) {
            let mut batch = Vec::new();
            if let Some(n) = rxs[0].recv_many(&mut batch, rng.below(1, 9)).await {
                open[0] = n > 0;
                taken += batch.len();
                batch.iter().for_each(|item| ledger.received(item));
                continue;
            }
        }
        let got = if rxs.len() == 2 && open[0] && open[1] {
            recv_either(&mut rxs, &mut rng).await
        } else {
            let i = open.iter().position(|o| *o).unwrap();
            recv_once(&mut rxs[i], &mut rng).await.map(|r| (i, r))
        };
        match got {
            None => count(&STATS.cancels, 1),
            Some((i, None)) => open[i] = false,
            Some((_, Some(item))) => {
                ledger.received(&item);
                taken += 1;
            }
        }
    }
    taken
}

/// One receive in a random style. `None`: cancelled or nothing ready; `Some(None)`: closed.
async fn recv_once(rx: &mut Rx, rng: &mut Rng) -> Option<Option<Item>> {
    match rng.below(0, 5) {
        0 => Some(rx.recv().await),
        1 => match rx.try_recv() {
            Ok(v) => Some(Some(v)),
            Err(NotNow::Closed) => Some(None),
            Err(NotNow::Empty) => {
                gort::task::yield_now().await;
                None
            }
        },
        2 => gort::time::timeout(short(rng), rx.recv()).await.ok(),
        3 => gort::select! {
            r = rx.recv() => Some(r),
            _ = gort::time::sleep(short(rng)) => None,
        },
        _ => gort::select! {
            r = rx.recv() => Some(r),
            default => None,
        },
    }
}

/// A receive from whichever of two channels is ready first, sometimes with a timeout branch.
async fn recv_either(rxs: &mut [Rx], rng: &mut Rng) -> Option<(usize, Option<Item>)> {
    let (a, b) = rxs.split_at_mut(1);
    let (a, b) = (&mut a[0], &mut b[0]);
    if rng.chance(50) {
        gort::select! {
            r = a.recv() => Some((0, r)),
            r = b.recv() => Some((1, r)),
        }
    } else {
        gort::select! {
            r = a.recv() => Some((0, r)),
            r = b.recv() => Some((1, r)),
            _ = gort::time::sleep(short(rng)) => None,
        }
    }
}

/// One round over `kind`: random producer and consumer counts, styles, closes and aborts.
pub async fn run(mut rng: Rng, kind: Kind) -> Outcome {
    let producers = rng.below(1, 6);
    let values = rng.below(10, 300);
    let lax_cancel = kind.is_chan();
    let ledger = Arc::new(Ledger::new(producers, values, lax_cancel));
    let mut kinds = vec![kind];
    if kind.is_chan() && rng.chance(40) {
        kinds.push(Kind::random_chan(&mut rng));
    }
    let (txs, rxs): (Vec<Tx>, Vec<Rx>) = kinds.iter().map(|k| open(*k)).unzip();
    // Producers may also receive from the second channel (a receive in the same select!).
    let inbox = match rxs.get(1) {
        Some(Rx::Chan(r)) => Some(r.clone()),
        _ => None,
    };
    let consumers = if kind.is_chan() { rng.below(1, 5) } else { 1 };
    let consumer_tasks = spawn_consumers(&mut rng, rxs, consumers, values, &ledger);
    let producer_tasks: Vec<_> = (0..producers)
        .map(|p| {
            let producer = Producer {
                id: p,
                txs: txs.clone(),
                inbox: inbox.clone(),
                inbox_open: true,
                ledger: ledger.clone(),
                lax_cancel,
            };
            gort::spawn(producer.run(rng.fork(100 + p as u64), values))
        })
        .collect();
    drop(inbox);
    let closer = (kind.is_chan() && rng.chance(15)).then(|| txs[0].clone());
    drop(txs);

    if let Some(tx) = closer {
        pause(&mut rng).await;
        gort::time::sleep(short(&mut rng)).await;
        tx.close();
    }
    abort_some(&mut rng, &producer_tasks, 10).await;
    // Never the last consumer: it drains the channel to the end.
    abort_some(&mut rng, &consumer_tasks[..consumers - 1], 15).await;
    join_all(producer_tasks).await?;
    join_all(consumer_tasks).await?;
    verify(&ledger, producers, &kinds)
}

/// Spawns `consumers` consumers over clones of `rxs`. The last one drains every channel to the
/// end (it is never aborted and never quits early); it alone may close the channels midway.
fn spawn_consumers(
    rng: &mut Rng,
    mut rxs: Vec<Rx>,
    consumers: usize,
    values: usize,
    ledger: &Arc<Ledger>,
) -> Vec<gort::task::JoinHandle<usize>> {
    (0..consumers)
        .map(|c| {
            let last = c + 1 == consumers;
            let mine: Vec<Rx> = if last {
                std::mem::take(&mut rxs)
            } else {
                rxs.iter().map(|r| r.try_clone().unwrap()).collect()
            };
            let quit_after = (!last && rng.chance(30)).then(|| rng.below(0, values));
            let close_after = (last && rng.chance(15)).then(|| rng.below(0, values));
            let (l, r) = (ledger.clone(), rng.fork(c as u64));
            gort::spawn(consume(mine, l, r, quit_after, close_after))
        })
        .collect()
}

/// The ledger's verdict, plus per-producer counts and sums where cancelled sends are strict.
fn verify(ledger: &Ledger, producers: usize, kinds: &[Kind]) -> Outcome {
    let (errors, maybe) = ledger.check();
    count(&STATS.cancelled_delivered, maybe as u64);
    let kind = kinds[0];
    ensure!(
        errors.is_empty(),
        "{kind:?} (x{}): {}",
        kinds.len(),
        errors.join("; ")
    );
    for p in 0..producers {
        let [sent, sent_sum, got, got_sum] = ledger.totals(p);
        let exact = sent == got && sent_sum == got_sum;
        ensure!(
            kind.is_chan() || exact,
            "{kind:?}: producer {p} sent {sent} (sum {sent_sum}), received {got} (sum {got_sum})"
        );
    }
    Ok(())
}
