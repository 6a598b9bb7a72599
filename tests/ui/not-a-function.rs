// Rejects the attribute on something other than a `fn`.
#[ruchy_lambda::handler]
struct Handler;
