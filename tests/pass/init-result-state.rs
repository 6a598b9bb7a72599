// Accepts `init = path` whose function returns `Result<S, E>` with `E: Display`.

mod lambda {
    use ruchy_lambda::Context;

    pub struct Config {
        greeting: String,
    }

    fn load() -> Result<Config, std::env::VarError> {
        Ok(Config {
            greeting: std::env::var("GREETING")?,
        })
    }

    #[ruchy_lambda::handler(init = load)]
    fn handle(name: String, _: &Context, config: &Config) -> String {
        format!("{}, {name}", config.greeting)
    }
}

fn main() {}
