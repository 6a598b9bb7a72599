//! S3 on ruchy-lambda's own blocking AWS client (feature `aws`): no tokio, no SDK.
//!
//! The bucket is `$BUCKET`.
//! - `{"put":{"key":"dir/a b+é.txt","body":"hello"}}` → `{"ok":true}`
//! - `{"get":"dir/a b+é.txt"}` → `{"body":"hello"}` (the object read as it arrives, as UTF-8)
//! - `{"list":"dir/"}` → `{"keys":["dir/a b+é.txt", …]}`, every key with that prefix
//!
//! An AWS error fails the invocation with `errorType` the AWS error code (`NoSuchKey`,
//! `NoSuchBucket`) and `errorMessage` S3's message.

use ruchy_lambda::aws::{Client, Error, S3};
use serde_json::{Value, json};

#[derive(serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Request {
    Put { key: String, body: String },
    Get(String),
    List(String),
}

struct Bucket {
    s3: S3,
    name: String,
}

fn bucket() -> Result<Bucket, String> {
    let name = std::env::var("BUCKET").map_err(|_| "BUCKET is not set".to_owned())?;
    let client = Client::from_env().map_err(|e| e.to_string())?;
    Ok(Bucket {
        s3: client.s3(),
        name,
    })
}

#[ruchy_lambda::handler(init = bucket)]
fn handle(request: Request, bucket: &Bucket) -> Result<Value, Error> {
    let s3 = &bucket.s3;
    Ok(match request {
        Request::Put { key, body } => {
            s3.put_object(
                &bucket.name,
                &key,
                body.as_bytes(),
                Some("text/plain; charset=utf-8"),
            )?;
            json!({"ok": true})
        }
        Request::Get(key) => json!({"body": s3.get_object(&bucket.name, &key)?.text()?}),
        Request::List(prefix) => {
            let keys: Vec<String> = s3
                .list_objects_v2(&bucket.name, &prefix)?
                .into_iter()
                .map(|o| o.key)
                .collect();
            json!({"keys": keys})
        }
    })
}
