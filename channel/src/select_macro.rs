//! The `select!` macro: tokio's syntax and semantics, plus Go's `default` and nil cases.
//!
//! How it expands. A parsing pass reads one whole branch per rule (`pat = fut, if cond =>
//! handler`), so a `select!` of 64 branches stays far below the default recursion limit. Each
//! branch then carries its position as a list of `_` tokens (`$skip`), which serves both as a
//! tuple pattern (`let (_, _, fut, ..) = &mut futures;`) and, counted by `__select_one!`, as its
//! index: no table of names, no recursion per branch when emitting.
//!
//! At run time the futures sit in one tuple that is never moved after the first poll; each poll
//! visits the enabled branches in a fresh random order (`biased;`: in the order written), inside
//! the branch's [`SelectScope`](crate::select::SelectScope) so that gort channel operations
//! share one "selected" word. A completed output is tested against its pattern without being
//! moved (a match guard that records the match and then refuses the arm), and travels out of the
//! poll in its own slot of a tuple of `Option`s; the handlers run after the poll, in the caller's
//! scope, so `break`, `continue`, `return`, `?` and `.await` in them act on the caller's code.
//!
//! A completed branch may find that another branch committed first: a peer completed one of
//! that branch's parked gort operations (took a parked send's value) while, say, a timer branch
//! fired. [`SelectScope::finish`](crate::select::SelectScope::finish) says so, and a second pass
//! (in order, only then) polls the other branches for the committed one, which completes at
//! once; its output is reported and the first one dropped, so the handler that runs is the
//! operation that happened. With `default`, a pass that finds two or more branches pending is
//! followed by one more (in random order again) before `default` runs (rule 5 below).

/// Waits on several futures at once and runs the handler of the first that completes and
/// matches its pattern (tokio's `select!`, plus Go's `default`).
///
/// ```text
/// select! {
///     biased;                                   // optional: poll in order instead of randomly
///     <pattern> = <future> (, if <condition>)? => <handler>,
///     ...                                       // up to 64 branches
///     else => <handler>,                        // optional: every branch is disabled
///     default => <handler>,                     // optional, gort-only: nothing is ready now
/// }
/// ```
///
/// 1. Every `if` condition is evaluated; a branch whose condition is false is disabled (Go's nil
///    channel: never ready, and its future is never polled).
/// 2. Every future expression is evaluated (disabled ones too) and turned into a future with
///    `IntoFuture`.
/// 3. The enabled futures are polled in a random order (`biased;`: in the order written) until
///    one completes. If its output matches the pattern, its handler runs with the pattern's
///    bindings and the other futures are dropped; if not, the branch is disabled and the rest go
///    on. Among the branches that are ready at a poll, each is equally likely to be taken, so no
///    ready branch starves.
///    Without `default`, a gort channel operation on a buffered channel that finds it idle at a
///    glance (nothing to take or no room, nobody parked to pair with, not closed) does not park
///    in this first look: if no branch completes, the branches whose operations held back are
///    polled once more (in a fresh order) and park then; the look's last branch parks at once.
///    So a `select!` whose ready branch comes after an idle one in the order never parks and
///    cancels the idle one (Go's `selectgo` looks at every case before it enqueues on any). Each
///    thread stops deferring after a look whose deferrals all ended in parks, and starts again
///    after a look in which a parked branch lost to a later one: a `select!` loop that waits on
///    every call pays for no second look.
/// 4. When every branch is disabled, `else` runs; without `else`, `default` runs; without
///    either, the macro panics (as tokio's).
/// 5. With `default` nothing waits: if no branch completes when first polled, `default` runs
///    (Go's `select { ... default: }`). When two or more branches were pending, they are all
///    polled once more before `default` runs: the looks come one after another, so one branch
///    may turn ready just after its look while another turns unready just before its own (Go
///    locks every channel and sees one instant). The second look catches such a hand-over —
///    Go's `TestNonblockSelectRace`: one of two channels stays ready throughout — though not
///    every interleaving Go's lock would. With `default` the branches are polled outside the
///    cooperative budget ([`coop::unconstrained`](crate::coop::unconstrained)), so a spent
///    budget never makes a ready branch look pending. Without `default`, a `select!` whose task
///    has spent its budget yields before polling (as tokio's).
///
/// A handler is an expression followed by a comma, or a block (comma optional). Handlers run
/// after the polling, in the caller's code: `break`, `continue`, `return`, `?` and `.await` in a
/// handler act as they would there.
///
/// # Exactly one branch commits
///
/// gort channel operations in the branches share one "selected" word: a peer completing one of
/// them first wins it with a compare-and-swap, so even two sends parked on unbuffered channels
/// can never both be taken (crossbeam-channel's `Context`, Go's `selectDone`). Every gort channel
/// future is cancel safe, so the losing branches leave their channels unchanged. When a peer
/// completes a parked operation of one branch while another (non-gort) future completes too, the
/// `select!` reports the branch whose operation happened and drops the other output.
///
/// # Examples
///
/// The first ready branch wins; with `default`, nothing waits:
///
/// ```
/// use gort_channel::{chan, select};
/// # futures::executor::block_on(async {
/// let (tx_a, rx_a) = chan::bounded::<u32>(1);
/// let (_tx_b, rx_b) = chan::bounded::<&str>(1);
/// tx_a.send(7).await.unwrap();
/// let got = select! {
///     Some(n) = rx_a.recv() => n,
///     Some(_) = rx_b.recv() => 0,
/// };
/// assert_eq!(got, 7);
///
/// // Go's `default`: taken only when nothing is ready.
/// let waited = select! {
///     Some(n) = rx_a.recv() => n,
///     default => 99,
/// };
/// assert_eq!(waited, 99);
/// # });
/// ```
///
/// Go's nil channels: a branch disabled with `, if false` is never ready, so `default` runs
/// (`select { case nilch <- 7: default: }`); `default` alone runs at once:
///
/// ```
/// use gort_channel::{chan, select};
/// # futures::executor::block_on(async {
/// let (tx, _rx) = chan::bounded::<u32>(1);
/// let nil: Option<&chan::Sender<u32>> = None; // a nil channel
/// let sent = select! {
///     Ok(()) = tx.send(7), if nil.is_some() => true,
///     default => false,
/// };
/// assert!(!sent);
/// assert_eq!(select! { default => "default" }, "default");
/// # });
/// ```
///
/// `biased;` polls in the order written, and `else` runs once every branch is disabled:
///
/// ```
/// use gort_channel::{chan, select};
/// # futures::executor::block_on(async {
/// let (tx, rx) = chan::bounded::<u32>(4);
/// tx.send(1).await.unwrap();
/// tx.close();
/// let mut seen = Vec::new();
/// loop {
///     select! {
///         biased;
///         Some(n) = rx.recv() => seen.push(n),
///         Some(n) = async { None::<u32> } => seen.push(n),
///         else => break,
///     }
/// }
/// assert_eq!(seen, [1]);
/// # });
/// ```
///
/// Misuse is a compile error naming the mistake:
///
/// ```compile_fail
/// // select! needs at least one branch
/// gort_channel::select! {};
/// ```
///
/// ```compile_fail
/// // a branch needs `<pattern> = <future>` before `=>`
/// # async fn f() {
/// gort_channel::select! { x => 1 };
/// # }
/// ```
///
/// ```compile_fail
/// // only one `default`
/// # async fn f() {
/// gort_channel::select! { _ = async {} => 1, default => 2, default => 3 };
/// # }
/// ```
#[macro_export]
macro_rules! select {
    // ----- parsed: no branch at all -----
    (@parse { $start:tt [] [] } [] ()) => {
        ::core::compile_error!(
            "select! needs at least one branch: `<pattern> = <future> => <handler>`, \
             `else => <handler>` or `default => <handler>`"
        )
    };
    // ----- parsed: emit -----
    (@parse { $start:tt [$($default:tt)*] [$($else:tt)*] }
        [$( ( ($($skip:tt)*) [$p:pat] [$f:expr] [$($c:expr)?] [$($h:tt)*] ) )*]
        ($($count:tt)*)
    ) => {{
        const __BRANCHES: u32 = 0 $(+ $crate::__select_one!($count))*;
        const _: () = ::core::assert!(
            __BRANCHES <= $crate::__private::MAX_BRANCHES,
            "select! takes at most 64 branches"
        );
        const __HAS_DEFAULT: bool = $crate::__select_has!([$($default)*]);
        const __HAS_ELSE: bool = $crate::__select_has!([$($else)*]);
        // Step 1: the conditions, before any future expression is evaluated.
        #[allow(unused_mut)]
        let mut __disabled = $crate::__private::Mask::new();
        $(
            if !$crate::__select_cond!($($c)?) {
                __disabled.set(0 $(+ $crate::__select_one!($skip))*);
            }
        )*
        #[allow(unused_mut)]
        let mut __output = {
            // Step 2: every future, kept as written first so temporaries live long enough.
            #[allow(clippy::let_unit_value)]
            let __init = ( $( $f, )* );
            // The futures, then the scope: a tuple drops its fields in order, so the scope goes
            // after every parked operation that referred to its token, and can keep the token
            // for the thread's next `select!`.
            #[allow(unused_mut, clippy::let_unit_value)]
            let mut __state = (
                ( $(
                    $crate::__private::IntoFuture::into_future({
                        let ( $($skip,)* __fut, .. ) = __init;
                        __fut
                    }),
                )* ),
                $crate::__private::SelectScope::new(__HAS_DEFAULT),
            );
            // Only this reference is used from here on: the futures are never moved again.
            #[allow(unused_variables)]
            let __state = &mut __state;
            $crate::__private::poll_fn(move |__cx| {
                #[allow(unused_variables)]
                let (__futures, __scope) = &mut *__state;
                if !__HAS_DEFAULT {
                    ::core::task::ready!($crate::__private::poll_budget(__cx));
                }
                $crate::__private::maybe_unconstrained(__HAS_DEFAULT, || {
                    // A completed, matching output leaves the poll in its own slot of a tuple of
                    // `Option`s: `__outs` normally, `__preferred` in the second pass below.
                    #[allow(unused_mut, clippy::let_unit_value)]
                    let mut __outs = ( $( $crate::__select_none!($count), )* );
                    #[allow(unused_mut, clippy::let_unit_value)]
                    let mut __preferred = ( $( $crate::__select_none!($count), )* );
                    let mut __pending = false;
                    // Set when a branch completed but another had committed first (a peer
                    // completed one of its parked operations, say took a parked send's value):
                    // a further pass then looks for that branch, which completes at once; the
                    // first output is reported only if it is not found.
                    let mut __superseded = false;
                    // A look is a pass over the branches (plus the second pass above, when
                    // superseded). With `default`, a look that found two or more branches pending
                    // is followed by one more before `default` runs: the branches were seen one
                    // after another, so one may have turned ready after its look while another
                    // turned unready before its own (Go locks every channel and sees one
                    // instant). Without `default` there is one look: the count folds away.
                    let mut __looks_left: u8 = if __HAS_DEFAULT { 2 } else { 1 };
                    // Without `default`, the first look defers the parks of gort channel
                    // operations that found their channels idle; if no branch completes, one
                    // more look polls just those branches, which park (Go's `selectgo` looks at
                    // every case before enqueueing on any). `0`: every branch.
                    let mut __only: u64 = 0;
                    if !__HAS_DEFAULT {
                        __scope.look_first();
                    }
                    // A branch a peer already committed this `select!` to is looked at first.
                    let __lead = __scope.committed();
                    loop {
                        __looks_left -= 1;
                        let mut __waiting = 0u32;
                        #[allow(clippy::reversed_empty_ranges)]
                        for __pass in 0..2u8 {
                            if __pass == 1 && !__superseded {
                                break;
                            }
                            let __searching = __pass == 1;
                            let mut __order =
                                $crate::__private::PollOrder::<{ __BRANCHES as usize }>::only(
                                    // The search for a committed branch looks at them all.
                                    if __searching { 0 } else { __only },
                                    __searching || $crate::__select_biased!($start),
                                )
                                .led_by(if __searching { ::core::option::Option::None } else { __lead });
                            while let ::core::option::Option::Some(__branch) = __order.next() {
                                if __disabled.get(__branch) {
                                    continue;
                                }
                                if !__HAS_DEFAULT && __only == 0 && __order.is_done() {
                                    // The first look's last branch: no branch after it could
                                    // complete, so it parks now rather than in another look.
                                    __scope.stop_deferring();
                                }
                                $(
                                    #[allow(unreachable_code)]
                                    if __branch == 0 $(+ $crate::__select_one!($skip))* {
                                        let ( $($skip,)* __fut, .. ) = &mut *__futures;
                                        // SAFETY: the future lives in `__state`, a local of
                                        // the enclosing (pinned) async frame that is only
                                        // reachable through this reference and is never moved
                                        // (tokio's layout).
                                        let __f = unsafe {
                                            $crate::__private::Pin::new_unchecked(__fut)
                                        };
                                        let __poll = __scope.poll_branch(__branch, || {
                                            $crate::__private::Future::poll(__f, __cx)
                                        });
                                        #[allow(unused_mut)]
                                        let mut __out = match __poll {
                                            $crate::__private::Poll::Ready(__out) => __out,
                                            $crate::__private::Poll::Pending => {
                                                __pending = true;
                                                if __HAS_DEFAULT {
                                                    __waiting += 1;
                                                }
                                                continue;
                                            }
                                        };
                                        __disabled.set(__branch);
                                        // Test the pattern without moving the output: the guard
                                        // runs only when the pattern matches, records it and
                                        // refuses the arm, so no binding is moved out of `__out`.
                                        let mut __matched = false;
                                        #[allow(unused_variables, unused_mut, unreachable_patterns)]
                                        match __out {
                                            $p if {
                                                __matched = true;
                                                false
                                            } => ::core::unreachable!(),
                                            _ => {}
                                        }
                                        if !__matched {
                                            __scope.reopen(__branch);
                                            continue;
                                        }
                                        let __stands = __scope.finish(__branch);
                                        if !__searching {
                                            let ( $($skip,)* __slot, .. ) = &mut __outs;
                                            *__slot = ::core::option::Option::Some(__out);
                                            if !__stands {
                                                __superseded = true;
                                                break;
                                            }
                                            if !__HAS_DEFAULT && __only == 0 {
                                                __scope.completed_in_first_look();
                                            }
                                            return $crate::__private::Poll::Ready(
                                                $crate::__private::SelectOutput::Branch(__outs),
                                            );
                                        }
                                        if __stands {
                                            let ( $($skip,)* __slot, .. ) = &mut __preferred;
                                            *__slot = ::core::option::Option::Some(__out);
                                            return $crate::__private::Poll::Ready(
                                                $crate::__private::SelectOutput::Branch(__preferred),
                                            );
                                        }
                                    }
                                )*
                            }
                        }
                        if !__HAS_DEFAULT && !__superseded && __only == 0 {
                            __only = __scope.park_deferred();
                            if __only != 0 {
                                __looks_left += 1;
                                continue;
                            }
                        }
                        if __superseded || __looks_left == 0 || __waiting < 2 {
                            break;
                        }
                        __pending = false;
                    }
                    if __superseded {
                        return $crate::__private::Poll::Ready(
                            $crate::__private::SelectOutput::Branch(__outs),
                        );
                    }
                    $crate::__private::settle(__pending, __HAS_DEFAULT, __HAS_ELSE, &__outs)
                })
            }).await
        };
        #[allow(unreachable_code)]
        match __output {
            $(
                $crate::__private::SelectOutput::Branch(
                    ( $($skip,)* ::core::option::Option::Some($p), .. )
                ) => { $($h)* }
            )*
            $crate::__private::SelectOutput::Disabled => $crate::__select_else!([$($else)*]),
            $crate::__private::SelectOutput::Default => $crate::__select_default!([$($default)*]),
            #[allow(unreachable_patterns)]
            _ => ::core::unreachable!("select!: the output matched its pattern when polled"),
        }
    }};

    // ----- parse: `else` / `default` (one rule per form, one recursion level each) -----
    (@parse $st:tt $br:tt $s:tt $kw:ident => $h:block, $($rest:tt)*) => {
        $crate::select!(@kw $kw $st [$h] $br $s $($rest)*)
    };
    (@parse $st:tt $br:tt $s:tt $kw:ident => $h:block $($rest:tt)*) => {
        $crate::select!(@kw $kw $st [$h] $br $s $($rest)*)
    };
    (@parse $st:tt $br:tt $s:tt $kw:ident => $h:expr, $($rest:tt)*) => {
        $crate::select!(@kw $kw $st [$h] $br $s $($rest)*)
    };
    (@parse $st:tt $br:tt $s:tt $kw:ident => $h:expr) => {
        $crate::select!(@kw $kw $st [$h] $br $s)
    };
    (@kw else { $start:tt $d:tt [] } $h:tt $br:tt $s:tt $($rest:tt)*) => {
        $crate::select!(@parse { $start $d $h } $br $s $($rest)*)
    };
    (@kw default { $start:tt [] $e:tt } $h:tt $br:tt $s:tt $($rest:tt)*) => {
        $crate::select!(@parse { $start $h $e } $br $s $($rest)*)
    };
    (@kw else $($x:tt)*) => {
        ::core::compile_error!("select! takes at most one `else` branch")
    };
    (@kw default $($x:tt)*) => {
        ::core::compile_error!("select! takes at most one `default` branch")
    };
    (@kw $kw:ident $($x:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "select!: a branch is `<pattern> = <future> => <handler>`, but found `",
            ::core::stringify!($kw),
            " =>` (only `else` and `default` go straight to `=>`)"
        ))
    };
    // ----- parse: a branch, whole (one recursion level per branch) -----
    (@parse $st:tt [$($br:tt)*] ($($s:tt)*)
        $p:pat = $f:expr $(, if $c:expr)? => $h:block, $($rest:tt)*) => {
        $crate::select!(@parse $st [$($br)* ( ($($s)*) [$p] [$f] [$($c)?] [$h] )] ($($s)* _) $($rest)*)
    };
    (@parse $st:tt [$($br:tt)*] ($($s:tt)*)
        $p:pat = $f:expr $(, if $c:expr)? => $h:block $($rest:tt)*) => {
        $crate::select!(@parse $st [$($br)* ( ($($s)*) [$p] [$f] [$($c)?] [$h] )] ($($s)* _) $($rest)*)
    };
    (@parse $st:tt [$($br:tt)*] ($($s:tt)*)
        $p:pat = $f:expr $(, if $c:expr)? => $h:expr, $($rest:tt)*) => {
        $crate::select!(@parse $st [$($br)* ( ($($s)*) [$p] [$f] [$($c)?] [$h] )] ($($s)* _) $($rest)*)
    };
    (@parse $st:tt [$($br:tt)*] ($($s:tt)*)
        $p:pat = $f:expr $(, if $c:expr)? => $h:expr) => {
        $crate::select!(@parse $st [$($br)* ( ($($s)*) [$p] [$f] [$($c)?] [$h] )] ($($s)* _))
    };
    // ----- parse: anything else is a mistake -----
    (@parse $st:tt $br:tt $s:tt $p:pat = $f:expr $(, if $c:expr)? $(,)?) => {
        ::core::compile_error!(::core::concat!(
            "select!: the branch `",
            ::core::stringify!($p = $f $(, if $c)?),
            "` has no `=> <handler>`"
        ))
    };
    (@parse $st:tt $br:tt $s:tt $($rest:tt)+) => {
        ::core::compile_error!(::core::concat!(
            "select!: expected a branch `<pattern> = <future> (, if <condition>)? => <handler>` ",
            "(an expression handler ends with `,` unless it is the last), `else => <handler>` ",
            "or `default => <handler>`; could not read `",
            ::core::stringify!($($rest)+),
            "`"
        ))
    };
    // ----- entry -----
    (biased; $($rest:tt)*) => {
        $crate::select!(@parse { biased [] [] } [] () $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::select!(@parse { random [] [] } [] () $($rest)*)
    };
}

/// `1` per token (counts `select!` branches and positions).
#[doc(hidden)]
#[macro_export]
macro_rules! __select_one {
    ($t:tt) => {
        1u32
    };
}

/// `None` per token (the empty output slot of one `select!` branch).
#[doc(hidden)]
#[macro_export]
macro_rules! __select_none {
    ($t:tt) => {
        ::core::option::Option::None
    };
}

/// Whether an optional `select!` part is present.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_has {
    ([]) => {
        false
    };
    ([$($t:tt)+]) => {
        true
    };
}

/// A branch's `if` condition (`true` without one).
#[doc(hidden)]
#[macro_export]
macro_rules! __select_cond {
    () => {
        true
    };
    ($c:expr) => {
        $c
    };
}

/// Whether `select!` polls in the order written.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_biased {
    (biased) => {
        true
    };
    (random) => {
        false
    };
}

/// The `else` handler, or tokio's panic when there is none.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_else {
    ([]) => {
        ::core::panic!("all branches are disabled and there is no else branch")
    };
    ([$($h:tt)+]) => {
        $($h)+
    };
}

/// The `default` handler (unreachable without one: then the output is never `Default`).
#[doc(hidden)]
#[macro_export]
macro_rules! __select_default {
    ([]) => {
        ::core::unreachable!("select!: no default branch")
    };
    ([$($h:tt)+]) => {
        $($h)+
    };
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::chan;
    use futures::executor::block_on;

    #[test]
    fn default_runs_when_every_branch_is_nil() {
        block_on(async {
            let (tx, rx) = chan::bounded::<u8>(1);
            tx.send(1).await.unwrap();
            let got = crate::select! {
                Some(v) = rx.recv(), if false => v,
                Ok(()) = tx.send(2), if false => 2,
                default => 0,
            };
            assert_eq!(got, 0);
            assert_eq!(rx.try_recv(), Ok(1), "the disabled branches never ran");
            assert_eq!(crate::select! { default => 5 }, 5);
            assert_eq!(crate::select! { biased; default => { 6 } }, 6);
        });
    }

    #[test]
    fn else_keeps_tokios_meaning_next_to_default() {
        block_on(async {
            let got = crate::select! {
                _ = async {}, if false => 1,
                else => 2,
                default => 3,
            };
            assert_eq!(got, 2);
            let got = crate::select! {
                Some(v) = async { None::<u8> } => v,
                default => 3,
            };
            assert_eq!(got, 3, "a branch whose pattern failed is a nil case too");
        });
    }

    #[test]
    fn handlers_act_on_the_callers_code() {
        async fn first_even(rx: &chan::Receiver<u32>) -> Result<u32, &'static str> {
            loop {
                crate::select! {
                    v = rx.recv() => {
                        let v = v.ok_or("closed")?;
                        if v % 2 == 1 {
                            continue;
                        }
                        return Ok(v);
                    }
                }
            }
        }
        block_on(async {
            let (tx, rx) = chan::bounded::<u32>(4);
            for v in [1, 3, 4] {
                tx.send(v).await.unwrap();
            }
            assert_eq!(first_even(&rx).await, Ok(4));
            tx.close();
            assert_eq!(first_even(&rx).await, Err("closed"));
        });
    }

    #[test]
    fn works_in_generic_functions() {
        async fn pick<T: Clone, F: std::future::Future<Output = T>>(fut: F, other: T) -> (T, u8) {
            crate::select! {
                v = fut => (v, 1),
                v = async { other.clone() }, if false => (v, 2),
                default => (other, 3),
            }
        }
        block_on(async {
            assert_eq!(pick(async { 5 }, 6).await, (5, 1));
            assert_eq!(pick(std::future::pending(), 6).await, (6, 3));
        });
    }

    #[test]
    fn a_spent_budget_yields_but_never_hides_a_ready_branch_from_default() {
        use std::future::Future;
        use std::task::{Context, Poll};
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        crate::coop::budget(|| {
            for _ in 0..crate::coop::BUDGET {
                assert!(crate::coop::poll_proceed(&mut cx).is_ready());
            }
            let mut plain = std::pin::pin!(async {
                crate::select! { v = async { 1 } => v }
            });
            assert!(
                plain.as_mut().poll(&mut cx).is_pending(),
                "tokio's rule: yield first"
            );
            let mut with_default = std::pin::pin!(async {
                crate::select! {
                    v = async { 1 } => v,
                    default => 0,
                }
            });
            assert_eq!(with_default.as_mut().poll(&mut cx), Poll::Ready(1));
        });
    }

    /// A parked send whose value a peer took has committed, even when a foreign future of an
    /// earlier (biased) branch completes before the `select!` polls again: the handler must
    /// report the send. (Without Go's hand-off, the peer cannot take the value and the foreign
    /// branch wins with nothing delivered; either way the handler says what happened.)
    #[test]
    fn a_branch_a_peer_committed_wins_over_a_later_foreign_completion() {
        use std::cell::Cell;
        use std::future::Future;
        use std::task::{Context, Poll};
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let (tx, rx) = chan::bounded::<u32>(0);
        let ready = Cell::new(false);
        let foreign = std::future::poll_fn(|_| {
            if ready.get() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        });
        let mut sel = std::pin::pin!(async {
            crate::select! {
                biased;
                () = foreign => "foreign",
                r = tx.send(7) => { r.unwrap(); "send" }
            }
        });
        assert!(sel.as_mut().poll(&mut cx).is_pending(), "the send parks");
        let taken = rx.try_recv().ok();
        ready.set(true);
        let Poll::Ready(which) = sel.as_mut().poll(&mut cx) else {
            panic!("the foreign branch is ready");
        };
        match taken {
            Some(v) => assert_eq!((v, which), (7, "send")),
            None => {
                assert_eq!(which, "foreign");
                assert!(rx.try_recv().is_err(), "the send never delivered");
            }
        }
    }

    #[test]
    fn patterns_with_mut_and_ref_bindings() {
        block_on(async {
            let got = crate::select! {
                (mut a, ref b) = async { (1, String::from("x")) } => {
                    a += 1;
                    format!("{a}{b}")
                }
            };
            assert_eq!(got, "2x");
            let got = crate::select! {
                Some(ref mut s) = async { Some(String::from("y")) } => {
                    s.push('!');
                    s.clone()
                }
            };
            assert_eq!(got, "y!");
        });
    }
}
