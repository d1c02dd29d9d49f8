/**
 * A request body limit that holds before anything reads the body: a declared `Content-Length`
 * over the limit is refused at once, and a streamed body is counted while it arrives and refused
 * as soon as it passes the limit, so neither authentication nor parsing ever sees it and memory
 * never holds more than the limit.
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { checkInt } from "../../src/_options.ts";

/** The admin router's default body limit: 1 MiB (schedules and job payloads are far smaller). */
export const DEFAULT_BODY_LIMIT: number = 1024 * 1024;

function tooLarge(c: Context, maxBytes: number): Response {
  c.header("Connection", "close");
  return c.json({
    error: {
      name: "PayloadTooLarge",
      message: `Request body too large: the limit is ${maxBytes} bytes`,
    },
  }, 413);
}

/**
 * Middleware that answers 413 to a request whose body is larger than `maxBytes`, before any
 * later middleware runs. The body is read here (up to the limit) and handed on buffered.
 * @param maxBytes The largest body accepted, in bytes.
 * @returns The middleware.
 * @throws {RangeError} When `maxBytes` is not a non-negative integer.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { bodyLimit } from "everywhen/hono";
 * const app = new Hono();
 * app.use(bodyLimit(64 * 1024));
 * app.post("/echo", async (c) => c.text(await c.req.text()));
 * ```
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler {
  checkInt(maxBytes, "bodyLimit", 0);
  return async (c, next) => {
    const raw = c.req.raw;
    const declared = raw.headers.get("content-length");
    if (declared !== null && Number(declared) > maxBytes) return tooLarge(c, maxBytes);
    if (raw.body === null) return next();
    const reader = raw.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        // Stop reading: the rest of the body is never pulled from the connection.
        void reader.cancel().catch(() => {});
        return tooLarge(c, maxBytes);
      }
      chunks.push(value);
    }
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(raw, { body });
    return next();
  };
}
