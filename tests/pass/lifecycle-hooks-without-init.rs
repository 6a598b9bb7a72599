// Accepts hooks that take nothing when there is no `init`, on a handler with no state, and a
// not-`Sync` state with SnapStart hooks only (they run on the main thread, before any worker).

mod lambda {
    fn refresh_credentials() -> Result<(), std::io::Error> {
        Ok(())
    }

    fn reseed() {}

    #[ruchy_lambda::handler(after_restore = refresh_credentials, before_snapshot = reseed)]
    fn handle(event: String) -> String {
        event
    }

    mod not_sync {
        use std::cell::Cell;

        pub struct Seen(Cell<u64>);

        fn build() -> Seen {
            Seen(Cell::new(0))
        }

        fn forget(seen: &Seen) {
            seen.0.set(0);
        }

        #[ruchy_lambda::handler(init = build, after_restore = forget)]
        fn handle(_event: &[u8], seen: &Seen) -> u64 {
            seen.0.set(seen.0.get() + 1);
            seen.0.get()
        }
    }
}

fn main() {}
