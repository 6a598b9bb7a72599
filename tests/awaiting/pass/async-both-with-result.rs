// Both async: init returns a `Result`, the handler a typed `Result` with a JSON event.

mod lambda {
    #[derive(serde::Deserialize)]
    struct Get {
        id: String,
    }

    #[derive(serde::Serialize)]
    struct Item {
        id: String,
        found: bool,
    }

    #[derive(Debug)]
    struct DbError;

    impl std::fmt::Display for DbError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("unreachable table")
        }
    }

    impl std::error::Error for DbError {}

    struct Db;

    async fn connect() -> Result<Db, DbError> {
        Ok(Db)
    }

    #[ruchy_lambda::handler(init = connect)]
    async fn get(event: Get, _ctx: &ruchy_lambda::Context, _db: &Db) -> Result<Item, DbError> {
        Ok(Item {
            id: event.id,
            found: false,
        })
    }
}

fn main() {}
