// The client against a scripted local HTTP server: the API key from the environment, retries that
// honour Retry-After, typed errors, and a stream.
import assert from "node:assert/strict";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";

import {
  APIConnectionError,
  APITimeoutError,
  AuthenticationError,
  Client,
  RateLimitError,
  ServiceUnavailableError,
  serverDelayMs,
} from "../src/index.js";

interface Seen {
  method: string;
  url: string;
  key: string | undefined;
  body: string;
  at: number;
}

type Reply = (res: ServerResponse) => void;
let replies: Reply[] = [];
let seen: Seen[] = [];
let baseUrl = "";
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = "";
  req.on("data", (chunk: Buffer) => (body += chunk.toString()));
  req.on("end", () => {
    const key = req.headers["x-api-key"] as string | undefined;
    seen.push({ method: req.method ?? "", url: req.url ?? "", key, body, at: Date.now() });
    const reply = replies.shift();
    if (reply) reply(res);
    else json(200, { ok: true })(res);
  });
});

function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return (res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(value));
  };
}

function error(status: number, code: string, headers: Record<string, string> = {}): Reply {
  return json(status, { error: { message: `failed: ${code}`, type: "rate_limit_error", param: null, code } }, headers);
}

function script(...steps: Reply[]): void {
  replies = steps;
  seen = [];
}

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test("the API key comes from CORDWIRE_API_KEY", async () => {
  process.env.CORDWIRE_API_KEY = "cw_from_env";
  try {
    script(json(200, { object: "list", data: [] }));
    const reply = await new Client({ baseUrl }).get("/v1/models");
    assert.deepEqual(reply, { object: "list", data: [] });
    assert.equal(seen[0]?.key, "cw_from_env");
  } finally {
    delete process.env.CORDWIRE_API_KEY;
  }
});

test("a 429 is retried after retry-after-ms, with the same body", async () => {
  script(error(429, "rate_limit_exceeded", { "retry-after": "1", "retry-after-ms": "300" }), json(200, { id: "x" }));
  const client = new Client({ baseUrl, apiKey: "k" });
  const reply = await client.post("/v1/embeddings", { model: "m", input: "a cat" });
  assert.deepEqual(reply, { id: "x" });
  assert.equal(seen.length, 2);
  assert.equal(seen[1]?.body, seen[0]?.body);
  assert.deepEqual(JSON.parse(seen[1]?.body ?? ""), { model: "m", input: "a cat" });
  const waited = (seen[1]?.at ?? 0) - (seen[0]?.at ?? 0);
  assert.ok(waited >= 290 && waited < 990, `waited ${waited} ms`);
});

test("Retry-After in seconds is honoured", async () => {
  script(error(503, "unavailable", { "retry-after": "1" }), json(200, {}));
  await new Client({ baseUrl }).get("/v1/models");
  const waited = (seen[1]?.at ?? 0) - (seen[0]?.at ?? 0);
  assert.ok(waited >= 990, `waited ${waited} ms`);
});

test("after the last retry the typed error is thrown, with its headers", async () => {
  const limited = error(429, "rate_limit_exceeded", { "retry-after-ms": "10" });
  script(limited, limited, limited);
  await assert.rejects(
    new Client({ baseUrl, retry: { maxRetries: 2 } }).get("/v1/models"),
    (e: unknown) => e instanceof RateLimitError && e.status === 429 && e.headers.get("retry-after-ms") === "10",
  );
  assert.equal(seen.length, 3);
});

test("a wait longer than maxRetryAfterMs fails at once", async () => {
  script(error(503, "unavailable", { "retry-after": "3600" }));
  await assert.rejects(new Client({ baseUrl }).get("/v1/models"), ServiceUnavailableError);
  assert.equal(seen.length, 1);
});

test("a 401 is not retried", async () => {
  const unknownKey = { message: "no key", type: "authentication_error", param: null, code: "invalid_api_key" };
  script(json(401, { error: unknownKey }));
  await assert.rejects(
    new Client({ baseUrl }).get("/v1/models/{model}", { path: { model: "tiny-lm" } }),
    (e: unknown) => e instanceof AuthenticationError && e.code === "invalid_api_key",
  );
  assert.deepEqual(
    seen.map((s) => `${s.method} ${s.url}`),
    ["GET /v1/models/tiny-lm"],
  );
});

test("stream() yields each event's message", async () => {
  script((res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write('data: {"choices":[{"index":0,"delta":{"content":"Once"}}]}\n\ndata: {"choices":[{"ind');
    setTimeout(() => res.end('ex":0,"delta":{"content":" upon"}}]}\n\ndata: [DONE]\n\n'), 20);
  });
  let text = "";
  for await (const chunk of new Client({ baseUrl }).stream("/v1/chat/completions", { model: "m", stream: true })) {
    text += chunk.choices?.[0]?.delta?.content ?? "";
  }
  assert.equal(text, "Once upon");
});

test("serverDelayMs reads milliseconds, seconds and HTTP dates", () => {
  const now = Date.parse("Wed, 02 Dec 2026 17:00:00 GMT");
  assert.equal(serverDelayMs(new Headers({ "retry-after-ms": "250", "retry-after": "9" }), now), 250);
  assert.equal(serverDelayMs(new Headers({ "retry-after": "2" }), now), 2000);
  assert.equal(serverDelayMs(new Headers({ "retry-after": "Wed, 02 Dec 2026 17:00:03 GMT" }), now), 3000);
  assert.equal(serverDelayMs(new Headers({ "retry-after": "soon" }), now), undefined);
  assert.equal(serverDelayMs(new Headers(), now), undefined);
});

test("a timed-out call is an APITimeoutError; a refused connection an APIConnectionError", async () => {
  script((res) => setTimeout(() => json(200, {})(res), 500));
  await assert.rejects(
    new Client({ baseUrl }).get("/v1/models", undefined, { signal: AbortSignal.timeout(50) }),
    APITimeoutError,
  );
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await assert.rejects(
    new Client({ baseUrl: `http://127.0.0.1:${port}`, retry: { initialDelayMs: 1 } }).get("/v1/models"),
    (e: unknown) =>
      e instanceof APIConnectionError && !(e instanceof APITimeoutError) && /ECONNREFUSED/.test(e.message),
  );
});
