// Chats with cordwire's demo chute over HTTP/JSON with the generated client: one whole chat
// completion, then the same prompt streamed (server-sent events), printing the text of each.
//
//   node dist/examples/chat.js --base-url http://127.0.0.1:8080 --api-key cw_... "Hello"
//
// --base-url and --api-key fall back to CORDWIRE_BASE_URL and CORDWIRE_API_KEY. It exits non-zero on
// any error, printing its class, HTTP status and the error body's code and param.
import { parseArgs } from "node:util";

import { Client, CordwireError } from "../src/index.js";

const { values, positionals } = parseArgs({
  options: {
    "base-url": { type: "string" },
    "api-key": { type: "string" },
    model: { type: "string", default: "tiny-lm" },
  },
  allowPositionals: true,
});
const prompt = positionals.length > 0 ? positionals.join(" ") : "Once upon a time";

const client = new Client({ baseUrl: values["base-url"], apiKey: values["api-key"] });
const request = {
  model: values.model,
  messages: [{ role: "user", content: prompt }],
  max_tokens: 24,
  seed: "7", // int64: a string in proto3 JSON
};

try {
  const reply = await client.post("/v1/chat/completions", request, { signal: AbortSignal.timeout(60_000) });
  console.log("completion:", reply.choices?.[0]?.message?.content ?? "");

  let text = "";
  for await (const chunk of client.stream("/v1/chat/completions", { ...request, stream: true })) {
    for (const choice of chunk.choices ?? []) text += choice.delta?.content ?? "";
  }
  console.log("streamed:", text);
} catch (error) {
  if (!(error instanceof CordwireError)) throw error;
  const fields = [error.name, error.status ?? "-", error.code ?? "", error.param ?? ""].join(" ");
  console.error(`example: error: ${fields}: ${error.message}`);
  process.exitCode = 1;
}
