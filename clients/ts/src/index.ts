// cordwire's TypeScript client: HTTP/JSON calls typed by the generated `paths` of a chute's OpenAPI
// document (gen/openapi.ts, the demo chute's), with retries, typed errors and SSE streams.

export {
  Client,
  DEFAULT_BASE_URL,
  type CallOptions,
  type ClientOptions,
  type Params,
  type PathsWith,
  type Reply,
  type RequestBody,
  type StreamEvent,
} from "./client.js";
export * from "./errors.js";
export { DEFAULT_RETRY, type RetryPolicy, retryDelayMs, retryingFetch, serverDelayMs } from "./retry.js";
export { DONE, SSEDecoder, messages, parseEvent } from "./sse.js";
export type * as api from "../gen/openapi.js";
