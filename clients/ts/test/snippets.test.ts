// The calling guide's streaming snippet (seed/streaming.ts) against its fixed version
// (examples/fetch-stream.ts), both run as they are, against a local server that cuts its events
// across reads the way a real network can.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";

const event = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;
// Three events; the second is cut inside its JSON, the third inside the two bytes of "é".
const BODY = Buffer.from(event("Once") + event(" upon") + event(" a café") + "data: [DONE]\n\n");
const cuts = [event("Once").length + 20, BODY.indexOf(Buffer.from("é")) + 1];

const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/event-stream" });
  let start = 0;
  const writeNext = (i: number): void => {
    const end = cuts[i] ?? BODY.length;
    res.write(BODY.subarray(start, end));
    start = end;
    if (end === BODY.length) res.end();
    else setTimeout(() => writeNext(i + 1), 50); // separate reads on the client
  };
  writeNext(0);
});
let baseUrl = "";
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

function run(script: string): Promise<string> {
  const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const env = { ...process.env, CORDWIRE_BASE_URL: baseUrl, CORDWIRE_API_KEY: "k" };
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [path], { env }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
}

test("the seed's snippet silently drops every event cut across reads", async () => {
  // Each half fails JSON.parse and its catch hides that; the one cut inside "é" too.
  assert.equal(await run("seed/streaming.js"), "Once");
});

test("the fixed snippet prints every event whole", async () => {
  assert.equal(await run("examples/fetch-stream.js"), "Once upon a café\n");
});
