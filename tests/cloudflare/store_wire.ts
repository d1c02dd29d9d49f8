/**
 * The wire format between the Node test and the store Worker in workerd: JSON that keeps what
 * store records hold and JSON drops (`Infinity` in `maxInstances`, `undefined` fields), and
 * errors rebuilt as the classes the conformance suite checks for.
 */
import { ConflictError, NotFoundError } from "../../src/errors.ts";

/** A thrown error as sent over the wire. */
export interface WireError {
  name: string;
  message: string;
  kind?: "schedule" | "job";
  id?: string;
}

/** @returns `value` as wire JSON. */
export function encode(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === "number" && !Number.isFinite(v)) return { $number: String(v) };
    if (v === undefined) return { $undefined: true };
    return v;
  });
}

/** @returns The value `encode` wrote. */
export function decode<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      if (typeof v.$number === "string") return Number(v.$number);
      if (v.$undefined === true) return undefined;
    }
    return v;
  }) as T;
}

/** @returns The error as sent over the wire. */
export function errorToWire(error: unknown): WireError {
  const e = error as Error & { kind?: "schedule" | "job"; scheduleId?: string; jobId?: string };
  const out: WireError = { name: e?.name ?? "Error", message: e?.message ?? String(error) };
  if (e instanceof ConflictError || e instanceof NotFoundError) {
    out.kind = e.kind;
    out.id = (e.kind === "schedule" ? e.scheduleId : e.jobId) ?? "";
  }
  return out;
}

/** @returns The error rebuilt as the class it was thrown as (where tests check the class). */
export function errorFromWire(wire: WireError): Error {
  if (wire.name === "ConflictError" && wire.kind && wire.id !== undefined) {
    return new ConflictError(wire.kind, wire.id);
  }
  if (wire.name === "NotFoundError" && wire.kind && wire.id !== undefined) {
    return new NotFoundError(wire.kind, wire.id);
  }
  const Ctor = wire.name === "TypeError"
    ? TypeError
    : wire.name === "RangeError"
    ? RangeError
    : wire.name === "SyntaxError"
    ? SyntaxError
    : Error;
  const error = new Ctor(wire.message);
  if (Ctor === Error) error.name = wire.name;
  return error;
}
