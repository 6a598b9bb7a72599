// A handler that streams stays a blocking `fn`: the stream is a blocking writer.
use ruchy_lambda::ResponseStream;

#[ruchy_lambda::handler]
async fn handle(event: &str, stream: &mut ResponseStream<'_>) -> std::io::Result<()> {
    std::io::Write::write_all(stream, event.as_bytes())
}
