// A handler's future need not be `Send`: each worker polls its own invocation's future.

mod lambda {
    use std::rc::Rc;

    #[ruchy_lambda::handler]
    async fn handle(event: String) -> String {
        let shared = Rc::new(event);
        tokio::task::yield_now().await;
        (*shared).clone()
    }
}

fn main() {}
