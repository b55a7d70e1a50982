// The HTTP/JSON client: openapi-fetch over the generated `paths` types, with the API key, retries on
// 429/503 honouring Retry-After, typed errors, and server-sent events as an async iterator.

import createFetchClient, { type Client as FetchClient } from "openapi-fetch";

import type { paths as DemoPaths } from "../gen/openapi.js";
import { APIConnectionError, APITimeoutError, CordwireError, errorForResponse } from "./errors.js";
import { DEFAULT_RETRY, type RetryPolicy, retryingFetch } from "./retry.js";
import { messages } from "./sse.js";

export const DEFAULT_BASE_URL = "http://127.0.0.1:8080";
const USER_AGENT = "cordwire-client-ts/0.1.0";

export interface ClientOptions {
  /** The gateway's root URL (or a chute's, `.../chutes/{id}`); default $CORDWIRE_BASE_URL, then
   * http://127.0.0.1:8080. */
  baseUrl?: string;
  /** Sent as `X-API-Key`; default $CORDWIRE_API_KEY. */
  apiKey?: string;
  /** Overrides of the retry policy (DEFAULT_RETRY: 2 retries of 429 and 503). */
  retry?: Partial<RetryPolicy>;
  /** Sent with every call. */
  headers?: Record<string, string>;
  /** The fetch the client sends through (default: the global one). */
  fetch?: (request: Request) => Promise<Response>;
}

type Method = "get" | "put" | "post" | "delete" | "patch";
type Operation<Paths, M extends Method, P extends keyof Paths> = NonNullable<Paths[P][M & keyof Paths[P]]>;

/** The paths of `Paths` that answer `M`. */
export type PathsWith<Paths, M extends Method> = {
  [P in keyof Paths]: Paths[P] extends Record<M, infer O> ? ([O] extends [undefined] ? never : P) : never;
}[keyof Paths] &
  string;

/** The JSON request body of `M P`. */
export type RequestBody<Paths, M extends Method, P extends keyof Paths> =
  Operation<Paths, M, P> extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;

/** The JSON reply of `M P`. */
export type Reply<Paths, M extends Method, P extends keyof Paths> =
  Operation<Paths, M, P> extends { responses: { 200: { content: { "application/json": infer R } } } } ? R : never;

/** One message of the stream `POST P` answers: the schema cordwire gives its NDJSON/SSE form. */
export type StreamEvent<Paths, P extends keyof Paths> =
  Operation<Paths, "post", P> extends { responses: { 200: { content: { "application/x-ndjson": infer E } } } }
    ? E
    : never;

/** Path and query parameters of `M P`. */
export type Params<Paths, M extends Method, P extends keyof Paths> =
  Operation<Paths, M, P> extends { parameters: infer X } ? { path?: unknown; query?: unknown } & X : never;

/** Whether `M P` has path variables, which make its params required. */
type HasPathParams<Paths, M extends Method, P extends keyof Paths> =
  Operation<Paths, M, P> extends { parameters: { path: object } } ? true : false;

/** The arguments after the path of a call without a body. */
export type ParamsArgs<Paths, M extends Method, P extends keyof Paths> =
  HasPathParams<Paths, M, P> extends true
    ? [params: Params<Paths, M, P>, options?: CallOptions]
    : [params?: Params<Paths, M, P>, options?: CallOptions];

/** The arguments after the body of a call with one (params, when any, among the options). */
export type BodyArgs<Paths, M extends Method, P extends keyof Paths> =
  HasPathParams<Paths, M, P> extends true
    ? [options: CallOptions & { params: Params<Paths, M, P> }]
    : [options?: CallOptions & { params?: Params<Paths, M, P> }];

interface Sent {
  response: Response;
  error?: unknown;
}

/** Per-call settings: an AbortSignal (e.g. `AbortSignal.timeout(30_000)`) and extra headers. */
export interface CallOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** A client of one cordwire gateway; `Paths` are the generated types of its chute (default: the demo). */
export class Client<Paths extends {} = DemoPaths> {
  /** openapi-fetch's typed client underneath (auth and retries included; errors are not thrown). */
  readonly api: FetchClient<Paths, "application/json">;

  constructor(options: ClientOptions = {}) {
    const key = options.apiKey ?? process.env.CORDWIRE_API_KEY;
    const headers: Record<string, string> = { "user-agent": USER_AGENT, ...options.headers };
    if (key) headers["x-api-key"] = key;
    const baseUrl = options.baseUrl ?? (process.env.CORDWIRE_BASE_URL || DEFAULT_BASE_URL);
    this.api = createFetchClient<Paths, "application/json">({
      baseUrl: baseUrl.replace(/\/+$/, ""),
      headers,
      fetch: retryingFetch({ ...DEFAULT_RETRY, ...options.retry }, options.fetch),
    });
  }

  /** `GET path`: the reply's JSON, or a thrown CordwireError. */
  get<P extends PathsWith<Paths, "get">>(
    path: P,
    ...args: ParamsArgs<Paths, "get", P>
  ): Promise<Reply<Paths, "get", P>> {
    const [params, options] = args as [unknown, CallOptions | undefined];
    return this.#json("get", path, { params, ...options });
  }

  /** `POST path` with a JSON body: the reply's JSON, or a thrown CordwireError. */
  post<P extends PathsWith<Paths, "post">>(
    path: P,
    body: RequestBody<Paths, "post", P>,
    ...args: BodyArgs<Paths, "post", P>
  ): Promise<Reply<Paths, "post", P>> {
    return this.#json("post", path, { body, ...(args[0] as CallOptions | undefined) });
  }

  /** `POST path` asking for server-sent events: each message as it comes, up to `[DONE]`. A
   * mid-stream `{"error": ...}` event is thrown as a CordwireError. For the OpenAI-compatible routes,
   * set `stream: true` in the body (it picks the streaming RPC). */
  async *stream<P extends PathsWith<Paths, "post">>(
    path: P,
    body: RequestBody<Paths, "post", P>,
    ...args: BodyArgs<Paths, "post", P>
  ): AsyncGenerator<StreamEvent<Paths, P>, void, undefined> {
    const options = args[0] as CallOptions | undefined;
    const headers = { accept: "text/event-stream", ...options?.headers };
    const { response, error } = await this.#send("post", path, { ...options, body, headers, parseAs: "stream" });
    if (!response.ok) throw errorForResponse(response.status, error, response.headers);
    if (!response.headers.get("content-type")?.startsWith("text/event-stream") || response.body === null) {
      await response.body?.cancel();
      const kind = response.headers.get("content-type") ?? "no content type";
      throw new CordwireError(`expected an event stream, got ${kind}`, { status: response.status });
    }
    yield* messages<StreamEvent<Paths, P>>(response.body);
  }

  async #json<T>(method: Method, path: string, init: Record<string, unknown>): Promise<T> {
    const { response, error } = await this.#send(method, path, { ...init, parseAs: "stream" });
    if (!response.ok) throw errorForResponse(response.status, error, response.headers);
    try {
      return (await response.json()) as T;
    } catch (cause) {
      const kind = response.headers.get("content-type") ?? "no content type";
      throw new CordwireError(`the response is not JSON (${kind})`, { status: response.status, cause });
    }
  }

  // openapi-fetch types each call from literal paths; the typed faces above have checked them.
  // An error response comes back with its body read and parsed (`error`).
  async #send(method: Method, path: string, init: Record<string, unknown>): Promise<Sent> {
    const request = this.api.request as unknown as (m: string, p: string, i: Record<string, unknown>) => Promise<Sent>;
    try {
      return await request.call(this.api, method, path, init);
    } catch (cause) {
      const name = (cause as { name?: unknown } | null)?.name;
      if (cause instanceof CordwireError || name === "AbortError") throw cause; // the caller's own abort
      if (name === "TimeoutError") throw new APITimeoutError(`timed out: ${method.toUpperCase()} ${path}`, { cause });
      const detail = (cause as { cause?: { message?: string } }).cause?.message ?? String(cause);
      throw new APIConnectionError(`connection failed: ${detail}`, { cause });
    }
  }
}
