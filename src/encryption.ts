/**
 * Encryption at rest: an AES-GCM `Codec` (WebCrypto) for payloads, results and progress.
 * Every record is bound, as additional authenticated data, to what decides what runs with it:
 * its kind, job or schedule id, task and schedule id (see `authenticatedData` in codec.ts).
 * A ciphertext copied onto another record, a record whose task or schedule was changed, an
 * altered ciphertext, or one written under an unknown key is refused, never run.
 *
 * Format: `ew2:<key id>:<iv>:<ciphertext>`. Records written before bindings existed (`ew1:`)
 * were bound to the record id only; they stay readable unless `legacyRecords` is `false`.
 * @module
 */

import {
  authenticatedData,
  type Codec,
  describeBinding,
  legacyContext,
  type RecordBinding,
} from "./codec.ts";
import { TamperedRecordError } from "./errors.ts";
import { checkKeys } from "./_keys.ts";
import { checkBoolean } from "./_options.ts";
import type { JsonValue } from "./json.ts";

/** Options for `encryptedCodec`. */
export interface EncryptionOptions {
  /** The current key: 16, 24 or 32 bytes, raw or base64. New records are encrypted with it. */
  key: string | Uint8Array;
  /** Earlier keys, still accepted for reading records written before a rotation. @default [] */
  oldKeys?: Array<string | Uint8Array>;
  /**
   * Read records that are not encrypted (for switching an existing store to encryption).
   * Leave off otherwise: an attacker with write access could plant plaintext. @default false
   */
  allowPlaintext?: boolean;
  /**
   * Read `ew1:` records, written by everywhen 0.1, that bound a record to its id only
   * (not to its task or schedule). Set `false` once every such record has finished and
   * expired, so that none can be moved to another task. @default true
   */
  legacyRecords?: boolean;
}

const PREFIX = "ew2:";
const LEGACY_PREFIX = "ew1:";

interface Key {
  id: string;
  key: CryptoKey;
}

/**
 * Builds an AES-GCM codec.
 *
 * @param options The current key, old keys for rotation, plaintext policy.
 * @returns A codec for `new Scheduler({ codec })`.
 * @example
 * ```ts
 * import { encryptedCodec, generateEncryptionKey, Scheduler } from "@everywhen/everywhen";
 * const codec = await encryptedCodec({ key: generateEncryptionKey() });
 * const scheduler = new Scheduler({ codec });
 * ```
 */
export async function encryptedCodec(options: EncryptionOptions): Promise<Codec> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Invalid encryption options: expected an object with a key");
  }
  checkKeys(options, ["key", "oldKeys", "allowPlaintext", "legacyRecords"], "encryption options");
  const current = await importKey(options.key, "key");
  const all = new Map<string, CryptoKey>([[current.id, current.key]]);
  for (const [i, k] of (options.oldKeys ?? []).entries()) {
    const imported = await importKey(k, `oldKeys[${i}]`);
    if (!all.has(imported.id)) all.set(imported.id, imported.key);
  }
  const allowPlaintext = checkBoolean(options.allowPlaintext ?? false, "allowPlaintext");
  const legacyRecords = checkBoolean(options.legacyRecords ?? true, "legacyRecords");
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return {
    name: "aes-gcm",
    async encode(value: JsonValue, context: RecordBinding): Promise<string> {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const data = encoder.encode(JSON.stringify(value));
      const additionalData = encoder.encode(authenticatedData(context));
      const sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData },
        current.key,
        data,
      );
      return `${PREFIX}${current.id}:${toBase64(iv)}:${toBase64(new Uint8Array(sealed))}`;
    },
    async decode(text: string, context: RecordBinding): Promise<JsonValue> {
      const what = describeBinding(context);
      const legacy = legacyRecords && text.startsWith(LEGACY_PREFIX);
      if (!legacy && !text.startsWith(PREFIX)) {
        if (allowPlaintext && !text.startsWith(LEGACY_PREFIX)) return JSON.parse(text) as JsonValue;
        throw new TamperedRecordError(
          text.startsWith(LEGACY_PREFIX)
            ? `Refusing the ${what}: it was encrypted by everywhen 0.1 and legacyRecords is false`
            : `Refusing the unencrypted ${what} (set allowPlaintext while migrating)`,
        );
      }
      // Computed for legacy records too: it also refuses a job that claims a schedule which
      // did not make it.
      const bound = authenticatedData(context);
      const aad = legacy ? legacyContext(context) : bound;
      const [kid, iv, sealed] = text.slice(PREFIX.length).split(":");
      const key = kid === undefined ? undefined : all.get(kid);
      if (!key || iv === undefined || sealed === undefined) {
        throw new TamperedRecordError(
          `Cannot decrypt the ${what}: ${
            key
              ? "malformed ciphertext"
              : `unknown key id ${JSON.stringify(kid)} (add it to oldKeys)`
          }`,
        );
      }
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: fromBase64(iv), additionalData: encoder.encode(aad) },
          key,
          fromBase64(sealed),
        );
        return JSON.parse(decoder.decode(plain)) as JsonValue;
      } catch (cause) {
        throw new TamperedRecordError(
          `Cannot decrypt the ${what}: it was altered, or belongs to another record, task or schedule`,
          { cause },
        );
      }
    },
  };
}

/**
 * Generates a random 256-bit key from the platform's secure random source.
 * @returns A new random 256-bit key, base64-encoded, for `EVERYWHEN_ENCRYPTION_KEY`.
 * @example
 * ```ts
 * import { generateEncryptionKey } from "@everywhen/everywhen";
 * console.log(generateEncryptionKey());
 * ```
 */
export function generateEncryptionKey(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

async function importKey(input: string | Uint8Array, name: string): Promise<Key> {
  let bytes: Uint8Array;
  if (input instanceof Uint8Array) bytes = input;
  else if (typeof input === "string") {
    try {
      bytes = fromBase64(input.trim());
    } catch {
      throw new SyntaxError(`Invalid encryption ${name}: not base64`);
    }
  } else {
    throw new TypeError(`Invalid encryption ${name}: expected a base64 string or a Uint8Array`);
  }
  if (![16, 24, 32].includes(bytes.length)) {
    throw new RangeError(
      `Invalid encryption ${name}: expected 16, 24 or 32 bytes, got ${bytes.length} (generate one with generateEncryptionKey())`,
    );
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  const id = [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const key = await crypto.subtle.importKey("raw", bytes as BufferSource, "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
  return { id, key };
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
