// Accepts `Context` by value, by any path, and parameters named `mut x` or `_`.

mod lambda {
    #[ruchy_lambda::handler]
    fn handle(mut event: String, _: ruchy_lambda::Context) -> String {
        event.push('!');
        event
    }
}

fn main() {}
