// Accepts `init = path` whose function returns the state `S` itself, by a path with modules.

mod lambda {
    pub mod state {
        pub struct Counter(pub std::sync::atomic::AtomicU64);

        pub fn build() -> Counter {
            Counter(std::sync::atomic::AtomicU64::new(0))
        }
    }

    #[ruchy_lambda::handler(init = state::build)]
    fn handle(_event: &[u8], counter: &state::Counter) -> String {
        counter
            .0
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .to_string()
    }
}

fn main() {}
