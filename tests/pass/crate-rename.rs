// Accepts `crate = "..."` when the `ruchy-lambda` dependency is known by another name.

extern crate ruchy_lambda as lambda_rt;

mod lambda {
    #[lambda_rt::handler(crate = "lambda_rt")]
    fn handle(event: &str, ctx: &lambda_rt::Context) -> String {
        format!("{} {event}", ctx.request_id)
    }

    mod deeper {
        #[lambda_rt::handler(crate = "::lambda_rt")]
        fn handle(event: Vec<u8>) -> Vec<u8> {
            event
        }
    }
}

fn main() {}
