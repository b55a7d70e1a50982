// Server-sent events, decoded incrementally: bytes may arrive split anywhere, even inside a UTF-8
// character or between the CR and LF of a line ending (the event-stream grammar of the HTML spec).

import { APIConnectionError, APITimeoutError, errorForEvent } from "./errors.js";

/** The data of the event that ends a cordwire (and OpenAI) stream. */
export const DONE = "[DONE]";

/** Feed it chunks; it returns the `data` of each event completed so far. */
export class SSEDecoder {
  readonly #text = new TextDecoder("utf-8");
  #buffer = "";
  #data: string[] = [];
  // A chunk that ended in CR: an LF opening the next chunk belongs to the same line ending.
  #afterCR = false;

  feed(chunk: Uint8Array): string[] {
    return this.#lines(this.#text.decode(chunk, { stream: true }));
  }

  /** The end of the stream: a last event not followed by a blank line still counts. */
  close(): string[] {
    return this.#lines(this.#text.decode() + "\n\n");
  }

  #lines(text: string): string[] {
    if (text === "") return []; // e.g. half a UTF-8 character: nothing to learn yet, CR state included
    if (this.#afterCR && text.startsWith("\n")) text = text.slice(1);
    this.#afterCR = text.endsWith("\r");
    const lines = (this.#buffer + text).split(/\r\n|\r|\n/);
    this.#buffer = lines.pop() ?? ""; // the unfinished line
    const events: string[] = [];
    for (const line of lines) {
      if (line === "") {
        if (this.#data.length > 0) events.push(this.#data.join("\n"));
        this.#data = [];
      } else if (!line.startsWith(":")) {
        // ":..." is a comment (keep-alive); event, id and retry carry nothing cordwire sends.
        const colon = line.indexOf(":");
        const name = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1);
        if (name === "data") this.#data.push(value.startsWith(" ") ? value.slice(1) : value);
      }
    }
    return events;
  }
}

/** One event's message, or undefined for `[DONE]`; an `{"error": ...}` event throws it. */
export function parseEvent<T>(data: string): T | undefined {
  if (data === DONE) return undefined;
  const message: unknown = JSON.parse(data);
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    throw new APIConnectionError(`stream event is not a JSON object: ${data.slice(0, 80)}`);
  }
  const keys = Object.keys(message);
  if (keys.length === 1 && keys[0] === "error") throw errorForEvent((message as { error: unknown }).error);
  return message as T;
}

/** The messages of an event stream's body, up to `[DONE]`; a stream cut short throws. */
export async function* messages<T>(body: ReadableStream<Uint8Array>): AsyncGenerator<T, void, undefined> {
  const decoder = new SSEDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (cause) {
        const name = (cause as { name?: unknown } | null)?.name;
        if (name === "AbortError") throw cause; // the caller's own abort
        if (name === "TimeoutError") throw new APITimeoutError("timed out mid-stream", { cause });
        throw new APIConnectionError("the stream broke mid-call", { cause });
      }
      const { done, value } = read;
      for (const data of done ? decoder.close() : decoder.feed(value)) {
        const message = parseEvent<T>(data);
        if (message === undefined) return;
        yield message;
      }
      if (done) break;
    }
  } finally {
    // Early exit (break, [DONE], an error): stop reading and free the connection.
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  throw new APIConnectionError("the stream ended without [DONE]: the server went away mid-call");
}
