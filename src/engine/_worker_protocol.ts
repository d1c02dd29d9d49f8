/**
 * The messages between a worker pool and its workers, and how errors cross the thread boundary.
 * Structured clone keeps neither an error's class nor its own fields everywhere, so errors travel
 * as `{ name, message, stack }` and are rebuilt on the other side.
 * @module
 */

import type { JsonValue } from "../json.ts";
import type { ExecutorJob } from "./executor.ts";
import { NonRetryableError } from "../errors.ts";

/** An error as it crosses threads. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
}

/** From the pool to a worker. */
export type ToWorker =
  | { type: "load"; url: string; export: string }
  | { type: "run"; run: number; job: ExecutorJob }
  | { type: "abort"; run: number; reason: WireError };

/** From a worker to the pool. */
export type FromWorker =
  | { type: "ready" }
  | { type: "load-error"; error: WireError }
  | { type: "progress"; run: number; value: JsonValue }
  | { type: "done"; run: number; result: JsonValue }
  | { type: "failed"; run: number; error: WireError }
  | { type: "exit"; code: number }
  | { type: "uncaught"; error: WireError };

/** @returns `error` as plain data (a non-error thrown value becomes its text). */
export function toWire(error: unknown): WireError {
  if (
    error instanceof Error || (typeof error === "object" && error !== null && "message" in error)
  ) {
    const e = error as Error;
    const wire: WireError = { name: String(e.name ?? "Error"), message: String(e.message) };
    if (typeof e.stack === "string") wire.stack = e.stack;
    return wire;
  }
  return { name: "Error", message: String(error) };
}

/**
 * @returns An error rebuilt from the wire: a `NonRetryableError` when that is its name (so the
 * runner does not retry it), otherwise an `Error` carrying the original name, message and stack.
 */
export function fromWire(wire: WireError): Error {
  const error = wire.name === "NonRetryableError"
    ? new NonRetryableError(wire.message)
    : new Error(wire.message);
  if (wire.name !== "NonRetryableError") error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
