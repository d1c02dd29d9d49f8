/**
 * How payloads and results become stored text. The default is plain JSON; encryption at rest
 * plugs in here so that stores only ever see opaque strings.
 * @module
 */

import type { JsonValue } from "./json.ts";

/** Turns JSON values into stored text and back. `decode` throws for text it cannot trust. */
export interface Codec {
  /** A short name for diagnostics, e.g. `"json"` or `"aes-gcm"`. */
  readonly name: string;
  /**
   * Turns a JSON value into the text a store keeps.
   * @param value A value already checked to be JSON.
   * @param context The job or schedule id the value belongs to (authenticated by encrypting codecs).
   * @returns The stored text.
   */
  encode(value: JsonValue, context: string): string | Promise<string>;
  /**
   * Turns stored text back into its value; throws (e.g. `TamperedRecordError`) for text it
   * cannot trust.
   * @param text Stored text produced by `encode`.
   * @param context The same id that was passed to `encode`.
   * @returns The value.
   */
  decode(text: string, context: string): JsonValue | Promise<JsonValue>;
}

/** The default codec: JSON text, no encryption. */
export const jsonCodec: Codec = {
  name: "json",
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text) as JsonValue,
};
