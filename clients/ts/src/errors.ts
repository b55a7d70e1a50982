// Typed errors for failed calls, one class per HTTP status of cordwire's code table (the same
// classes as the Python client's cordwire.client errors).

/** gRPC code names, lower case as the gateway writes them in `error.code`, to their HTTP status
 * (the gRPC→HTTP table of DESIGN.md; cordwire/_codes.py holds the server's copy). */
export const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ok: 200,
  cancelled: 499,
  unknown: 500,
  invalid_argument: 400,
  deadline_exceeded: 504,
  not_found: 404,
  already_exists: 409,
  permission_denied: 403,
  resource_exhausted: 429,
  failed_precondition: 400,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500,
  unauthenticated: 401,
};

/** A call failed: the server answered an error, or no answer came (`status` is undefined then). */
export class CordwireError extends Error {
  /** The HTTP status, when a response came. */
  readonly status: number | undefined;
  /** The error body's `code`: a reason such as `model_not_found`, or the gRPC code name. */
  readonly code: string | undefined;
  /** The error body's `type` (`invalid_request_error`, `rate_limit_error`, ...). */
  readonly type: string | undefined;
  /** The request field at fault, if the server named one. */
  readonly param: string | undefined;
  /** The error response's headers (`retry-after`, `x-request-id`, ...). */
  readonly headers: Headers;

  constructor(
    message: string,
    init: { status?: number; code?: string; type?: string; param?: string; headers?: Headers; cause?: unknown } = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.type = init.type;
    this.param = init.param;
    this.headers = init.headers ?? new Headers();
  }
}

/** No response: the connection failed, or the stream broke before `[DONE]`. */
export class APIConnectionError extends CordwireError {}
/** No response before the call's signal timed out (`AbortSignal.timeout(ms)`). */
export class APITimeoutError extends APIConnectionError {}
/** 400: the request is malformed or not valid in the server's state. */
export class BadRequestError extends CordwireError {}
/** 401: no API key, or one the server does not know. */
export class AuthenticationError extends CordwireError {}
/** 403: the key may not call this chute or cord. */
export class PermissionDeniedError extends CordwireError {}
/** 404: no such route, chute, model or entity. */
export class NotFoundError extends CordwireError {}
/** 409: the entity exists already, or a concurrent change aborted the call. */
export class ConflictError extends CordwireError {}
/** 429: a rate limit, quota or concurrency bound was hit; retried by default. */
export class RateLimitError extends CordwireError {}
/** 499: the call was cancelled. */
export class RequestCancelledError extends CordwireError {}
/** 500 (and other 5xx without a class of their own): the server failed. */
export class InternalServerError extends CordwireError {}
/** 501: the server does not implement this call. */
export class UnimplementedError extends CordwireError {}
/** 503: transiently unavailable (starting, overloaded); retried by default. */
export class ServiceUnavailableError extends CordwireError {}
/** 504: the call's deadline passed on the server side. */
export class DeadlineExceededError extends CordwireError {}

const BY_STATUS: Readonly<Record<number, typeof CordwireError>> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  429: RateLimitError,
  499: RequestCancelledError,
  500: InternalServerError,
  501: UnimplementedError,
  503: ServiceUnavailableError,
  504: DeadlineExceededError,
};

function classFor(status: number): typeof CordwireError {
  return BY_STATUS[status] ?? (status >= 500 ? InternalServerError : CordwireError);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The error for an HTTP error response (`body`: its decoded JSON, or undefined). */
export function errorForResponse(status: number, body: unknown, headers?: Headers): CordwireError {
  const error = typeof body === "object" && body !== null ? (body as { error?: unknown }).error : undefined;
  const fields = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  const init: { status: number; code?: string; type?: string; param?: string; headers?: Headers } = { status };
  const code = text(fields.code);
  const type = text(fields.type);
  const param = text(fields.param);
  if (code !== undefined) init.code = code;
  if (type !== undefined) init.type = type;
  if (param !== undefined) init.param = param;
  if (headers !== undefined) init.headers = headers;
  const fallback = error === undefined ? `HTTP ${status} without an error body` : `HTTP ${status}`;
  const message = text(fields.message) || fallback;
  return new (classFor(status))(message, init);
}

/** The error for an `{"error": ...}` event inside a stream (whose HTTP status was 200). */
export function errorForEvent(error: unknown): CordwireError {
  const code = typeof error === "object" && error !== null ? text((error as { code?: unknown }).code) : undefined;
  const status = (code !== undefined ? HTTP_STATUS_BY_CODE[code.toLowerCase()] : undefined) ?? 500;
  return errorForResponse(status, { error });
}
