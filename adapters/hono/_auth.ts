/**
 * Authentication of the admin router with a shared token: `Authorization: Bearer <token>` for
 * API clients, and for browsers a sign-in form that starts a server-side session (see
 * `_sessions.ts`) held in an HttpOnly cookie. Every URL these pages and redirects use is built
 * from the router's own mount path, never from the request's path.
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { loginPage } from "./_dashboard.ts";
import { type MetaRecords, Sessions } from "./_sessions.ts";
import { clientKey, LoginThrottle } from "./_throttle.ts";
import { AdminToken } from "./_tokens.ts";

const COOKIE = "everywhen_admin";

/** What the token routes need. */
export interface TokenAuth {
  token: AdminToken;
  sessions: Sessions;
  throttle: LoginThrottle;
  /** Session lifetime in ms (the cookie's Max-Age). */
  ttl: number;
  /** Believe `X-Forwarded-Proto` and `X-Forwarded-For`. */
  trustProxy: boolean;
}

/**
 * @param token The admin token, checked here (so a bad one is refused when the router is built).
 * @param meta Where sessions are kept.
 * @param ttl Session lifetime in ms.
 * @param trustProxy Believe `X-Forwarded-*` headers.
 */
export function tokenAuthFor(
  token: string,
  meta: MetaRecords,
  ttl: number,
  trustProxy: boolean,
): TokenAuth {
  const admin = new AdminToken(token);
  const sessions = new Sessions(meta, (text) => admin.mac(text), ttl);
  return { token: admin, sessions, throttle: new LoginThrottle(), ttl, trustProxy };
}

const bases = new WeakMap<Context, { base: string; within: string }>();

/** Fills the matched segments into a mount path with parameters (`/:tenant/admin`). */
const filled = (c: Context, pattern: string): string =>
  pattern.replace(
    /\/:([^/{?]+)(\{[^}]*\})?\??/g,
    (_, name: string) => `/${encodeURIComponent(c.req.param(name) ?? "")}`,
  ).replace(/\/+$/, "");

/**
 * The router's first middleware: records where the router is mounted, from the pattern it was
 * registered under (`/admin/*` gives `/admin`), or `fixed` when given (prefix-stripping mounts),
 * and the request's path inside the router (what follows the route it was registered under).
 */
export function mountPoint(fixed: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    const routed = filled(c, c.req.routePath.replace(/\/\*$/, ""));
    const within = c.req.path.startsWith(routed) ? c.req.path.slice(routed.length) : c.req.path;
    bases.set(c, {
      base: fixed === undefined ? routed : filled(c, fixed),
      within: within.startsWith("/") ? within : `/${within}`,
    });
    await next();
  };
}

/** @returns The router's mount path without a trailing slash (`""` at the root). */
export function routerBase(c: Context): string {
  return bases.get(c)?.base ?? "";
}

/**
 * @returns The request's path inside the router (`/api/jobs`), from which a page finds the
 * router's public path in its own URL under any mount, even one that strips its prefix.
 */
export function routerPath(c: Context): string {
  return bases.get(c)?.within ?? c.req.path;
}

/** @returns Whether the request arrived over TLS (per `X-Forwarded-Proto` behind a trusted proxy). */
export function viaTls(c: Context, trustProxy: boolean): boolean {
  if (trustProxy) {
    const proto = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
    if (proto) return proto === "https";
  }
  return new URL(c.req.url).protocol === "https:";
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
    return c.html(loginPage(routerBase(c), routerPath(c), message === "" ? null : message), 401);
  }
  return c.json({
    error: {
      name: "Unauthorized",
      message: message || "Authentication required (send Authorization: Bearer <token>)",
    },
  }, 401);
}

const sessionOf = new WeakMap<Context, { auth: TokenAuth; cookie: string }>();

/** Middleware accepting the bearer token or a session cookie. */
export function tokenAuth(auth: TokenAuth): MiddlewareHandler {
  return async (c, next) => {
    const presented = bearer(c);
    if (presented !== null) {
      if (await auth.token.matches(presented)) return next();
      return unauthorized(c, false, "Invalid token");
    }
    const cookie = getCookie(c, COOKIE);
    if (cookie !== undefined && await auth.sessions.valid(cookie, Date.now())) {
      sessionOf.set(c, { auth, cookie });
      return next();
    }
    return unauthorized(c, true, "");
  };
}

/**
 * @returns For a request signed in with a session, a check of whether that session is still
 * valid (long-lived responses such as the event stream end when it is revoked or expires);
 * `null` for any other request.
 */
export function sessionCheck(c: Context): (() => Promise<boolean>) | null {
  const session = sessionOf.get(c);
  if (session === undefined) return null;
  return () => session.auth.sessions.valid(session.cookie, Date.now());
}

/** `POST /login`: checks a form or JSON `token` and starts a session. */
export function loginHandler(auth: TokenAuth): (c: Context) => Promise<Response> {
  return async (c) => {
    const base = routerBase(c);
    const json = (c.req.header("content-type") ?? "").includes("application/json");
    c.header("Cache-Control", "no-store");
    const client = clientKey(c, auth.trustProxy);
    const wait = auth.throttle.wait(client, Date.now());
    if (wait > 0) {
      c.header("Retry-After", String(Math.ceil(wait / 1000)));
      const message = "Too many failed sign-ins: try again in a minute";
      if (json) return c.json({ error: { name: "TooManyRequests", message } }, 429);
      return c.html(loginPage(base, routerPath(c), message), 429);
    }
    let token: unknown;
    try {
      token = json
        ? ((await c.req.json()) as { token?: unknown }).token
        : (await c.req.parseBody()).token;
    } catch {
      token = undefined;
    }
    if (typeof token !== "string" || !(await auth.token.matches(token))) {
      auth.throttle.fail(client, Date.now());
      if (json) return c.json({ error: { name: "Unauthorized", message: "Invalid token" } }, 401);
      return c.html(loginPage(base, routerPath(c), "That token is not valid"), 401);
    }
    setCookie(c, COOKIE, await auth.sessions.create(Date.now()), {
      path: base || "/",
      httpOnly: true,
      sameSite: "Strict",
      secure: viaTls(c, auth.trustProxy),
      maxAge: Math.floor(auth.ttl / 1000),
    });
    // `./` from the router's `/login` is its root, wherever a prefix-stripping mount put it.
    return c.redirect(base || "./", 303);
  };
}

/** `POST /logout`: ends the session in the store (so in every process) and clears the cookie. */
export function logoutHandler(auth: TokenAuth): (c: Context) => Promise<Response> {
  return async (c) => {
    const base = routerBase(c);
    const cookie = getCookie(c, COOKIE);
    if (cookie !== undefined) await auth.sessions.revoke(cookie);
    deleteCookie(c, COOKIE, { path: base || "/", secure: viaTls(c, auth.trustProxy) });
    // `./` from the router's `/login` is its root, wherever a prefix-stripping mount put it.
    return c.redirect(base || "./", 303);
  };
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
