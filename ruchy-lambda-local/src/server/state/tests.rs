use std::time::Instant;

use super::*;
use crate::http::Body;
use crate::ids;
use crate::invocation::{Event, Outcome};

fn state(max_concurrency: usize) -> State {
    State::new(max_concurrency, true)
}

fn queue(st: &mut State, body: &str) -> String {
    let id = ids::request_id();
    st.enqueue(id.clone(), Event::new(body), Instant::now());
    id
}

fn body(bytes: &[u8]) -> Body {
    Body::Complete(bytes.to_vec())
}

#[test]
fn hands_out_in_order_and_records_the_answer() {
    let mut st = state(1);
    let a = queue(&mut st, "a");
    let b = queue(&mut st, "b");
    assert!(st.next_arrived(0, Instant::now()));
    let out = st.hand_out(7, 3000).unwrap();
    assert_eq!(
        (out.request_id.as_str(), out.event.body.as_slice()),
        (a.as_str(), &b"a"[..])
    );
    assert!(out.invocation_id.is_some());
    assert_eq!(st.record(&a).unwrap().connection, Some(7));
    assert_eq!((st.in_flight(), st.queued()), (1, 1));
    // One at a time.
    assert!(!st.can_hand_out());
    assert_eq!(st.hand_out(7, 3000), None);
    st.answer(0, &a, None, body(b"ok"), Answer::Response)
        .unwrap();
    assert_eq!(
        st.record(&a).unwrap().outcome,
        Outcome::Response(b"ok".to_vec())
    );
    assert_eq!(st.in_flight(), 0);
    assert_eq!(st.hand_out(7, 3000).unwrap().request_id, b);
    assert_eq!(st.max_in_flight(), 1);
}

#[test]
fn with_concurrency_one_asking_again_abandons() {
    let mut st = state(1);
    let a = queue(&mut st, "a");
    st.next_arrived(0, Instant::now());
    st.hand_out(1, 1000).unwrap();
    st.next_arrived(0, Instant::now());
    assert_eq!(st.record(&a).unwrap().outcome, Outcome::Abandoned);
    assert_eq!(st.in_flight(), 0);
}

#[test]
fn with_concurrency_n_up_to_n_are_in_flight_and_nothing_is_abandoned() {
    let mut st = state(3);
    let ids: Vec<String> = (0..5).map(|i| queue(&mut st, &i.to_string())).collect();
    let mut handed = Vec::new();
    while st.can_hand_out() {
        assert!(st.next_arrived(0, Instant::now()));
        handed.push(st.hand_out(handed.len() as u64, 1000).unwrap());
    }
    assert_eq!(handed.len(), 3);
    assert_eq!((st.in_flight(), st.max_in_flight(), st.queued()), (3, 3, 2));
    assert!(
        ids[..3]
            .iter()
            .all(|id| st.record(id).unwrap().outcome == Outcome::Pending)
    );
    let mut unique: Vec<_> = handed.iter().map(|h| h.invocation_id.clone()).collect();
    unique.dedup();
    assert_eq!(unique.len(), 3);
    // An answer frees a slot; the peak stays.
    st.answer(0, &ids[1], None, body(b"1"), Answer::Response)
        .unwrap();
    assert!(st.can_hand_out());
    assert_eq!(st.hand_out(9, 1000).unwrap().request_id, ids[3]);
    assert_eq!((st.in_flight(), st.max_in_flight()), (3, 3));
    // Settling (a timeout) frees a slot too.
    assert!(st.finish(&ids[0], Outcome::TimedOut));
    assert_eq!(st.in_flight(), 2);
    st.clear_history();
    assert_eq!(st.max_in_flight(), 2);
}

#[test]
fn invocation_ids_must_match_when_sent() {
    let mut st = state(1);
    let a = queue(&mut st, "a");
    st.next_arrived(0, Instant::now());
    let sent = st.hand_out(1, 1000).unwrap().invocation_id.unwrap();
    assert_eq!(
        st.record(&a).unwrap().invocation_id.as_deref(),
        Some(sent.as_str())
    );
    let wrong = st.answer(0, &a, Some("other"), body(b"x"), Answer::Response);
    assert!(matches!(wrong, Err(Rejection::Gone(_))), "{wrong:?}");
    let record = st.record(&a).unwrap();
    assert_eq!(
        (record.outcome.clone(), record.rejected),
        (Outcome::Pending, 1)
    );
    st.answer(
        0,
        &a,
        Some(&sent),
        body(b"x"),
        Answer::Error {
            error_type: Some("E".into()),
        },
    )
    .unwrap();
    assert!(matches!(st.record(&a).unwrap().outcome, Outcome::Error(_)));

    // No header: accepted.
    let b = queue(&mut st, "b");
    st.next_arrived(0, Instant::now());
    st.hand_out(1, 1000).unwrap();
    st.answer(0, &b, None, body(b"y"), Answer::Response)
        .unwrap();

    // None sent: a header that was never issued does not match.
    let mut st = State::new(1, false);
    let c = queue(&mut st, "c");
    st.next_arrived(0, Instant::now());
    assert_eq!(st.hand_out(1, 1000).unwrap().invocation_id, None);
    assert!(matches!(
        st.answer(0, &c, Some("made-up"), body(b"z"), Answer::Response),
        Err(Rejection::Gone(_))
    ));
    st.answer(0, &c, None, body(b"z"), Answer::Response)
        .unwrap();
}

#[test]
fn late_repeated_and_early_answers_are_refused() {
    let mut st = state(2);
    let a = queue(&mut st, "a");
    assert!(matches!(
        st.answer(0, &a, None, body(b"x"), Answer::Response),
        Err(Rejection::InvalidRequestId(_))
    ));
    st.next_arrived(0, Instant::now());
    st.hand_out(1, 1000).unwrap();
    assert!(st.finish(&a, Outcome::TimedOut));
    assert!(!st.finish(&a, Outcome::Abandoned));
    assert!(matches!(
        st.answer(0, &a, None, body(b"x"), Answer::Response),
        Err(Rejection::Gone(_))
    ));
    let b = queue(&mut st, "b");
    st.hand_out(1, 1000).unwrap();
    assert_eq!(
        st.answer(0, &b, None, Body::Oversize { len: 9 }, Answer::Response),
        Err(Rejection::TooLarge(9))
    );
    st.answer(0, &b, None, body(b"x"), Answer::Response)
        .unwrap();
    assert!(matches!(
        st.answer(0, &b, None, body(b"x"), Answer::Response),
        Err(Rejection::InvalidRequestId(_))
    ));
    assert_eq!(st.record(&b).unwrap().rejected, 2);
    assert_eq!(
        st.answer(1, &b, None, body(b"x"), Answer::Response),
        Err(Rejection::StaleSandbox)
    );
}

#[test]
fn a_reset_abandons_what_is_in_flight_and_keeps_the_queue() {
    let mut st = state(2);
    let a = queue(&mut st, "a");
    let b = queue(&mut st, "b");
    let c = queue(&mut st, "c");
    st.next_arrived(0, Instant::now());
    st.hand_out(1, 1000).unwrap();
    st.hand_out(2, 1000).unwrap();
    st.requeue(&b);
    assert_eq!(st.record(&b).unwrap().outcome, Outcome::Queued);
    st.reset_sandbox();
    assert_eq!(st.record(&a).unwrap().outcome, Outcome::Abandoned);
    assert_eq!((st.queued(), st.in_flight(), st.first_next), (2, 0, None));
    assert!(!st.next_arrived(0, Instant::now()));
    assert!(st.next_arrived(1, Instant::now()));
    assert_eq!(st.hand_out(1, 1000).unwrap().request_id, b);
    assert_eq!(st.hand_out(1, 1000).unwrap().request_id, c);
}

#[test]
fn restore_next_ends_init_once_and_restore_error_needs_a_restore() {
    let mut st = state(1);
    assert_eq!(
        st.restore_error(0, body(b"{}"), None),
        Err(Rejection::InvalidState(
            "State transition to RestoreError failed for runtime. Error: not restoring"
        ))
    );
    st.restore_next_arrived(0, Instant::now()).unwrap();
    assert!(st.extensions.closed);
    assert!(matches!(
        st.restore_next_arrived(0, Instant::now()),
        Err(Rejection::InvalidState(_))
    ));
    assert!(matches!(
        st.init_error(0, body(b"{}"), None),
        Err(Rejection::InvalidState(_))
    ));
    // Not released yet: no restore error.
    assert!(st.restore_error(0, body(b"{}"), None).is_err());
    st.restore.released_at = Some(Instant::now());
    assert_eq!(
        st.restore_error(1, body(b"{}"), None),
        Err(Rejection::StaleSandbox)
    );
    st.restore_error(0, body(br#"{"errorType":"E"}"#), Some("H".into()))
        .unwrap();
    assert_eq!(st.restore.error.as_ref().unwrap().kind(), "E");
    assert!(st.restore_error(0, body(b"{}"), None).is_err());
    st.reset_sandbox();
    assert!(st.restore.next_at.is_none() && st.restore.error.is_none());
    assert!(!st.extensions.closed);
}

#[test]
fn init_errors_only_before_the_first_next() {
    let mut st = state(1);
    st.init_error(0, body(b"{}"), Some("E".into())).unwrap();
    assert_eq!(
        st.init_error(0, body(b"{}"), None),
        Err(Rejection::InvalidState("Init error already reported"))
    );
    st.reset_sandbox();
    st.next_arrived(1, Instant::now());
    assert!(matches!(
        st.init_error(1, body(b"{}"), None),
        Err(Rejection::InvalidState(_))
    ));
}
