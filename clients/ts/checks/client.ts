// The generated client against the demo chute, every route: models (a path parameter), chat and
// completions (whole and streamed), embeddings, images, typed errors, and a live 429 retried after
// Retry-After. One line per check; the first failure exits non-zero.
//
//   node dist/checks/client.js --base-url http://127.0.0.1:8080 --api-key cw_... --limited-key cw_...
import assert from "node:assert/strict";
import { parseArgs } from "node:util";

import {
  AuthenticationError,
  BadRequestError,
  Client,
  type CordwireError,
  NotFoundError,
  RateLimitError,
  type api,
} from "../src/index.js";

const { values } = parseArgs({
  options: {
    "base-url": { type: "string" },
    "api-key": { type: "string" },
    "limited-key": { type: "string" },
  },
});
const baseUrl = values["base-url"];
const client = new Client({ baseUrl, apiKey: values["api-key"] });

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

async function failure(call: () => Promise<unknown>): Promise<CordwireError> {
  try {
    await call();
  } catch (error) {
    return error as CordwireError;
  }
  assert.fail("the call succeeded");
}

await check("GET /v1/models, /v1/models/{model}", async () => {
  const list = await client.get("/v1/models");
  const ids = (list.data ?? []).map((m) => m.id);
  assert.ok(ids.includes("tiny-lm"), ids.join());
  const model: api.CordwireOpenaiV1Model = await client.get("/v1/models/{model}", { path: { model: "tiny-lm" } });
  assert.equal(model.id, "tiny-lm");
  assert.equal(typeof model.created, "number");
  return ids.join(", ");
});

await check("POST /v1/chat/completions, whole and streamed with usage", async () => {
  const request: api.CordwireOpenaiV1CreateChatCompletionRequest = {
    model: "tiny-lm",
    messages: [{ role: "user", content: "Tell me a story about a dog." }],
    max_tokens: 16,
    temperature: 0,
    seed: "42", // int64 travels as a string in proto3 JSON; the type says so
  };
  const reply = await client.post("/v1/chat/completions", request);
  const whole = reply.choices?.[0]?.message?.content ?? "";
  let streamed = "";
  let usage: api.CordwireOpenaiV1CompletionUsage | undefined;
  const streamedRequest = { ...request, stream: true, stream_options: { include_usage: true } };
  const stream = client.stream("/v1/chat/completions", streamedRequest);
  for await (const chunk of stream) {
    streamed += chunk.choices?.[0]?.delta?.content ?? "";
    usage = chunk.usage ?? usage;
  }
  assert.ok(whole.trim() !== "");
  assert.equal(streamed, whole);
  assert.equal(usage?.completion_tokens, 16);
  return JSON.stringify(whole);
});

await check("POST /v1/completions, streamed", async () => {
  let text = "";
  const request = { model: "tiny-lm", prompt: "Once", max_tokens: 8, stream: true };
  for await (const chunk of client.stream("/v1/completions", request)) {
    text += chunk.choices?.[0]?.text ?? "";
  }
  assert.ok(text.trim() !== "");
  return JSON.stringify(text);
});

await check("POST /v1/embeddings", async () => {
  const reply = await client.post("/v1/embeddings", { model: "minilm-embed", input: ["a cat", "a dog"] });
  const vector = reply.data?.[0]?.embedding; // google.protobuf.Value: unknown until checked
  assert.ok(Array.isArray(vector) && vector.length === 384 && vector.every((v) => typeof v === "number"));
  return `${reply.data?.length} x ${vector.length}`;
});

await check("POST /v1/images/generations", async () => {
  const reply = await client.post("/v1/images/generations", { prompt: "a red square", size: "64x64" });
  const png = Buffer.from(reply.data?.[0]?.b64_json ?? "", "base64");
  assert.equal(png.subarray(1, 4).toString(), "PNG");
  return `${png.length} bytes of PNG`;
});

await check("typed errors: 401, 404, 400", async () => {
  const e401 = await failure(() => new Client({ baseUrl, apiKey: "cw_not_a_key" }).get("/v1/models"));
  assert.ok(e401 instanceof AuthenticationError && e401.status === 401, String(e401));
  const e404 = await failure(() => client.get("/v1/models/{model}", { path: { model: "no-such-model" } }));
  assert.ok(e404 instanceof NotFoundError && e404.code === "model_not_found", String(e404));
  const e400 = await failure(() => client.post("/v1/chat/completions", { model: "tiny-lm", messages: [] }));
  assert.ok(e400 instanceof BadRequestError && e400.param === "messages", String(e400));
  return [e401, e404, e400].map((e) => `${e.name} ${e.status} ${e.code}`).join("; ");
});

if (values["limited-key"] !== undefined) {
  const apiKey = values["limited-key"];
  await check("429: RateLimitError without retries, success with them", async () => {
    const noRetries = new Client({ baseUrl, apiKey, retry: { maxRetries: 0 } });
    const burst = () => Promise.allSettled(Array.from({ length: 80 }, () => noRetries.get("/v1/models")));
    const refused = (await burst()).flatMap((r) => (r.status === "rejected" ? [r.reason as CordwireError] : []));
    assert.ok(refused.length > 0 && refused.every((e) => e instanceof RateLimitError), String(refused[0]));
    const retryAfterMs = refused[0]?.headers.get("retry-after-ms");
    let attempts = 0;
    const retrying = new Client({
      baseUrl,
      apiKey,
      fetch: (request) => {
        attempts++;
        return fetch(request);
      },
    });
    await burst();
    await retrying.get("/v1/models");
    return `${refused.length}/80 refused (retry-after-ms ${retryAfterMs}); then 1 call in ${attempts} attempt(s)`;
  });
}
