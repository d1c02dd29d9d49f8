/**
 * Request validation and error responses of the admin API. Every refusal is a JSON body
 * `{ error: { name, message } }` whose message names the field and, where there is one, the fix.
 * @module
 */

import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  ConflictError,
  NotFoundError,
  QueueFullError,
  SchedulerStoppedError,
  UnknownTaskError,
} from "../../src/errors.ts";

/** An error with the HTTP status it answers with. */
export class HttpError extends Error {
  /** The response status. */
  readonly status: ContentfulStatusCode;
  /**
   * @param status The response status.
   * @param name The error name in the body.
   * @param message The message in the body.
   */
  constructor(status: ContentfulStatusCode, name: string, message: string) {
    super(message);
    this.name = name;
    this.status = status;
  }
}

/** @returns The status an error thrown while serving a request maps to. */
export function statusOf(error: unknown): ContentfulStatusCode {
  if (error instanceof HttpError) return error.status;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof QueueFullError || error instanceof SchedulerStoppedError) return 503;
  if (
    error instanceof UnknownTaskError || error instanceof TypeError ||
    error instanceof RangeError || error instanceof SyntaxError
  ) return 400;
  return 500;
}

/** @returns The JSON error response for `error` (500s never reveal the message). */
export function errorResponse(c: Context, error: unknown): Response {
  const status = statusOf(error);
  const e = error instanceof Error ? error : new Error(String(error));
  const body = status === 500
    ? { name: "InternalError", message: "Internal error (see the scheduler:error event)" }
    : { name: e.name, message: e.message };
  return c.json({ error: body }, status);
}

/** @returns A 404 for a schedule or job id that does not exist. */
export function notFound(kind: "schedule" | "job", id: string): NotFoundError {
  return new NotFoundError(kind, id);
}

/**
 * Reads the request body as a JSON object. An empty body reads as `{}`. Which fields it may have
 * is the operation's business (`checkInput` refuses unknown ones).
 */
export async function readBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new HttpError(
      415,
      "UnsupportedMediaType",
      `Invalid body: expected Content-Type application/json, got ${JSON.stringify(type)}`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SyntaxError("Invalid body: not parsable JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new TypeError("Invalid body: expected a JSON object");
  }
  return body as Record<string, unknown>;
}

/** Reads an integer query parameter within bounds. */
export function intParam(
  c: Context,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new RangeError(
      `Invalid ${name}: ${JSON.stringify(raw)} (expected an integer from ${min} to ${max})`,
    );
  }
  return value;
}
