use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::*;

fn n(text: &str) -> Value {
    from_attribute_value(&json!({ "N": text })).unwrap()
}

fn err(av: Value) -> ItemError {
    from_attribute_value(&av).unwrap_err()
}

#[test]
fn every_type_to_plain_json() {
    let cases = [
        (json!({"S": "text"}), json!("text")),
        (json!({"S": ""}), json!("")),
        (json!({"N": "3"}), json!(3)),
        (json!({"N": "-2.5"}), json!(-2.5)),
        (json!({"B": "AAEC/w=="}), json!("AAEC/w==")),
        (json!({"BOOL": true}), json!(true)),
        (json!({"BOOL": false}), json!(false)),
        (json!({"NULL": true}), json!(null)),
        (json!({"L": []}), json!([])),
        (json!({"L": [{"S": "a"}, {"N": "1"}]}), json!(["a", 1])),
        (json!({"M": {}}), json!({})),
        (json!({"M": {"k": {"BOOL": true}}}), json!({"k": true})),
        (json!({"SS": ["a", "b"]}), json!(["a", "b"])),
        (
            json!({"NS": ["1", "2.25", "12345678901234567890123"]}),
            json!([1, 2.25, "12345678901234567890123"]),
        ),
        (json!({"BS": ["AA==", "AQ=="]}), json!(["AA==", "AQ=="])),
    ];
    for (av, plain) in cases {
        assert_eq!(from_attribute_value(&av).unwrap(), plain, "{av}");
    }
}

#[test]
fn every_type_to_attribute_value() {
    let cases = [
        (json!("text"), json!({"S": "text"})),
        (json!(3), json!({"N": "3"})),
        (json!(-7), json!({"N": "-7"})),
        (json!(u64::MAX), json!({"N": "18446744073709551615"})),
        (json!(0.1), json!({"N": "0.1"})),
        (json!(1.0), json!({"N": "1.0"})),
        (json!(1e20), json!({"N": "1e+20"})),
        (json!(true), json!({"BOOL": true})),
        (json!(null), json!({"NULL": true})),
        (json!([]), json!({"L": []})),
        (
            json!(["a", ["b"]]),
            json!({"L": [{"S": "a"}, {"L": [{"S": "b"}]}]}),
        ),
        (
            json!({"k": {"n": 1}}),
            json!({"M": {"k": {"M": {"n": {"N": "1"}}}}}),
        ),
    ];
    for (plain, av) in cases {
        assert_eq!(to_attribute_value(&plain), av, "{plain}");
    }
}

#[test]
fn nested_values_both_ways() {
    let av = json!({"M": {
        "name": {"S": "order"},
        "items": {"L": [
            {"M": {"sku": {"S": "a-1"}, "price": {"N": "9.99"}, "tags": {"SS": ["x"]}}},
            {"M": {"sku": {"S": "b-2"}, "price": {"N": "100"}, "gift": {"NULL": true}}}
        ]},
        "meta": {"M": {"deep": {"L": [{"L": [{"BOOL": false}]}]}}}
    }});
    let plain = json!({
        "name": "order",
        "items": [
            {"sku": "a-1", "price": 9.99, "tags": ["x"]},
            {"sku": "b-2", "price": 100, "gift": null}
        ],
        "meta": {"deep": [[false]]}
    });
    assert_eq!(from_attribute_value(&av).unwrap(), plain);
    // Sets come back as lists: plain JSON has no sets.
    let written = to_attribute_value(&plain);
    assert_eq!(
        written["M"]["items"]["L"][0]["M"]["tags"],
        json!({"L": [{"S": "x"}]})
    );
    assert_eq!(from_attribute_value(&written).unwrap(), plain);
}

#[test]
fn integers_at_the_edges_are_numbers() {
    assert_eq!(n(&i64::MIN.to_string()), json!(i64::MIN));
    assert_eq!(n(&i64::MAX.to_string()), json!(i64::MAX));
    assert_eq!(n(&u64::MAX.to_string()), json!(u64::MAX));
    assert_eq!(n("9007199254740993"), json!(9_007_199_254_740_993_i64)); // 2^53 + 1
    assert_eq!(n("-9007199254740993"), json!(-9_007_199_254_740_993_i64));
    assert_eq!(n("0"), json!(0));
    // One past the ends: not integers, and not exact in f64.
    // 2^64 is an f64, but one written `1.8446744073709552e+19`: not the same decimal number.
    assert_eq!(n("18446744073709551616"), json!("18446744073709551616"));
    assert_eq!(n("1.8446744073709552e+19"), json!(1.8446744073709552e19));
    assert_eq!(n("18446744073709551617"), json!("18446744073709551617"));
    assert_eq!(n("-9223372036854775809"), json!("-9223372036854775809"));
    assert_eq!(
        n("12345678901234567890123"),
        json!("12345678901234567890123")
    );
    assert_eq!(
        n("99999999999999999999999999999999999999"),
        json!("99999999999999999999999999999999999999")
    );
}

#[test]
fn integers_however_spelt_are_integers() {
    for (text, expected) in [
        ("-0", 0),
        ("+5", 5),
        ("3.0", 3),
        ("1e3", 1000),
        ("1E+3", 1000),
        ("1000e-3", 1),
        ("00042", 42),
        ("0.0e10", 0),
    ] {
        let got = n(text);
        assert_eq!(got, json!(expected), "{text}");
        assert!(got.is_i64() || got.is_u64(), "{text} gave {got}");
    }
}

#[test]
fn fractions_are_numbers_only_when_written_back_the_same() {
    assert_eq!(n("1.5"), json!(1.5));
    assert_eq!(n("0.1"), json!(0.1));
    assert_eq!(n("-0.1"), json!(-0.1));
    assert_eq!(n(".5"), json!(0.5));
    assert_eq!(n("2.5E-3"), json!(0.0025));
    assert_eq!(n("1e20"), json!(1e20));
    assert_eq!(n("1.7976931348623157e308"), json!(f64::MAX));
    assert_eq!(n("5e-324"), json!(5e-324));
    // The nearest f64 is written otherwise.
    assert_eq!(
        n("0.1000000000000000000001"),
        json!("0.1000000000000000000001")
    );
    assert_eq!(n("0.30000000000000001"), json!("0.30000000000000001"));
    assert_eq!(n("3.14159265358979323846"), json!("3.14159265358979323846"));
    // Out of range both ways.
    assert_eq!(n("1e400"), json!("1e400"));
    assert_eq!(n("-1e400"), json!("-1e400"));
    assert_eq!(n("1e-400"), json!("1e-400"));
    assert_eq!(
        n("1e999999999999999999999"),
        json!("1e999999999999999999999")
    );
    // DynamoDB's smallest and largest magnitudes.
    assert_eq!(n("1E-130"), json!(1e-130));
    assert_eq!(
        n("9.9999999999999999999999999999999999999E+125"),
        json!("9.9999999999999999999999999999999999999E+125")
    );
}

#[test]
fn every_json_number_read_back_from_its_text_is_itself() {
    for plain in [
        json!(0.1),
        json!(1e-7),
        json!(123.456),
        json!(-1e300),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(2.0),
    ] {
        let av = to_attribute_value(&plain);
        let back = from_attribute_value(&av).unwrap();
        assert_eq!(back.as_f64(), plain.as_f64(), "{plain} -> {av} -> {back}");
        assert!(back.is_number(), "{plain} -> {back}");
    }
}

#[test]
fn decimals_compare_by_value() {
    assert_eq!(Decimal::parse("1.50"), Decimal::parse("15e-1"));
    assert_eq!(Decimal::parse("-0.0"), Decimal::parse("0"));
    assert_eq!(Decimal::parse("100"), Decimal::parse("1e2"));
    assert_ne!(
        Decimal::parse("0.1"),
        Decimal::parse("0.1000000000000000000001")
    );
    assert_ne!(Decimal::parse("1"), Decimal::parse("-1"));
    for bad in [
        "", "-", "+", ".", "e3", "1e", "1e+", "1.2.3", "1e3.5", "0x10", " 1", "1 ", "inf", "NaN",
        "1_000",
    ] {
        assert_eq!(Decimal::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn malformed_attribute_values_name_their_path() {
    let cases = [
        (
            json!("bare"),
            "",
            "expected an AttributeValue such as {\"S\": \"text\"}, found a string",
        ),
        (
            json!({}),
            "",
            "an AttributeValue has exactly one key, its type, found 0 keys []",
        ),
        (
            json!({"S": "a", "N": "1"}),
            "",
            "an AttributeValue has exactly one key, its type, found 2 keys",
        ),
        (
            json!({"X": "a"}),
            "",
            "unknown AttributeValue type `X`: expected one of S, N, B, BOOL, NULL, L, M, SS, NS, BS",
        ),
        (json!({"S": 1}), "", "`S` holds a string, found a number"),
        (json!({"N": 1}), "", "`N` holds a string, found a number"),
        (json!({"N": "abc"}), "", "`N` value \"abc\" is not a number"),
        (
            json!({"BOOL": "true"}),
            "",
            "`BOOL` holds a boolean, found a string",
        ),
        (
            json!({"NULL": false}),
            "",
            "`NULL` holds `true`, found a boolean",
        ),
        (json!({"L": {}}), "", "`L` holds an array, found an object"),
        (json!({"M": []}), "", "`M` holds an object, found an array"),
        (
            json!({"SS": ["a", 2]}),
            "1",
            "`SS` holds a string, found a number",
        ),
        (
            json!({"NS": ["1", "x"]}),
            "1",
            "`N` value \"x\" is not a number",
        ),
        (
            json!({"M": {"items": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}, {"M": {"price": {"N": "1,5"}}}]}}}),
            "items.3.price",
            "`N` value \"1,5\" is not a number",
        ),
        (
            json!({"L": [{"M": {"a": {"L": [{"Q": 1}]}}}]}),
            "0.a.0",
            "unknown AttributeValue type `Q`",
        ),
    ];
    for (av, path, message) in cases {
        let e = err(av.clone());
        assert_eq!(e.path(), path, "{av}");
        assert!(e.message().starts_with(message), "{av}: {}", e.message());
    }
    let e = err(json!({"M": {"items": {"L": [{"S": "a"}, {"S": 7}]}}}));
    assert_eq!(
        e.to_string(),
        "at `items.1`: `S` holds a string, found a number"
    );
    assert_eq!(
        err(json!(null)).to_string(),
        "expected an AttributeValue such as {\"S\": \"text\"}, found null"
    );
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Address {
    street: String,
    zip: Option<String>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Status {
    Open,
    Closed { reason: String },
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u32,
    customer: String,
    note: Option<String>,
    discount: Option<f64>,
    lines: Vec<Line>,
    address: Address,
    counts: HashMap<String, u64>,
    by_number: BTreeMap<u16, String>,
    status: Status,
    history: Vec<Status>,
    pair: (i8, bool),
    total: f64,
    big: u64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Line {
    sku: String,
    quantity: u32,
    price: f64,
}

fn order() -> Order {
    Order {
        id: 42,
        customer: "Zoë & co <\"quoted\">".to_owned(),
        note: None,
        discount: Some(0.1),
        lines: vec![
            Line {
                sku: "a".to_owned(),
                quantity: 2,
                price: 9.99,
            },
            Line {
                sku: "b".to_owned(),
                quantity: 1,
                price: 100.0,
            },
        ],
        address: Address {
            street: "1 Main St".to_owned(),
            zip: Some("01234".to_owned()),
        },
        counts: HashMap::from([("x".to_owned(), 1), ("y".to_owned(), u64::MAX)]),
        by_number: BTreeMap::from([(1, "one".to_owned()), (65535, "max".to_owned())]),
        status: Status::Open,
        history: vec![Status::Closed {
            reason: "late".to_owned(),
        }],
        pair: (-128, true),
        total: 119.98,
        big: u64::MAX,
    }
}

#[test]
fn a_typed_struct_round_trips() {
    let item = to_item(&order()).unwrap();
    assert_eq!(item["id"], json!({"N": "42"}));
    assert_eq!(item["note"], json!({"NULL": true}));
    assert_eq!(item["address"]["M"]["zip"], json!({"S": "01234"}));
    assert_eq!(item["lines"]["L"][1]["M"]["price"], json!({"N": "100.0"}));
    assert_eq!(item["by_number"]["M"]["65535"], json!({"S": "max"}));
    assert_eq!(item["status"], json!({"S": "Open"}));
    assert_eq!(
        item["history"]["L"][0]["M"]["Closed"]["M"]["reason"],
        json!({"S": "late"})
    );
    assert_eq!(from_item::<Order>(&item).unwrap(), order());
    assert_eq!(
        from_item_value::<Order>(Value::Object(item)).unwrap(),
        order()
    );
}

#[test]
fn a_typed_struct_reads_what_dynamodb_sends() {
    // As DynamoDB normalises numbers: `100.0` comes back `100`, `1.0e0` as `1`.
    let item = json!({
        "id": {"N": "7"}, "customer": {"S": "c"}, "discount": {"NULL": true},
        "lines": {"L": [{"M": {"sku": {"S": "a"}, "quantity": {"N": "3"}, "price": {"N": "100"}}}]},
        "address": {"M": {"street": {"S": "s"}}},
        "counts": {"M": {"x": {"N": "1E+1"}}},
        "by_number": {"M": {"8": {"S": "eight"}}},
        "status": {"M": {"Closed": {"M": {"reason": {"S": "r"}}}}},
        "history": {"L": []},
        "pair": {"L": [{"N": "-1"}, {"BOOL": false}]},
        "total": {"N": "1"},
        "big": {"N": "18446744073709551615"}
    });
    let order: Order = from_item_value(item).unwrap();
    assert_eq!(order.id, 7);
    assert_eq!(order.note, None);
    assert_eq!(order.discount, None);
    assert_eq!(order.lines[0].price, 100.0);
    assert_eq!(order.address.zip, None);
    assert_eq!(order.counts["x"], 10);
    assert_eq!(order.by_number[&8], "eight");
    assert_eq!(
        order.status,
        Status::Closed {
            reason: "r".to_owned()
        }
    );
    assert_eq!(order.pair, (-1, false));
    assert_eq!(order.total, 1.0);
    assert_eq!(order.big, u64::MAX);
}

fn typed_error(item: Value) -> ItemError {
    let mut full = to_item(&order()).unwrap();
    full.extend(item.as_object().unwrap().clone());
    from_item::<Order>(&full).unwrap_err()
}

#[test]
fn typed_errors_name_the_attribute_path() {
    let e = typed_error(json!({"lines": {"L": [
        {"M": {"sku": {"S": "a"}, "quantity": {"N": "1"}, "price": {"N": "1"}}},
        {"M": {"sku": {"S": "b"}, "quantity": {"N": "1"}, "price": {"S": "cheap"}}}
    ]}}));
    assert_eq!(e.path(), "lines.1.price");
    assert_eq!(
        e.to_string(),
        "at `lines.1.price`: invalid type: string \"cheap\", expected f64"
    );

    let e = typed_error(json!({"id": {"N": "5000000000"}}));
    assert_eq!(
        e.to_string(),
        "at `id`: invalid value: integer `5000000000`, expected u32"
    );

    let e = typed_error(json!({"id": {"N": "1.5"}}));
    assert_eq!(
        e.to_string(),
        "at `id`: invalid type: floating point `1.5`, expected u32"
    );

    // A number too big for any JSON number stays a string, and a u64 says so.
    let e = typed_error(json!({"big": {"N": "18446744073709551616"}}));
    assert_eq!(e.path(), "big");
    assert!(e.message().contains("expected u64"), "{e}");

    let e = typed_error(json!({"address": {"M": {"zip": {"S": "z"}}}}));
    assert_eq!(e.to_string(), "at `address`: missing field `street`");

    let e = typed_error(json!({"by_number": {"M": {"x": {"S": "?"}}}}));
    assert_eq!(e.path(), "by_number.x");
    assert!(e.message().contains("expected u16"), "{e}");

    let e = typed_error(json!({"status": {"S": "Lost"}}));
    assert_eq!(e.path(), "status");
    assert!(e.message().contains("unknown variant `Lost`"), "{e}");

    let e = typed_error(json!({"pair": {"L": [{"N": "1"}, {"BOOL": true}, {"N": "3"}]}}));
    assert_eq!(e.path(), "pair");
    assert!(e.message().contains("fewer elements in array"), "{e}");

    let e = typed_error(json!({"history": {"L": [{"S": "Open"}, {"M": {"Closed": {"M": {}}}}]}}));
    assert_eq!(e.path(), "history.1");
    assert!(e.message().contains("missing field `reason`"), "{e}");

    // An error in the DynamoDB form comes first, with its path.
    let e = typed_error(json!({"counts": {"M": {"x": {"N": "one"}}}}));
    assert_eq!(
        e.to_string(),
        "at `counts.x`: `N` value \"one\" is not a number"
    );

    let mut missing = to_item(&order()).unwrap();
    missing.remove("customer");
    let e = from_item::<Order>(&missing).unwrap_err();
    assert_eq!(e.path(), "");
    assert_eq!(e.to_string(), "missing field `customer`");
}

#[test]
fn items_must_be_objects() {
    let e = to_item(&[1, 2]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "an item must serialize to a JSON object, found an array"
    );
    let e = to_item("text").unwrap_err();
    assert_eq!(e.path(), "");
    assert!(e.message().ends_with("found a string"), "{e}");
    let e = from_item_value::<Order>(json!([1])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "an item is a JSON object of attributes, found an array"
    );
    let e = to_item(&HashMap::from([(vec![1u8], 1)])).unwrap_err();
    assert!(
        e.message().starts_with("the item cannot be serialized: "),
        "{e}"
    );
}

#[test]
fn plain_values_and_maps_read_into_any_serde_type() {
    let item = to_item(&json!({"a": [1, "x", null], "b": {"c": 1.5}})).unwrap();
    let back: Value = from_item(&item).unwrap();
    assert_eq!(back, json!({"a": [1, "x", null], "b": {"c": 1.5}}));
    let map: HashMap<String, Value> = from_item(&item).unwrap();
    assert_eq!(map["b"], json!({"c": 1.5}));
    #[derive(Deserialize)]
    struct Borrowing {
        a: Vec<Option<serde_json::Value>>,
        #[serde(flatten)]
        rest: HashMap<String, Value>,
    }
    let borrowing: Borrowing = from_item(&item).unwrap();
    assert_eq!(borrowing.a.len(), 3);
    assert_eq!(borrowing.rest["b"], json!({"c": 1.5}));
}
