//! `mpsc` permits (`reserve`): a permit is a capacity unit of the bounded buffer, held until its
//! value is sent or the permit dropped. A request that finds no free unit parks in `sendq` as a
//! value-less [`SendWaiter`], in FIFO order with the parked sends; [`Chan::refill`] grants it the
//! next free unit (after winning its `select!` token, if any).

use super::core::{Chan, ReserveOp, SendFail, State};
use super::shim::Ordering;
use super::waiter::{SendStatus, SendWaiter, Wakeups};
use crate::coop;
use crate::select::{self, Claim};
use std::task::{ready, Context, Poll};

impl<T> Chan<T> {
    /// Takes a permit if a slot is free.
    pub(crate) fn try_reserve(&self) -> Result<(), SendFail<()>> {
        self.locked(|st, _| {
            if st.closed {
                Err(SendFail::Closed(()))
            } else if st.sendq.is_empty() && self.take_unit() {
                Ok(())
            } else {
                Err(SendFail::Full(()))
            }
        })
    }

    /// Polls a permit request; `Err(())` when the channel is closed.
    pub(crate) fn poll_reserve(
        &self,
        op: &mut ReserveOp,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), ()>> {
        ready!(coop::poll_proceed(cx));
        let out = select::with_current(|me| {
            self.locked(|st, wk| match *op {
                ReserveOp::Idle => {
                    if st.closed {
                        *op = ReserveOp::Done;
                        return Poll::Ready(Err(()));
                    }
                    let claim = select::claim(me);
                    if claim == Claim::Lost {
                        return Poll::Pending;
                    }
                    if st.sendq.is_empty() && self.take_unit() {
                        *op = ReserveOp::Done;
                        return Poll::Ready(Ok(()));
                    }
                    select::release(me, claim);
                    if select::try_only(me) {
                        return Poll::Pending;
                    }
                    let id = st.sendq.push_back(
                        SendWaiter::new(None, select::park_ref(me), None),
                        cx.waker(),
                    );
                    *op = ReserveOp::Parked(id);
                    // Publish, then look again (see `start_send`).
                    self.publish_park(st);
                    self.refill(st, wk);
                    self.settle_reserve(st, op, cx, wk)
                }
                ReserveOp::Parked(_) => self.settle_reserve(st, op, cx, wk),
                ReserveOp::Done => panic!("a reserve future was polled after it completed"),
            })
        });
        if out.is_pending() {
            coop::refund();
        }
        out
    }

    /// Reads a parked permit request's waiter, removing it once finished.
    fn settle_reserve(
        &self,
        st: &mut State<T>,
        op: &mut ReserveOp,
        cx: &mut Context<'_>,
        wk: &mut Wakeups,
    ) -> Poll<Result<(), ()>> {
        let ReserveOp::Parked(id) = *op else {
            unreachable!("settling a parked request")
        };
        let queued = st.sendq.is_queued(id);
        match st.sendq.get(id).status {
            SendStatus::Waiting if queued => {
                st.sendq.register(id, cx.waker());
                Poll::Pending
            }
            SendStatus::Waiting => {
                // Skipped: our `select!` committed elsewhere. Ask again if polled again.
                st.sendq.remove(id);
                *op = ReserveOp::Idle;
                Poll::Pending
            }
            SendStatus::Granted => {
                st.sendq.remove(id);
                *op = ReserveOp::Done;
                if st.closed {
                    // Granted, but the channel closed before we ran: the request fails, as
                    // tokio's, and gives its unit back (receivers may be waiting for it).
                    self.release_locked(st, wk);
                    return Poll::Ready(Err(()));
                }
                Poll::Ready(Ok(()))
            }
            SendStatus::Closed => {
                st.sendq.remove(id);
                *op = ReserveOp::Done;
                Poll::Ready(Err(()))
            }
        }
    }

    /// Drops a pending permit request; a permit already granted to it is given back.
    pub(crate) fn cancel_reserve(&self, op: &mut ReserveOp) {
        if let ReserveOp::Parked(id) = std::mem::take(op) {
            self.locked(|st, wk| {
                if st.sendq.remove(id).status == SendStatus::Granted {
                    self.release_locked(st, wk);
                }
            });
        }
    }

    /// Gives a unit back under the lock: to the next parked sender, or, after close, lets
    /// receivers waiting for outstanding units finish.
    pub(super) fn release_locked(&self, st: &mut State<T>, wk: &mut Wakeups) {
        self.return_unit();
        self.refill(st, wk);
        self.wake_receivers_if_done(st, wk);
    }

    /// Sends through a permit: never waits, and works even after `close` (as tokio's).
    pub(crate) fn send_permit(&self, value: T) {
        let garbage = self.locked(|st, wk| {
            if self.receivers.load(Ordering::Acquire) == 0 {
                self.release_locked(st, wk);
                return Some(value);
            }
            if !st.recvq.is_empty() {
                self.flush_to_receivers(st, wk);
            }
            match self.offer_to_receiver(st, value, wk) {
                Ok(None) => self.release_locked(st, wk),
                Ok(Some(value)) | Err(value) => self.push_unit(value),
            }
            None
        });
        drop(garbage);
    }

    /// Gives back an unused permit.
    pub(crate) fn release_permit(&self) {
        self.locked(|st, wk| self.release_locked(st, wk));
    }
}
