// An async handler with a blocking init that returns a `Result`.

mod lambda {
    struct Config {
        table: String,
    }

    fn config() -> Result<Config, std::env::VarError> {
        Ok(Config {
            table: std::env::var("TABLE")?,
        })
    }

    #[ruchy_lambda::handler(init = config)]
    async fn handle(key: String, ctx: &ruchy_lambda::Context, config: &Config) -> String {
        tokio::task::yield_now().await;
        format!("{} {} {key}", ctx.request_id, config.table)
    }
}

fn main() {}
