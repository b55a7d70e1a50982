// The TypeScript snippet "Basic LLM Invocation" of the calling guide (seed 000), as written but for its
// placeholders: the URL's base is $CORDWIRE_BASE_URL, the key $CORDWIRE_API_KEY, the model tiny-lm.
// make clients-check runs it against the demo chute. It reads the body as a completion without checking
// response.ok: an error answer surfaces as a TypeError on `result.choices`.
async function callLLMChute() {
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
                { role: "system", content: "You are a helpful assistant." },
                { role: "user", content: "Hello! How are you?" }
            ],
            max_tokens: 100,
            temperature: 0.7
        })
    });
    
    const result = await response.json();
    console.log(result.choices[0].message.content);
}

callLLMChute();
