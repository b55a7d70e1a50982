// The event-stream decoder against every way a body can be cut into reads.
import assert from "node:assert/strict";
import { test } from "node:test";

import { APIConnectionError, NotFoundError, SSEDecoder, messages } from "../src/index.js";

const STREAM =
  ': keep-alive\r\n\r\ndata: {"text":"caf\u00e9 \ud83d\udc31"}\r\n\r\n' +
  'data: {"text":\ndata: "two lines"}\n\n' +
  "event: ignored\rid: 1\rdata: {\"text\":\"cr\"}\r\r" +
  "data: [DONE]\n\n";
const EXPECTED = ['{"text":"caf\u00e9 \ud83d\udc31"}', '{"text":\n"two lines"}', '{"text":"cr"}', "[DONE]"];

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    chunks.push(bytes.subarray(start, cut));
    start = cut;
  }
  return chunks;
}

function body(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

test("every single cut point gives the same events", () => {
  const bytes = new TextEncoder().encode(STREAM);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const decoder = new SSEDecoder();
    const events = split(bytes, [cut]).flatMap((chunk) => decoder.feed(chunk));
    assert.deepEqual([...events, ...decoder.close()], EXPECTED, `cut at byte ${cut}`);
  }
});

test("byte-by-byte reads (split UTF-8 characters and CRLFs) give the same events", () => {
  const bytes = new TextEncoder().encode(STREAM);
  const decoder = new SSEDecoder();
  const events = [...bytes].flatMap((_, i) => decoder.feed(bytes.subarray(i, i + 1)));
  assert.deepEqual([...events, ...decoder.close()], EXPECTED);
});

test("a last event without its blank line still counts", () => {
  const decoder = new SSEDecoder();
  assert.deepEqual(decoder.feed(new TextEncoder().encode("data: 1")), []);
  assert.deepEqual(decoder.close(), ["1"]);
});

test("messages() stops at [DONE] and parses JSON", async () => {
  const bytes = new TextEncoder().encode('data: {"a":1}\n\ndata: [DONE]\n\ndata: {"a":2}\n\n');
  const seen: unknown[] = [];
  for await (const message of messages(body(split(bytes, [5, 9])))) seen.push(message);
  assert.deepEqual(seen, [{ a: 1 }]);
});

test("an error event is thrown as its typed error", async () => {
  const event = '{"error":{"message":"gone","type":"invalid_request_error","param":"model","code":"not_found"}}';
  const bytes = new TextEncoder().encode(`data: {"a":1}\n\ndata: ${event}\n\n`);
  const seen: unknown[] = [];
  await assert.rejects(
    async () => {
      for await (const message of messages(body([bytes]))) seen.push(message);
    },
    (error: unknown) => error instanceof NotFoundError && error.status === 404 && error.param === "model",
  );
  assert.deepEqual(seen, [{ a: 1 }]);
});

test("a stream cut short before [DONE] throws APIConnectionError", async () => {
  const bytes = new TextEncoder().encode('data: {"a":1}\n\n');
  await assert.rejects(async () => {
    for await (const _ of messages(body([bytes]))) void _;
  }, APIConnectionError);
});

test("a body that breaks mid-read throws APIConnectionError", async () => {
  let sent = false;
  const broken = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) return controller.error(new TypeError("terminated"));
      sent = true;
      controller.enqueue(new TextEncoder().encode('data: {"a":1}\n\n'));
    },
  });
  const seen: unknown[] = [];
  await assert.rejects(
    async () => {
      for await (const message of messages(broken)) seen.push(message);
    },
    (error: unknown) => error instanceof APIConnectionError && error.cause instanceof TypeError,
  );
  assert.deepEqual(seen, [{ a: 1 }]);
});
