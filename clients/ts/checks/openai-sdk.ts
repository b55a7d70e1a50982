// The official `openai` npm package, unchanged (only baseURL and apiKey set), against the demo
// chute: chat (whole, and streamed with usage), completions, embeddings (float and base64),
// images, models, and its typed errors for 401, 404, 400 and 429. One line per check; the first
// failure exits non-zero.
//
//   node dist/checks/openai-sdk.js --base-url http://127.0.0.1:8080 --api-key cw_... --limited-key cw_...
//
// --limited-key is a key of its own for the 429 check (the server runs with --rate-limit): the
// check spends that key's whole bucket.
import assert from "node:assert/strict";
import { parseArgs } from "node:util";

import OpenAI from "openai";

const { values } = parseArgs({
  options: {
    "base-url": { type: "string", default: process.env.CORDWIRE_BASE_URL ?? "http://127.0.0.1:8080" },
    "api-key": { type: "string", default: process.env.CORDWIRE_API_KEY ?? "" },
    "limited-key": { type: "string" },
  },
});
const baseURL = `${values["base-url"].replace(/\/+$/, "")}/v1`;
const client = new OpenAI({ baseURL, apiKey: values["api-key"], timeout: 60_000 });
const user = (content: string) => [{ role: "user" as const, content }];

async function check(name: string, body: () => Promise<string>): Promise<void> {
  const started = Date.now();
  try {
    const detail = await body();
    console.log(`ok   ${name} (${Date.now() - started} ms): ${detail}`);
  } catch (error) {
    console.log(`FAIL ${name}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exit(1);
  }
}

/** The error `call` rejects with; fails when it resolves. */
async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  assert.fail("the call succeeded");
}

await check("models.list", async () => {
  const ids: string[] = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.ok(ids.includes("tiny-lm") && ids.includes("minilm-embed") && ids.includes("tiny-image"), ids.join());
  const model = await client.models.retrieve("tiny-lm");
  assert.equal(model.id, "tiny-lm");
  return ids.join(", ");
});

await check("chat.completions.create", async () => {
  const reply = await client.chat.completions.create({
    model: "tiny-lm",
    messages: user("Tell me a story about a dog."),
    max_tokens: 20,
    temperature: 0,
  });
  const text = reply.choices[0]?.message.content ?? "";
  assert.ok(text.trim() !== "", "no content");
  assert.equal(reply.choices[0]?.finish_reason, "length");
  assert.equal(reply.usage?.completion_tokens, 20);
  return JSON.stringify(text);
});

await check("chat.completions.create stream + include_usage", async () => {
  const stream = await client.chat.completions.create({
    model: "tiny-lm",
    messages: user("Tell me a story about a cat."),
    max_tokens: 20,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let chunks = 0;
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.choices.length > 0) text += chunk.choices[0]?.delta.content ?? "";
    else usage = chunk.usage;
  }
  assert.ok(text.trim() !== "", "no streamed content");
  assert.equal(usage?.completion_tokens, 20, "no usage chunk at the end");
  return `${chunks} chunks, ${usage.total_tokens} tokens: ${JSON.stringify(text)}`;
});

await check("completions.create (and streamed)", async () => {
  const request = { model: "tiny-lm", prompt: "Once upon a time", max_tokens: 12, temperature: 0 };
  const reply = await client.completions.create(request);
  const text = reply.choices[0]?.text ?? "";
  assert.ok(text.trim() !== "", "no text");
  const stream = await client.completions.create({ ...request, stream: true });
  let streamed = "";
  for await (const chunk of stream) streamed += chunk.choices[0]?.text ?? "";
  assert.equal(streamed, text, "the stream differs from the whole completion (temperature 0)");
  return JSON.stringify(text);
});

await check("embeddings.create float and base64", async () => {
  const input = ["a cat", "a dog"];
  const floats = await client.embeddings.create({ model: "minilm-embed", input, encoding_format: "float" });
  assert.equal(floats.data.length, 2);
  const first = floats.data[0]?.embedding ?? [];
  assert.equal(first.length, 384);
  // Asked explicitly for base64, the SDK hands the string back as it came.
  const b64 = await client.embeddings.create({ model: "minilm-embed", input, encoding_format: "base64" });
  const raw = b64.data[0]?.embedding as unknown;
  assert.equal(typeof raw, "string");
  const bytes = Buffer.from(raw as string, "base64");
  const decoded = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  assert.equal(decoded.length, 384);
  decoded.forEach((v, i) => assert.ok(Math.abs(v - (first[i] ?? NaN)) < 1e-6, `dimension ${i}: ${v} vs ${first[i]}`));
  // Without encoding_format the SDK asks for base64 itself and decodes it into numbers.
  const auto = await client.embeddings.create({ model: "minilm-embed", input });
  assert.ok(auto.data[1]?.embedding.every((v, i) => Math.abs(v - (floats.data[1]?.embedding[i] ?? NaN)) < 1e-6));
  return `2 x ${first.length}, base64 = float`;
});

await check("images.generate b64_json", async () => {
  const reply = await client.images.generate({
    model: "tiny-image",
    prompt: "A beautiful sunset over mountains",
    n: 1,
    size: "256x256",
    response_format: "b64_json",
  });
  const png = Buffer.from(reply.data?.[0]?.b64_json ?? "", "base64");
  assert.equal(png.subarray(1, 4).toString(), "PNG");
  return `${png.length} bytes of PNG`;
});

await check("401 AuthenticationError", async () => {
  const bad = new OpenAI({ baseURL, apiKey: "cw_not_a_key", maxRetries: 0 });
  const error = await failure(() => bad.models.list());
  assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
  assert.equal(error.status, 401);
  return `${error.code}: ${error.message}`;
});

await check("404 NotFoundError", async () => {
  const error = await failure(() => client.models.retrieve("no-such-model"));
  assert.ok(error instanceof OpenAI.NotFoundError, String(error));
  assert.equal(error.code, "model_not_found");
  return `${error.code} (param ${error.param}): ${error.message}`;
});

await check("400 BadRequestError", async () => {
  const error = await failure(() => client.chat.completions.create({ model: "tiny-lm", messages: [] }));
  assert.ok(error instanceof OpenAI.BadRequestError, String(error));
  assert.equal(error.param, "messages");
  return `${error.code} (param ${error.param}): ${error.message}`;
});

if (values["limited-key"] !== undefined) {
  const limitedKey = values["limited-key"];
  await check("429 RateLimitError, then retried after retry-after", async () => {
    const noRetries = new OpenAI({ baseURL, apiKey: limitedKey, maxRetries: 0 });
    // More concurrent calls than the key's bucket holds: some must be refused.
    const results = await Promise.allSettled(Array.from({ length: 80 }, () => noRetries.models.retrieve("tiny-lm")));
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    const error = refused[0];
    assert.ok(error instanceof OpenAI.RateLimitError, `80 calls, no 429: ${String(error)}`);
    const other = refused.find((e) => !(e instanceof OpenAI.RateLimitError));
    assert.equal(other, undefined, String(other));
    const retryAfter = error.headers.get("retry-after");
    assert.ok(retryAfter !== null, "no Retry-After");
    // The SDK's own retries (default 2) honour retry-after-ms: the bucket refills within them.
    let attempts = 0;
    const retrying = new OpenAI({
      baseURL,
      apiKey: limitedKey,
      fetch: (url, init) => {
        attempts++;
        return fetch(url, init);
      },
    });
    await Promise.allSettled(Array.from({ length: 60 }, () => noRetries.models.retrieve("tiny-lm")));
    await retrying.models.retrieve("tiny-lm");
    const refusals = `${refused.length}/80 refused (${error.code}, Retry-After ${retryAfter})`;
    return `${refusals}; then 1 call in ${attempts} attempt(s)`;
  });
}
