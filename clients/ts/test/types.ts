// Compile-time tests: `tsc --noEmit` fails if any line marked @ts-expect-error type-checks, i.e. if
// the generated types stop holding the proto3 JSON mapping or the client stops requiring what a
// route needs. Never run.
import type { Client } from "../src/index.js";

export async function typeTests(c: Client): Promise<void> {
  // @ts-expect-error a path variable makes params required
  await c.get("/v1/models/{model}");
  // @ts-expect-error the variable is `model`
  await c.get("/v1/models/{model}", { path: { name: "tiny-lm" } });
  // @ts-expect-error int64 is a string in proto3 JSON
  await c.post("/v1/chat/completions", { model: "tiny-lm", seed: 7 });
  // @ts-expect-error no such route
  await c.get("/v1/nope");
  // @ts-expect-error the models routes are GET only
  await c.post("/v1/models", {});
  const model = await c.get("/v1/models/{model}", { path: { model: "tiny-lm" } });
  const created: number | undefined = model.created; // uint32: a JSON number
  // @ts-expect-error a reply's fields are optional (proto3 omits defaults)
  const id: string = model.id;
  for await (const chunk of c.stream("/v1/chat/completions", { model: "tiny-lm", stream: true })) {
    const content: string | undefined = chunk.choices?.[0]?.delta?.content;
    void content;
  }
  void created;
  void id;
}
