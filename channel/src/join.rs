//! `join!` and `try_join!` (tokio's): poll several futures concurrently in one task.
//!
//! Both macros share one expansion (`__join_impl!`), which differs only where `__join_mode!`
//! says: `try_join!` checks each finished output for an error and wraps the result in `Ok`. The
//! parsing reads one future per rule, so 64 futures stay far below the recursion limit; each
//! future's position is a list of `_` tokens, used as a tuple pattern and counted as its index.

/// Waits for every future and returns their outputs as a tuple (tokio's `join!`).
///
/// The futures run concurrently on the current task (not in parallel). Each poll starts one
/// future later than the previous poll did, so a future that is always ready cannot starve the
/// others of the task's cooperative budget; `join!(biased; ...)` polls them in the order written
/// instead. Up to 64 futures; anything `IntoFuture` works.
///
/// ```
/// # futures::executor::block_on(async {
/// let (a, b) = gort_channel::join!(async { 1 }, async { "two" });
/// assert_eq!((a, b), (1, "two"));
///
/// // `biased;`: every poll visits the futures in the order written.
/// let order = std::cell::RefCell::new(Vec::new());
/// let step = |n| {
///     let order = &order;
///     async move { order.borrow_mut().push(n) }
/// };
/// gort_channel::join!(biased; step(1), step(2), step(3));
/// assert_eq!(*order.borrow(), [1, 2, 3]);
/// # });
/// ```
///
/// ```compile_fail
/// // futures are separated by commas
/// # async fn f() {
/// gort_channel::join!(async { 1 } async { 2 });
/// # }
/// ```
#[macro_export]
macro_rules! join {
    (biased; $($e:expr),* $(,)?) => {
        $crate::__join_impl!(@norm join InOrder [] () $($e,)*)
    };
    ($($e:expr),* $(,)?) => {
        $crate::__join_impl!(@norm join RoundRobin [] () $($e,)*)
    };
    ($($t:tt)*) => {
        ::core::compile_error!(
            "join! takes futures separated by commas: `join!(a, b)` or `join!(biased; a, b)`"
        )
    };
}

/// Waits for every future, or returns the first error at once (tokio's `try_join!`).
///
/// Each future must output a `Result<_, E>` with the same `E`; the result is
/// `Result<(T1, T2, ...), E>`. The other futures are dropped as soon as one fails. Polling order
/// and `biased;` as [`join!`].
///
/// ```
/// # futures::executor::block_on(async {
/// let ok: Result<(i32, i32), &str> = gort_channel::try_join!(async { Ok(1) }, async { Ok(2) });
/// assert_eq!(ok, Ok((1, 2)));
/// let err: Result<(i32, i32), &str> =
///     gort_channel::try_join!(biased; async { Ok(1) }, async { Err("boom") });
/// assert_eq!(err, Err("boom"));
/// # });
/// ```
#[macro_export]
macro_rules! try_join {
    (biased; $($e:expr),* $(,)?) => {
        $crate::__join_impl!(@norm try InOrder [] () $($e,)*)
    };
    ($($e:expr),* $(,)?) => {
        $crate::__join_impl!(@norm try RoundRobin [] () $($e,)*)
    };
    ($($t:tt)*) => {
        ::core::compile_error!(
            "try_join! takes futures separated by commas: `try_join!(a, b)` or \
             `try_join!(biased; a, b)`"
        )
    };
}

/// The expansion shared by [`join!`] and [`try_join!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __join_impl {
    (@norm $mode:ident $rotation:ident [$($done:tt)*] ($($s:tt)*) $e:expr, $($rest:tt)*) => {
        $crate::__join_impl!(@norm $mode $rotation [$($done)* ( ($($s)*) [$e] )] ($($s)* _) $($rest)*)
    };
    (@norm $mode:ident $rotation:ident [$( ( ($($skip:tt)*) [$e:expr] ) )*] ($($count:tt)*)) => {{
        const __COUNT: u32 = 0 $(+ $crate::__select_one!($count))*;
        const _: () = ::core::assert!(
            __COUNT <= $crate::__private::MAX_BRANCHES,
            "join!/try_join! take at most 64 futures"
        );
        #[allow(unused_mut, clippy::let_unit_value)]
        let mut __futures = ( $(
            $crate::__private::maybe_done($crate::__private::IntoFuture::into_future($e)),
        )* );
        // Only this reference is used from here on: the futures are never moved again.
        #[allow(unused_variables)]
        let mut __futures = &mut __futures;
        let mut __rotation = <$crate::__private::$rotation as ::core::default::Default>::default();
        $crate::__private::poll_fn(move |__cx| {
            let __first = $crate::__private::Rotation::first(&mut __rotation, __COUNT);
            #[allow(unused_mut)]
            let mut __done = true;
            #[allow(clippy::reversed_empty_ranges)] // `join!()`: no future
            for __i in 0..__COUNT {
                let __index = $crate::__private::nth_from(__first, __i, __COUNT);
                $(
                    if __index == 0 $(+ $crate::__select_one!($skip))* {
                        let ( $($skip,)* __fut, .. ) = &mut *__futures;
                        // SAFETY: the future lives in `__futures`, a local of the enclosing
                        // (pinned) async frame, reachable only through this reference and never
                        // moved.
                        let mut __fut = unsafe { $crate::__private::Pin::new_unchecked(__fut) };
                        if $crate::__private::Future::poll(__fut.as_mut(), __cx).is_pending() {
                            __done = false;
                        } else {
                            $crate::__join_mode!($mode, check __fut);
                        }
                    }
                )*
            }
            if !__done {
                $crate::__private::Poll::Pending
            } else {
                // Unreachable when an output type is uninhabited (`Infallible`): not the
                // caller's concern.
                #[allow(unreachable_code)]
                {
                    $crate::__private::Poll::Ready($crate::__join_mode!($mode, wrap ( $( {
                        let ( $($skip,)* __fut, .. ) = &mut *__futures;
                        // SAFETY: as above.
                        let __fut = unsafe { $crate::__private::Pin::new_unchecked(__fut) };
                        $crate::__join_mode!($mode, take __fut)
                    }, )* )))
                }
            }
        }).await
    }};
}

/// Where `join!` and `try_join!` differ.
#[doc(hidden)]
#[macro_export]
macro_rules! __join_mode {
    (join, check $fut:ident) => {};
    (try, check $fut:ident) => {
        if $crate::__private::is_err($fut.as_mut().output_mut()) {
            return $crate::__private::Poll::Ready(::core::result::Result::Err(
                $crate::__private::take_err($fut.take_output()),
            ));
        }
    };
    (join, take $fut:ident) => {
        $crate::__private::take($fut.take_output())
    };
    (try, take $fut:ident) => {
        $crate::__private::take_ok($fut.take_output())
    };
    (join, wrap $out:expr) => {
        $out
    };
    (try, wrap $out:expr) => {
        ::core::result::Result::Ok($out)
    };
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::chan;
    use std::cell::RefCell;
    use std::task::Poll;

    /// A future that is pending `n` times (waking itself) before it records `id` and completes.
    async fn yields(id: u32, n: u32, log: &RefCell<Vec<u32>>) -> u32 {
        for _ in 0..n {
            log.borrow_mut().push(id);
            let mut once = false;
            std::future::poll_fn(|cx| {
                if std::mem::replace(&mut once, true) {
                    Poll::Ready(())
                } else {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
            })
            .await;
        }
        id
    }

    #[test]
    fn join_waits_for_all_and_try_join_stops_at_the_first_error() {
        futures::executor::block_on(async {
            let (tx, rx) = chan::bounded(0);
            let (a, b, c) = crate::join!(
                async {
                    tx.send(1).await.unwrap();
                    "sent"
                },
                rx.recv(),
                async { 3 },
            );
            assert_eq!((a, b, c), ("sent", Some(1), 3));
            let () = crate::join!();
            let () = crate::join!(biased;);

            let (_tx, rx) = chan::bounded::<u8>(0);
            let res: Result<(u8, u8), &str> = crate::try_join!(
                async { rx.recv().await.ok_or("closed") }, // never completes
                async { Err("boom") },
            );
            assert_eq!(res, Err("boom"));
            let ok: Result<(u8, &str), ()> = crate::try_join!(async { Ok(1) }, async { Ok("x") });
            assert_eq!(ok, Ok((1, "x")));
            let empty: Result<(), ()> = crate::try_join!();
            assert_eq!(empty, Ok(()));
        });
    }

    #[test]
    fn rotation_and_biased_order() {
        futures::executor::block_on(async {
            let log = RefCell::new(Vec::new());
            crate::join!(yields(1, 2, &log), yields(2, 2, &log), yields(3, 2, &log));
            assert_eq!(*log.borrow(), [1, 2, 3, 2, 3, 1]);
            log.borrow_mut().clear();
            crate::join!(biased; yields(1, 2, &log), yields(2, 2, &log), yields(3, 2, &log));
            assert_eq!(*log.borrow(), [1, 2, 3, 1, 2, 3]);
            log.borrow_mut().clear();
            let res: Result<(u32, u32), u32> =
                crate::try_join!(biased; async { Ok(yields(1, 1, &log).await) }, async { Err(9) });
            assert_eq!(res, Err(9));
        });
    }
}
