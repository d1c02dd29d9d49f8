/**
 * The admin token: its rules (checked when the router is built) and the constant-time
 * comparisons made with it. Every comparison hashes both sides first and compares the digests,
 * so neither the content nor the length of the token leaks through timing.
 * @module
 */

const encoder = new TextEncoder();

/** @returns `bytes` as unpadded base64url. */
export function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** @returns Whether two byte arrays are equal, in time that depends only on their length. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Visible ASCII only: what an HTTP header (`Authorization: Bearer …`) can carry unchanged. */
const TOKEN = /^[\x21-\x7e]+$/;
const MIN_LENGTH = 16;
const MAX_LENGTH = 4096;

/** Checks presented tokens against one configured token, and signs with it. */
export class AdminToken {
  #digest: Promise<Uint8Array>;
  #key: Promise<CryptoKey>;

  /**
   * @param token The admin token: 16 to 4096 visible ASCII characters, no spaces.
   * @throws {TypeError} When it is not a string or holds other characters.
   * @throws {RangeError} When it is too short or too long.
   */
  constructor(token: string) {
    if (typeof token !== "string") {
      throw new TypeError("Invalid admin token: expected a string");
    }
    if (token.length < MIN_LENGTH || token.length > MAX_LENGTH) {
      throw new RangeError(
        `Invalid admin token: expected ${MIN_LENGTH} to ${MAX_LENGTH} characters, got ${token.length} (e.g. crypto.randomUUID())`,
      );
    }
    if (!TOKEN.test(token)) {
      throw new TypeError(
        "Invalid admin token: use only visible ASCII characters, without spaces, so it can be sent as Authorization: Bearer <token> (e.g. crypto.randomUUID())",
      );
    }
    this.#digest = sha256(token);
    this.#key = crypto.subtle.importKey(
      "raw",
      encoder.encode(token),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
  }

  /** @returns Whether `presented` is the token. */
  async matches(presented: string): Promise<boolean> {
    return equalBytes(await sha256(presented), await this.#digest);
  }

  /** @returns The HMAC of `text` under the token, base64url. */
  async mac(text: string): Promise<string> {
    const mac = await crypto.subtle.sign("HMAC", await this.#key, encoder.encode(text));
    return base64url(new Uint8Array(mac));
  }
}
