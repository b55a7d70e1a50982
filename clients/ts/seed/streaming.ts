// The TypeScript snippet "Streaming Response" of the calling guide (seed 000), as written but for its
// placeholders: the URL's base is $CORDWIRE_BASE_URL, the key $CORDWIRE_API_KEY, the model tiny-lm.
// make clients-check runs it against the demo chute. It does not buffer a line split across two reads
// (that event is dropped as invalid JSON; test/snippets.test.ts shows it), nor decode UTF-8 across
// reads; see examples/fetch-stream.ts for the fixed version clients/ts/README.md shows.
async function streamLLMResponse() {
    const url = `${process.env.CORDWIRE_BASE_URL}/v1/chat/completions`;
    
    const response = await fetch(url, {
        method: "POST",
        headers: {
            "Content-Type": "application/json",
            "X-API-Key": process.env.CORDWIRE_API_KEY ?? ""
        },
        body: JSON.stringify({
            model: "tiny-lm",
            messages: [
                { role: "user", content: "Write a short story about AI" }
            ],
            stream: true,
            max_tokens: 500
        })
    });
    
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    
    while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        
        const chunk = decoder.decode(value);
        const lines = chunk.split('\n');
        
        for (const line of lines) {
            if (line.startsWith('data: ')) {
                const data = line.slice(6);
                if (data !== '[DONE]') {
                    try {
                        const parsed = JSON.parse(data);
                        const content = parsed.choices[0].delta?.content || '';
                        process.stdout.write(content);
                    } catch (e) {
                        // Skip invalid JSON
                    }
                }
            }
        }
    }
}

streamLLMResponse();
