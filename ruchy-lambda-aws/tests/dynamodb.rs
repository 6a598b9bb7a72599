//! DynamoDB and a JSON-protocol service (SQS) against moto, through the signing proxy over
//! plain HTTP: every request's signature checked by botocore.

mod support;

mod scenarios;

use support::{Moto, SigningProxy};

fn moto_and_proxy() -> (Moto, SigningProxy) {
    let moto = Moto::start();
    let proxy = SigningProxy::start(
        &moto.endpoint,
        scenarios::ACCESS_KEY,
        scenarios::SECRET_KEY,
        None,
    );
    (moto, proxy)
}

#[test]
fn items_typed_and_plain_a_missing_item_a_missing_table_and_a_query() {
    let (_moto, proxy) = moto_and_proxy();
    let client = scenarios::client(&proxy.endpoint);
    let sent = scenarios::dynamodb_items(&client, "orders");
    scenarios::assert_all_verified(&proxy, sent);
}

#[test]
fn sqs_through_the_generic_json_client() {
    let (_moto, proxy) = moto_and_proxy();
    let client = scenarios::client(&proxy.endpoint);
    let sent = scenarios::sqs_queue(&client);
    scenarios::assert_all_verified(&proxy, sent);
}
