// Async handlers take every event form: here a borrowed JSON event and raw bytes back.

mod lambda {
    #[derive(serde::Deserialize)]
    struct Batch<'a> {
        #[serde(borrow)]
        ids: Vec<&'a str>,
    }

    #[ruchy_lambda::handler]
    async fn handle<'a>(batch: Batch<'a>, ctx: ruchy_lambda::Context) -> Vec<u8> {
        tokio::task::yield_now().await;
        format!("{} {}", ctx.request_id, batch.ids.join(",")).into_bytes()
    }
}

fn main() {}
