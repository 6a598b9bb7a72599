use super::*;

#[test]
fn parse_head_separates_partial_from_invalid() {
    let limits = Limits::default();
    assert_eq!(
        parse_head(b"HTTP/1.1 200 OK\r\nA: b\r\n", &limits).unwrap(),
        None
    );
    assert_eq!(parse_head(b"HTT", &limits).unwrap(), None);
    assert!(parse_head(b"XTTP", &limits).is_err());
    let head = parse_head(b"HTTP/1.1 404 Not Found\r\nA: b\r\n\r\nrest", &limits)
        .unwrap()
        .unwrap();
    assert_eq!((head.status, head.headers.len(), head.len), (404, 1, 32));
}

#[test]
fn chunk_sizes() {
    assert_eq!(parse_chunk_size(b"0").unwrap(), 0);
    assert_eq!(parse_chunk_size(b"fF").unwrap(), 255);
    assert_eq!(parse_chunk_size(b"10 ; name=value").unwrap(), 16);
    for bad in [
        &b""[..],
        b"g",
        b" 1",
        b"1x",
        b"-1",
        b"1 2",
        b"10000000000000000",
    ] {
        assert!(
            parse_chunk_size(bad).is_err(),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn a_head_trickled_byte_by_byte_is_scanned_once() {
    // Every call resumes where the last one stopped; the result is the same as one call on the
    // whole buffer.
    let raw = b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\nbody";
    let limits = Limits::default();
    let mut scanned = 0;
    for end in 0..raw.len() {
        let mut head = Head::default();
        let got = parse_head_from(&raw[..end], &limits, &mut scanned, &mut head)
            .unwrap()
            .then_some(head);
        if end < raw.len() - 4 {
            assert_eq!(got, None, "at {end}");
            assert!(scanned <= end);
        } else {
            assert_eq!(got, parse_head(raw, &limits).unwrap(), "at {end}");
        }
    }
}
