// A blocking handler with an async init that returns the state.

mod lambda {
    async fn client() -> Vec<String> {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        vec!["a".to_owned()]
    }

    #[ruchy_lambda::handler(init = client)]
    fn handle(event: &str, names: &Vec<String>) -> usize {
        names.len() + event.len()
    }
}

fn main() {}
