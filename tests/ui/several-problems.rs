// Reports every problem of a handler in one compile, each on its own token.
struct State;

#[ruchy_lambda::handler(timeout = 3)]
unsafe fn handle<T>((a, b): (u8, u8), _state: &State) -> impl std::fmt::Display {
    a + b
}
