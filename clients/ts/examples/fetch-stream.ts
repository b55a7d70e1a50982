// The calling guide's streaming snippet (seed/streaming.ts), fixed; clients/ts/README.md shows the
// function below, and make clients-check runs it. The fixes: a line split across two reads is kept
// until its end arrives (the seed parses each half and drops the event), UTF-8 is decoded across
// reads (TextDecoderStream), an error status or error event fails loudly, [DONE] ends the loop.
async function streamLLMResponse() {
    const response = await fetch(`${process.env.CORDWIRE_BASE_URL}/v1/chat/completions`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-API-Key": process.env.CORDWIRE_API_KEY ?? "" },
        body: JSON.stringify({
            model: "tiny-lm",
            messages: [{ role: "user", content: "Write a short story about AI" }],
            stream: true,
            max_tokens: 500,
        }),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);

    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    while (true) {
        const { done, value } = await reader.read();
        if (done) throw new Error("the stream ended before [DONE]");
        buffer += value;
        const lines = buffer.split(/\r?\n/);
        buffer = lines.pop()!; // an unfinished line waits for the next read
        for (const line of lines) {
            if (!line.startsWith("data: ")) continue;
            const data = line.slice(6);
            if (data === "[DONE]") return;
            const event = JSON.parse(data);
            if (event.error) throw new Error(`${event.error.code}: ${event.error.message}`);
            process.stdout.write(event.choices[0]?.delta?.content ?? "");
        }
    }
}

await streamLLMResponse();
console.log();
