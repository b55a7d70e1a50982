// When to retry a call, and how long to wait first: exponential backoff with full jitter, unless
// the server said how long (`retry-after-ms`, then `Retry-After` in seconds or as an HTTP date).
// The same policy as the Python client's (clients/python/client/_retry.py).

/** How a client retries 429, 503 and refused connections. */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  /** The backoff cap of the first retry, in ms; it doubles for each retry after. */
  initialDelayMs: number;
  /** The backoff cap never grows past this. */
  maxDelayMs: number;
  /** A server-given delay longer than this is not honoured: the call fails instead. */
  maxRetryAfterMs: number;
  /** HTTP statuses worth retrying. */
  statuses: readonly number[];
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = {
  maxRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
  statuses: [429, 503],
};

/** The delay a response asks for, in ms, or undefined when it names none. */
export function serverDelayMs(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  if (Number.isFinite(Number(value))) return Math.max(0, Number(value) * 1000);
  const when = Date.parse(value);
  return Number.isNaN(when) ? undefined : Math.max(0, when - now);
}

/** The wait before retry number `retry` (0 for the first) after `response`, or undefined: don't. */
export function retryDelayMs(policy: RetryPolicy, retry: number, response: Response): number | undefined {
  if (retry >= policy.maxRetries || !policy.statuses.includes(response.status)) return undefined;
  const asked = serverDelayMs(response.headers);
  if (asked === undefined) return backoffMs(policy, retry);
  return asked <= policy.maxRetryAfterMs ? asked : undefined;
}

function backoffMs(policy: RetryPolicy, retry: number): number {
  return Math.random() * Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** retry);
}

/** A refused connection: the server never saw the request, so sending it again is safe. */
function isRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return error instanceof TypeError && cause?.code === "ECONNREFUSED";
}

function sleep(ms: number, signal: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Wraps `fetch` so that each request is sent again, as the policy says, after a 429 or 503. */
export function retryingFetch(
  policy: RetryPolicy,
  fetchImpl: (request: Request) => Promise<Response> = (request) => fetch(request),
): (request: Request) => Promise<Response> {
  return async (request) => {
    for (let retry = 0; ; retry++) {
      let response: Response;
      try {
        // A clone per attempt: a request's body can be sent once.
        response = await fetchImpl(retry < policy.maxRetries ? request.clone() : request);
      } catch (error) {
        if (retry >= policy.maxRetries || !isRefused(error)) throw error;
        await sleep(backoffMs(policy, retry), request.signal);
        continue;
      }
      const delay = retryDelayMs(policy, retry, response);
      if (delay === undefined) return response;
      await response.body?.cancel(); // frees the connection
      await sleep(delay, request.signal);
    }
  };
}
