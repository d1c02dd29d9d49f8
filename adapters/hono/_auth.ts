/**
 * Authentication of the admin router with a shared token: `Authorization: Bearer <token>` for
 * API clients, and for browsers a sign-in form that sets a signed, HttpOnly session cookie
 * (the cookie holds an expiry and its HMAC under the token, never the token itself). All
 * comparisons hash both sides first and compare the digests in constant time, so neither the
 * content nor the length of the token leaks through timing.
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { loginPage } from "./_dashboard.ts";

const COOKIE = "everywhen_admin";
const SESSION_MS = 12 * 3_600_000;
const encoder = new TextEncoder();

/** The path the router is mounted at, without a trailing slash, read from the request. */
export function basePath(c: Context, suffix: string): string {
  const path = c.req.path;
  return (path.endsWith(suffix) ? path.slice(0, path.length - suffix.length) : path).replace(
    /\/+$/,
    "",
  );
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

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Checks presented tokens and session cookies against one configured token. */
export class TokenChecker {
  #digest: Promise<Uint8Array>;
  #key: Promise<CryptoKey>;

  /** @param token The admin token (at least 16 characters). */
  constructor(token: string) {
    if (typeof token !== "string") {
      throw new TypeError("Invalid admin token: expected a string");
    }
    if (token.length < 16) {
      throw new RangeError(
        "Invalid admin token: too short (use at least 16 characters, e.g. crypto.randomUUID())",
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

  /** @returns A session cookie value valid until `expires` (epoch ms). */
  async session(expires: number): Promise<string> {
    const mac = await crypto.subtle.sign("HMAC", await this.#key, encoder.encode(`s:${expires}`));
    return `${expires}.${base64url(new Uint8Array(mac))}`;
  }

  /** @returns Whether `value` is an unexpired session cookie signed with the token. */
  async validSession(value: string, now: number): Promise<boolean> {
    const dot = value.indexOf(".");
    const expires = Number(value.slice(0, dot));
    if (dot < 1 || !Number.isSafeInteger(expires) || expires <= now) return false;
    const expected = await this.session(expires);
    return equalBytes(
      await sha256(value),
      await sha256(expected),
    );
  }
}

function bearer(c: Context): string | null {
  const header = c.req.header("authorization");
  const m = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return m ? m[1]! : null;
}

/** A 401: the sign-in page for browsers asking for HTML, JSON for everyone else. */
export function unauthorized(c: Context, login: boolean, message: string): Response {
  c.header("WWW-Authenticate", 'Bearer realm="everywhen"');
  c.header("Cache-Control", "no-store");
  if (login && c.req.method === "GET" && (c.req.header("accept") ?? "").includes("text/html")) {
    return c.html(loginPage(basePath(c, ""), message === "" ? null : message), 401);
  }
  return c.json({
    error: {
      name: "Unauthorized",
      message: message || "Authentication required (send Authorization: Bearer <token>)",
    },
  }, 401);
}

/** Middleware accepting the bearer token or a session cookie. */
export function tokenAuth(checker: TokenChecker): MiddlewareHandler {
  return async (c, next) => {
    const presented = bearer(c);
    if (presented !== null) {
      if (await checker.matches(presented)) return next();
      return unauthorized(c, false, "Invalid token");
    }
    const cookie = getCookie(c, COOKIE);
    if (cookie !== undefined && await checker.validSession(cookie, Date.now())) return next();
    return unauthorized(c, true, "");
  };
}

/** `POST /login`: checks a form or JSON `token` and sets the session cookie. */
export function loginHandler(checker: TokenChecker): (c: Context) => Promise<Response> {
  return async (c) => {
    const base = basePath(c, "/login");
    const type = c.req.header("content-type") ?? "";
    let token: unknown;
    try {
      token = type.includes("application/json")
        ? ((await c.req.json()) as { token?: unknown }).token
        : (await c.req.parseBody()).token;
    } catch {
      token = undefined;
    }
    if (typeof token !== "string" || !(await checker.matches(token))) {
      if (type.includes("application/json")) {
        return c.json({ error: { name: "Unauthorized", message: "Invalid token" } }, 401);
      }
      c.header("Cache-Control", "no-store");
      return c.html(loginPage(base, "That token is not valid"), 401);
    }
    const expires = Date.now() + SESSION_MS;
    setCookie(c, COOKIE, await checker.session(expires), {
      path: base === "" ? "/" : base,
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
      maxAge: SESSION_MS / 1000,
    });
    return c.redirect(base === "" ? "/" : base, 303);
  };
}

/** `POST /logout`: clears the session cookie. */
export function logoutHandler(c: Context): Response {
  const base = basePath(c, "/logout");
  deleteCookie(c, COOKIE, { path: base === "" ? "/" : base });
  return c.redirect(base === "" ? "/" : base, 303);
}

/**
 * Refuses state-changing requests from other sites (CSRF): a cross-site `Sec-Fetch-Site`, or an
 * `Origin` whose host is not the request's.
 */
export const sameOrigin: MiddlewareHandler = async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS") {
    await next();
    return;
  }
  const site = c.req.header("sec-fetch-site");
  const origin = c.req.header("origin");
  let foreign = site === "cross-site";
  if (!foreign && origin !== undefined) {
    try {
      foreign = new URL(origin).host !== new URL(c.req.url).host;
    } catch {
      foreign = true;
    }
  }
  if (foreign) {
    return c.json({
      error: { name: "Forbidden", message: "Cross-origin request refused" },
    }, 403);
  }
  await next();
};
