use super::*;

fn page(body: &str) -> ListPage {
    parse_list_objects_v2(body.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{body}"))
}

fn keys(page: &ListPage) -> Vec<&str> {
    page.keys.iter().map(|o| o.key.as_str()).collect()
}

fn summary(key: &str, size: u64, etag: &str, last_modified: &str) -> ObjectSummary {
    ObjectSummary {
        key: key.to_owned(),
        size,
        etag: Some(etag.to_owned()),
        last_modified: Some(last_modified.to_owned()),
    }
}

/// The form of the first example of S3's `ListObjectsV2` API reference.
const AWS_LISTING_KEYS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
    <Name>bucket</Name>
    <Prefix/>
    <KeyCount>205</KeyCount>
    <MaxKeys>1000</MaxKeys>
    <IsTruncated>false</IsTruncated>
    <Contents>
        <Key>my-image.jpg</Key>
        <LastModified>2009-10-12T17:50:30.000Z</LastModified>
        <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>
        <Size>434234</Size>
        <StorageClass>STANDARD</StorageClass>
    </Contents>
</ListBucketResult>
"#;

#[test]
fn the_aws_reference_example() {
    assert_eq!(
        page(AWS_LISTING_KEYS),
        ListPage {
            keys: vec![summary(
                "my-image.jpg",
                434234,
                "\"fba9dede5f27731c9771645a39863328\"",
                "2009-10-12T17:50:30.000Z"
            )],
            common_prefixes: vec![],
            is_truncated: false,
            next_continuation_token: None,
            key_count: Some(205),
        }
    );
}

#[test]
fn a_truncated_page_with_common_prefixes_as_s3_writes_it() {
    let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>example-bucket</Name>
  <Prefix>photos/</Prefix>
  <ContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</ContinuationToken>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwN=</NextContinuationToken>
  <KeyCount>3</KeyCount>
  <MaxKeys>3</MaxKeys>
  <Delimiter>/</Delimiter>
  <IsTruncated>true</IsTruncated>
  <Contents>
    <Key>photos/a.jpg</Key>
    <LastModified>2013-09-17T18:07:53.000Z</LastModified>
    <ETag>"599bab3ed2c697f1d26842727561fd94"</ETag>
    <ChecksumAlgorithm>CRC32</ChecksumAlgorithm>
    <Size>857</Size>
    <Owner><ID>8a6925ce4a7f21c32aa379004fef</ID></Owner>
    <StorageClass>REDUCED_REDUNDANCY</StorageClass>
  </Contents>
  <CommonPrefixes>
    <Prefix>photos/2006/</Prefix>
  </CommonPrefixes>
  <CommonPrefixes>
    <Prefix>photos/2007/</Prefix>
  </CommonPrefixes>
</ListBucketResult>"#;
    let page = page(body);
    assert_eq!(keys(&page), ["photos/a.jpg"]);
    assert_eq!(page.keys[0].size, 857);
    assert_eq!(page.common_prefixes, ["photos/2006/", "photos/2007/"]);
    assert!(page.is_truncated);
    assert_eq!(
        page.next_continuation_token.as_deref(),
        Some("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwN=")
    );
    assert_eq!(page.key_count, Some(3));
}

const MOTO_KEYS: [&str; 9] = [
    "100%.txt",
    "a b.txt",
    "a+b.txt",
    "café.txt",
    "dir 2/three",
    "dir/one.txt",
    "dir/two.txt",
    "q\"uote'.txt",
    "x&y<z>.txt",
];

// The bodies moto 5.2.6 answered for these keys, put with botocore.

#[test]
fn moto_plain_keys_with_entities() {
    let page = page(include_str!("../testdata/moto-plain.xml"));
    assert_eq!(keys(&page), MOTO_KEYS);
    assert_eq!(
        page.keys[0],
        summary(
            "100%.txt",
            5,
            "\"5d41402abc4b2a76b9719d911017c592\"",
            "2026-12-06T21:13:40.000Z"
        )
    );
    assert_eq!(page.key_count, Some(9));
    assert!(!page.is_truncated);
    assert_eq!(page.next_continuation_token, None);
}

#[test]
fn moto_url_encoded_keys() {
    let body = include_str!("../testdata/moto-url.xml");
    assert!(body.contains("<Key>a%20b.txt</Key>") && body.contains("<Key>a%2Bb.txt</Key>"));
    assert_eq!(keys(&page(body)), MOTO_KEYS);
}

#[test]
fn moto_url_encoded_common_prefixes() {
    let page = page(include_str!("../testdata/moto-url-delim.xml"));
    assert_eq!(
        keys(&page),
        [
            "100%.txt",
            "a b.txt",
            "a+b.txt",
            "café.txt",
            "q\"uote'.txt",
            "x&y<z>.txt"
        ]
    );
    assert_eq!(page.common_prefixes, ["dir 2/", "dir/"]);
    assert_eq!(page.key_count, Some(8));
}

#[test]
fn moto_truncated_page() {
    let page = page(include_str!("../testdata/moto-trunc.xml"));
    assert_eq!(keys(&page), ["100%.txt", "a b.txt"]);
    assert!(page.is_truncated);
    assert_eq!(
        page.next_continuation_token.as_deref(),
        Some("9ef97c1d91fbc026bd3435b8914357bd")
    );
}

#[test]
fn s3_url_encoding_with_plus_for_space_and_newlines() {
    let body = "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
        <EncodingType>url</EncodingType>\
        <Contents><Key>a+b.txt</Key><Size>1</Size></Contents>\
        <Contents><Key>a%2Bb.txt</Key><Size>2</Size></Contents>\
        <Contents><Key>line1%0Aline2</Key><Size>3</Size></Contents>\
        <Contents><Key>caf%C3%A9+%26+co</Key><Size>4</Size></Contents>\
        <CommonPrefixes><Prefix>my+dir/</Prefix></CommonPrefixes>\
        </ListBucketResult>";
    let page = page(body);
    assert_eq!(
        keys(&page),
        ["a b.txt", "a+b.txt", "line1\nline2", "café & co"]
    );
    assert_eq!(page.common_prefixes, ["my dir/"]);
    assert_eq!(page.keys[3].etag, None);
    assert_eq!(page.keys[3].last_modified, None);
    assert_eq!(page.key_count, None);
}

#[test]
fn without_encoding_type_keys_are_taken_as_written() {
    let body = "<ListBucketResult>\
        <Contents><Key>a+b%20c</Key><Size>1</Size></Contents>\
        <Contents><Key>line1&#10;line2&#xA;&#x1F600;</Key><Size>1</Size></Contents>\
        <Contents><Key>crlf\r\nlone\rend</Key><Size>1</Size></Contents>\
        <Contents><Key>  spaced  </Key><Size> 7 </Size></Contents>\
        <Contents><Key/><Size>0</Size></Contents>\
        <Contents><Key><![CDATA[<raw> & ]]>ok</Key><Size>0</Size></Contents>\
        </ListBucketResult>";
    let page = page(body);
    assert_eq!(
        keys(&page),
        [
            "a+b%20c",
            "line1\nline2\n😀",
            "crlf\nlone\nend",
            "  spaced  ",
            "",
            "<raw> & ok"
        ]
    );
    assert_eq!(page.keys[3].size, 7);
}

#[test]
fn namespace_prefixes_comments_and_declarations_are_read_past() {
    let body = "\u{feff}<?xml version='1.0' encoding='UTF-8' standalone=\"yes\"?>\n\
        <!-- a listing -->\n\
        <s3:ListBucketResult xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\" \
           xmlns:xsi = 'http://www.w3.org/2001/XMLSchema-instance' >\n\
          <s3:Contents><s3:Key>k</s3:Key><!-- x --><?pi data?><s3:Size>1</s3:Size></s3:Contents>\n\
          <s3:IsTruncated> true </s3:IsTruncated>\n\
        </s3:ListBucketResult>\n<!-- after -->\n";
    let page = page(body);
    assert_eq!(keys(&page), ["k"]);
    assert!(page.is_truncated);
}

#[test]
fn responses_that_are_not_a_listing_are_errors() {
    let cases = [
        (
            include_str!("../testdata/moto-nosuchkey.xml"),
            "unexpected XML: expected <ListBucketResult>, found <Error>",
        ),
        (
            "<ListBucketResult><EncodingType>base64</EncodingType></ListBucketResult>",
            "unexpected XML: unknown <EncodingType> \"base64\": only \"url\" is known",
        ),
        (
            "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
            "unexpected XML: a <Contents> has no <Key>",
        ),
        (
            "<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>",
            "unexpected XML: <Contents> of \"k\" has no <Size>",
        ),
        (
            "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>",
            "unexpected XML: <Size> of \"k\" is \"-1\", not a byte count",
        ),
        (
            "<ListBucketResult><IsTruncated>yes</IsTruncated></ListBucketResult>",
            "unexpected XML: <IsTruncated> is \"yes\", not true or false",
        ),
        (
            "<ListBucketResult><KeyCount>many</KeyCount></ListBucketResult>",
            "unexpected XML: <KeyCount> is \"many\", not a count",
        ),
        (
            "<ListBucketResult><EncodingType>url</EncodingType>\
             <Contents><Key>100%.txt</Key><Size>1</Size></Contents></ListBucketResult>",
            "unexpected XML: <Key> \"100%.txt\" is not URL-encoded text: \
             `%` is not followed by two hex digits at byte 3",
        ),
        (
            "<ListBucketResult><EncodingType>url</EncodingType>\
             <CommonPrefixes><Prefix>%FF/</Prefix></CommonPrefixes></ListBucketResult>",
            "unexpected XML: <Prefix> \"%FF/\" is not URL-encoded text: \
             the decoded bytes are not UTF-8 at byte 0",
        ),
    ];
    for (body, message) in cases {
        let e = parse_list_objects_v2(body.as_bytes()).unwrap_err();
        assert_eq!(e.to_string(), message, "{body}");
    }
}

#[test]
fn malformed_xml_is_an_error_with_its_offset() {
    let cases: [(&[u8], &str); 22] = [
        (b"", "malformed XML at byte 0: no root element"),
        (b"  \n ", "malformed XML at byte 4: no root element"),
        (
            b"hello",
            "malformed XML at byte 0: text before the root element",
        ),
        (
            b"<a>",
            "malformed XML at byte 3: the document ends inside <a>",
        ),
        (b"<a><b></a>", "malformed XML at byte 6: </a> closes <b>"),
        (
            b"<a></a></a>",
            "malformed XML at byte 7: content after the root element",
        ),
        (
            b"<a></a><b/>",
            "malformed XML at byte 7: content after the root element",
        ),
        (
            b"<a/>text",
            "malformed XML at byte 4: content after the root element",
        ),
        (
            b"<a>x &bogus; y</a>",
            "malformed XML at byte 5: unknown entity `&bogus;`",
        ),
        (
            b"<a>AT&T</a>",
            "malformed XML at byte 5: `&` does not start an entity such as `&amp;`",
        ),
        (
            b"<a>&#0;</a>",
            "malformed XML at byte 3: `&#0;` is not a character",
        ),
        (
            b"<a>&#xD800;</a>",
            "malformed XML at byte 3: `&#xD800;` is not a character",
        ),
        (
            b"<a>&#x110000;</a>",
            "malformed XML at byte 3: `&#x110000;` is not a character",
        ),
        (
            b"<a>&#x;</a>",
            "malformed XML at byte 3: `&#x;` is not a character",
        ),
        (
            b"<a>&#-5;</a>",
            "malformed XML at byte 3: `&#-5;` is not a character",
        ),
        (
            b"<a b=c></a>",
            "malformed XML at byte 5: an attribute value is not quoted",
        ),
        (
            b"<a b=\"c></a>",
            "malformed XML at byte 5: an attribute value is not closed",
        ),
        (b"<a b></a>", "malformed XML at byte 4: expected `=`"),
        (b"<a\"b\"></a>", "malformed XML at byte 1: expected a name"),
        (
            b"<!DOCTYPE a [<!ENTITY x \"y\">]><a/>",
            "malformed XML at byte 0: document type declarations are not supported",
        ),
        (
            b"<a><!-- open</a>",
            "malformed XML at byte 3: a comment is not closed",
        ),
        (b"<a>caf\xc3</a>", "malformed XML at byte 6: not UTF-8"),
    ];
    for (body, message) in cases {
        let e = parse(body).unwrap_err();
        assert_eq!(e.to_string(), message, "{}", String::from_utf8_lossy(body));
    }
}

#[test]
fn every_cut_short_body_is_an_error_never_a_panic() {
    for body in [
        AWS_LISTING_KEYS,
        include_str!("../testdata/moto-url-delim.xml"),
        "<a x='1'><b>caf\u{e9} &amp; &#x1F600;</b><![CDATA[<c>]]><!-- d --><?e?></a>",
    ] {
        let body = body.trim_end().as_bytes();
        assert!(parse(body).is_ok());
        for len in 0..body.len() {
            assert!(
                parse(&body[..len]).is_err(),
                "{len}: {}",
                String::from_utf8_lossy(&body[..len])
            );
            let _ = parse_list_objects_v2(&body[..len]);
            let _ = parse_error(&body[..len]);
        }
    }
}

#[test]
fn error_bodies() {
    assert_eq!(
        parse_error(include_str!("../testdata/moto-nosuchkey.xml").as_bytes()),
        Some(S3ErrorBody {
            code: "NoSuchKey".to_owned(),
            message: Some("The specified key does not exist.".to_owned()),
            request_id: Some("JLxifnaF6PGxdq6c4zxAPatEQOVbQzJgcxOzijskXlCqjMhX1WHM".to_owned()),
        })
    );
    let bucket = parse_error(include_str!("../testdata/moto-nosuchbucket.xml").as_bytes()).unwrap();
    assert_eq!(bucket.code, "NoSuchBucket");
    assert_eq!(
        bucket.message.as_deref(),
        Some("The specified bucket does not exist")
    );
    // The form of the example in S3's error responses reference.
    let aws = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>NoSuchKey</Code>\n  \
        <Message>The resource you requested does not exist</Message>\n  \
        <Resource>/mybucket/myfoto.jpg</Resource>\n  <RequestId>4442587FB7D0A2F9</RequestId>\n</Error>";
    assert_eq!(
        parse_error(aws.as_bytes()),
        Some(S3ErrorBody {
            code: "NoSuchKey".to_owned(),
            message: Some("The resource you requested does not exist".to_owned()),
            request_id: Some("4442587FB7D0A2F9".to_owned()),
        })
    );
    let escaped = "<Error><Code>InvalidArgument</Code><Message>a &lt; b &amp; &quot;c&quot;</Message></Error>";
    let e = parse_error(escaped.as_bytes()).unwrap();
    assert_eq!(e.message.as_deref(), Some("a < b & \"c\""));
    assert_eq!(e.request_id, None);

    for not_an_error in [
        &b""[..],
        b"<html><body>502 Bad Gateway</body></html>",
        b"<Error><Message>no code</Message></Error>",
        b"<Error><Code> </Code></Error>",
        b"<Error><Code>NoSuchKey</Code>",
        b"{\"message\": \"json\"}",
        AWS_LISTING_KEYS.as_bytes(),
    ] {
        assert_eq!(
            parse_error(not_an_error),
            None,
            "{}",
            String::from_utf8_lossy(not_an_error)
        );
    }
}
