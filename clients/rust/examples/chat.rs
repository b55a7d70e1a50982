//! Chat with cordwire's demo chute over gRPC: one whole completion, then the same prompt streamed.
//!
//!     cargo run --example chat -- --target http://127.0.0.1:50051 --api-key cw_... "Hello"
//!
//! `--target` and `--api-key` fall back to CORDWIRE_TARGET and CORDWIRE_API_KEY. Exits non-zero
//! on any error, printing the gRPC status (and the `cordwire-error-*` details the server sent).

use std::process::ExitCode;

use cordwire_client::openai::open_ai_service_client::OpenAiServiceClient;
use cordwire_client::openai::{ChatCompletionRequestMessage, CreateChatCompletionRequest};
use prost_types::{Value, value::Kind};
use tonic::metadata::AsciiMetadataValue;
use tonic::transport::Endpoint;
use tonic::{Request, Status};

struct Args {
    target: String,
    api_key: String,
    model: String,
    prompt: String,
}

fn parse_args() -> Result<Args, String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut args = Args {
        target: env("CORDWIRE_TARGET").unwrap_or_else(|| "http://127.0.0.1:50051".into()),
        api_key: env("CORDWIRE_API_KEY").unwrap_or_default(),
        model: "tiny-lm".into(),
        prompt: "Once upon a time".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| it.next().ok_or(format!("{flag} needs a value"));
        match arg.as_str() {
            "--target" => args.target = value("--target")?,
            "--api-key" => args.api_key = value("--api-key")?,
            "--model" => args.model = value("--model")?,
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}")),
            _ => args.prompt = arg,
        }
    }
    // tonic wants a URI; accept the host:port form that Go and Python take too.
    if !args.target.contains("://") {
        args.target = format!("http://{}", args.target);
    }
    Ok(args)
}

fn describe(status: &Status) -> String {
    let details: Vec<String> = status
        .metadata()
        .iter()
        .filter_map(|entry| match entry {
            tonic::metadata::KeyAndValueRef::Ascii(key, value) => Some((key, value)),
            tonic::metadata::KeyAndValueRef::Binary(..) => None,
        })
        .filter(|(key, _)| key.as_str().starts_with("cordwire-error-"))
        .map(|(key, value)| format!("{}={}", key.as_str(), value.to_str().unwrap_or("?")))
        .collect();
    format!(
        "{:?}: {} {}",
        status.code(),
        status.message(),
        details.join(" ")
    )
}

async fn run(args: Args) -> Result<(), String> {
    let channel = Endpoint::from_shared(args.target.clone())
        .map_err(|e| format!("bad target {}: {e}", args.target))?
        .connect()
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", args.target))?;
    let key: AsciiMetadataValue = args
        .api_key
        .parse()
        .map_err(|_| "the API key is not ASCII")?;
    // The interceptor puts the key on every call made through this client.
    let mut client =
        OpenAiServiceClient::with_interceptor(channel, move |mut request: Request<()>| {
            request.metadata_mut().insert("x-api-key", key.clone());
            Ok(request)
        });
    let request = CreateChatCompletionRequest {
        model: args.model,
        messages: vec![ChatCompletionRequestMessage {
            role: "user".into(),
            content: Some(Value {
                kind: Some(Kind::StringValue(args.prompt)),
            }),
            ..Default::default()
        }],
        max_tokens: Some(24),
        seed: Some(7),
        ..Default::default()
    };

    let reply = client
        .create_chat_completion(request.clone())
        .await
        .map_err(|s| describe(&s))?
        .into_inner();
    let choice = reply
        .choices
        .first()
        .ok_or("the completion has no choices")?;
    let text = choice
        .message
        .as_ref()
        .map(|m| m.content.as_str())
        .unwrap_or_default();
    println!("completion: {text}");

    let mut stream = client
        .stream_chat_completion(request)
        .await
        .map_err(|s| describe(&s))?
        .into_inner();
    let mut streamed = String::new();
    while let Some(chunk) = stream.message().await.map_err(|s| describe(&s))? {
        for choice in chunk.choices {
            if let Some(content) = choice.delta.and_then(|d| d.content) {
                streamed.push_str(&content);
            }
        }
    }
    println!("streamed: {streamed}");
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let outcome = match parse_args() {
        Ok(args) => run(args).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chat: error: {e}");
            ExitCode::FAILURE
        }
    }
}
