//! `join!` and `try_join!` (tokio's): poll several futures concurrently in one task.

/// Waits for every future and returns their outputs as a tuple (tokio's `join!`).
///
/// The futures run concurrently on the current task (not in parallel); each poll starts from
/// the next future in turn, so none is starved.
///
/// ```
/// # futures::executor::block_on(async {
/// let (a, b) = gort_channel::join!(async { 1 }, async { "two" });
/// assert_eq!((a, b), (1, "two"));
/// # });
/// ```
#[macro_export]
macro_rules! join {
    (@norm [$($done:tt)*] ($($s:tt)*) $e:expr, $($rest:tt)*) => {
        $crate::join!(@norm [$($done)* ( ($($s)*) $e )] ($($s)* _) $($rest)*)
    };
    (@norm [$($done:tt)*] ($($s:tt)*) $e:expr) => {
        $crate::join!(@norm [$($done)* ( ($($s)*) $e )] ($($s)* _))
    };
    (@norm [$( ( ($($skip:tt)*) $e:expr ) )*] ($($count:tt)*)) => {{
        const __COUNT: u32 = 0 $(+ $crate::__select_one!($count))*;
        let mut __futures = ( $(
            $crate::__private::maybe_done($crate::__private::IntoFuture::into_future($e)),
        )* );
        // Only this reference is used from here on: the futures are never moved again.
        let mut __futures = &mut __futures;
        let mut __next: u32 = 0;
        $crate::__private::poll_fn(move |__cx| {
            let __start = __next;
            __next = $crate::__private::wrap_index(__next + 1, __COUNT);
            let mut __done = true;
            for __i in 0..__COUNT {
                let __index = $crate::__private::wrap_index(__start + __i, __COUNT);
                $(
                    if __index == (0u32 $(+ $crate::__select_one!($skip))*) {
                        let ( $($skip,)* __fut, .. ) = &mut *__futures;
                        // SAFETY: the future lives in `__futures`, a local of the enclosing
                        // (pinned) async frame, reachable only through this reference and never
                        // moved.
                        let __fut = unsafe { $crate::__private::Pin::new_unchecked(__fut) };
                        if $crate::__private::Future::poll(__fut, __cx).is_pending() {
                            __done = false;
                        }
                    }
                )*
            }
            if !__done {
                return $crate::__private::Poll::Pending;
            }
            $crate::__private::Poll::Ready(( $( {
                let ( $($skip,)* __fut, .. ) = &mut *__futures;
                // SAFETY: as above.
                let __fut = unsafe { $crate::__private::Pin::new_unchecked(__fut) };
                __fut.take_output().expect("join!: output taken once")
            }, )* ))
        }).await
    }};
    () => {
        ()
    };
    ($($e:expr),+ $(,)?) => {
        $crate::join!(@norm [] () $($e),+)
    };
}

/// Waits for every future, or returns the first error at once (tokio's `try_join!`).
///
/// Each future must output a `Result<_, E>` with the same `E`; the result is
/// `Result<(T1, T2, ...), E>`. The other futures are dropped as soon as one fails.
///
/// ```
/// # futures::executor::block_on(async {
/// let ok: Result<(i32, i32), &str> = gort_channel::try_join!(async { Ok(1) }, async { Ok(2) });
/// assert_eq!(ok, Ok((1, 2)));
/// let err: Result<(i32, i32), &str> =
///     gort_channel::try_join!(async { Ok(1) }, async { Err("boom") });
/// assert_eq!(err, Err("boom"));
/// # });
/// ```
#[macro_export]
macro_rules! try_join {
    (@norm [$($done:tt)*] ($($s:tt)*) $e:expr, $($rest:tt)*) => {
        $crate::try_join!(@norm [$($done)* ( ($($s)*) $e )] ($($s)* _) $($rest)*)
    };
    (@norm [$($done:tt)*] ($($s:tt)*) $e:expr) => {
        $crate::try_join!(@norm [$($done)* ( ($($s)*) $e )] ($($s)* _))
    };
    (@norm [$( ( ($($skip:tt)*) $e:expr ) )*] ($($count:tt)*)) => {{
        const __COUNT: u32 = 0 $(+ $crate::__select_one!($count))*;
        let mut __futures = ( $(
            $crate::__private::maybe_done($crate::__private::IntoFuture::into_future($e)),
        )* );
        // Only this reference is used from here on: the futures are never moved again.
        let mut __futures = &mut __futures;
        let mut __next: u32 = 0;
        $crate::__private::poll_fn(move |__cx| {
            let __start = __next;
            __next = $crate::__private::wrap_index(__next + 1, __COUNT);
            let mut __done = true;
            for __i in 0..__COUNT {
                let __index = $crate::__private::wrap_index(__start + __i, __COUNT);
                $(
                    if __index == (0u32 $(+ $crate::__select_one!($skip))*) {
                        let ( $($skip,)* __fut, .. ) = &mut *__futures;
                        // SAFETY: the future lives in `__futures`, a local of the enclosing
                        // (pinned) async frame, reachable only through this reference and never
                        // moved.
                        let mut __fut = unsafe { $crate::__private::Pin::new_unchecked(__fut) };
                        if $crate::__private::Future::poll(__fut.as_mut(), __cx).is_pending() {
                            __done = false;
                        } else if $crate::__private::is_err(__fut.as_mut().output_mut()) {
                            return $crate::__private::Poll::Ready(::core::result::Result::Err(
                                $crate::__private::take_err(__fut.take_output()),
                            ));
                        }
                    }
                )*
            }
            if !__done {
                return $crate::__private::Poll::Pending;
            }
            $crate::__private::Poll::Ready(::core::result::Result::Ok(( $( {
                let ( $($skip,)* __fut, .. ) = &mut *__futures;
                // SAFETY: as above.
                let __fut = unsafe { $crate::__private::Pin::new_unchecked(__fut) };
                $crate::__private::take_ok(__fut.take_output())
            }, )* )))
        }).await
    }};
    () => {
        ::core::result::Result::Ok(())
    };
    ($($e:expr),+ $(,)?) => {
        $crate::try_join!(@norm [] () $($e),+)
    };
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::chan;

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

            let (_tx, rx) = chan::bounded::<u8>(0);
            let res: Result<(u8, u8), &str> = crate::try_join!(
                async { rx.recv().await.ok_or("closed") }, // never completes
                async { Err("boom") },
            );
            assert_eq!(res, Err("boom"));
            let ok: Result<(u8, &str), ()> = crate::try_join!(async { Ok(1) }, async { Ok("x") });
            assert_eq!(ok, Ok((1, "x")));
        });
    }
}
