// Accepts every lifecycle hook: taking the state, returning `()` or `Result<(), E: Display>`,
// by paths with modules, beside a streaming handler; the state is shared with the shutdown hook.

mod lambda {
    pub mod db {
        use std::sync::Mutex;

        pub struct Pool(pub Mutex<Vec<String>>);

        #[derive(Debug)]
        pub struct Closed;

        impl std::fmt::Display for Closed {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the pool is closed")
            }
        }

        pub fn open() -> Result<Pool, Closed> {
            Ok(Pool(Mutex::new(Vec::new())))
        }

        pub fn drain(pool: &Pool) {
            pool.0.lock().unwrap().clear();
        }

        pub fn reconnect(pool: &Pool) -> Result<(), Closed> {
            pool.0.lock().map(drop).map_err(|_| Closed)
        }

        pub fn close(pool: &Pool) -> Result<(), String> {
            pool.0.lock().map(drop).map_err(|e| e.to_string())
        }
    }

    #[ruchy_lambda::handler(
        init = db::open,
        before_snapshot = db::drain,
        after_restore = db::reconnect,
        shutdown = db::close,
    )]
    fn handle(event: &str, pool: &db::Pool) -> usize {
        let mut seen = pool.0.lock().unwrap();
        seen.push(event.to_owned());
        seen.len()
    }

    mod streams {
        use ruchy_lambda::{Context, ResponseStream};
        use std::io::Write;

        fn flush() {}

        #[ruchy_lambda::handler(shutdown = flush)]
        fn handle(event: &[u8], _ctx: &Context, stream: &mut ResponseStream) -> std::io::Result<()> {
            stream.write_all(event)
        }
    }
}

fn main() {}
