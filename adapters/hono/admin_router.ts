/**
 * The admin router: a JSON API under `/api`, the dashboard at `/`, authentication, a body limit
 * and the URLs it renders, all derived from where it is mounted.
 * @module
 */

import { Hono, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { checkKeys } from "../../src/_keys.ts";
import { checkBoolean, durationOr } from "../../src/_options.ts";
import type { Scheduler } from "../../src/scheduler/scheduler.ts";
import type { DurationInput } from "../../src/time.ts";
import { apiRoutes } from "./_api.ts";
import {
  loginHandler,
  logoutHandler,
  mountPoint,
  routerBase,
  sameOrigin,
  sessionCheck,
  tokenAuth,
  tokenAuthFor,
} from "./_auth.ts";
import { dashboardPage } from "./_dashboard.ts";
import { eventStream } from "./_events.ts";
import { errorResponse, statusOf } from "./_http.ts";
import { schedulerMeta } from "./_sessions.ts";
import { bodyLimit, DEFAULT_BODY_LIMIT } from "./body_limit.ts";
import { metricsHandler } from "./metrics.ts";

/** Options for {@linkcode adminRouter}. Exactly one of `token`, `auth`, `unsafe` is required. */
export interface AdminRouterOptions {
  /**
   * A shared secret (at least 16 characters): API clients send `Authorization: Bearer <token>`;
   * browsers sign in on the dashboard and get an HttpOnly session cookie.
   * @default undefined
   */
  token?: string;
  /**
   * Your own Hono middleware (e.g. `basicAuth`, a session check). It runs before every admin
   * route and must respond itself (e.g. 401) to refuse a request.
   * @default undefined
   */
  auth?: MiddlewareHandler;
  /**
   * Serve the admin routes to anyone, without authentication. Only for local development or
   * when something in front of the app authenticates.
   * @default false
   */
  unsafe?: boolean;
  /**
   * The dashboard's title.
   * @default "everywhen"
   */
  title?: string;
  /**
   * Serve the dashboard page at the router's root (the JSON API is always served).
   * @default true
   */
  dashboard?: boolean;
  /**
   * The largest request body accepted, in bytes; larger bodies are refused with 413 before
   * authentication or parsing, while they stream in.
   * @default 1048576 (1 MiB)
   */
  bodyLimit?: number;
  /**
   * How long a dashboard session lasts after signing in. Sessions live in the store, so a
   * sign-out ends them in every process.
   * @default "PT12H"
   */
  sessionTtl?: DurationInput;
  /**
   * Trust the proxy in front: `X-Forwarded-Proto: https` marks the session cookie `Secure` and
   * `X-Forwarded-For` names the client for sign-in throttling. Only set it behind a proxy that
   * overwrites these headers.
   * @default false
   */
  trustProxy?: boolean;
  /**
   * The public path the router is served under, for mounts that strip their prefix (Hono's
   * `app.mount`); by default it is read from the route the router is mounted at.
   * @default undefined
   */
  basePath?: string;
}

const ROUTER_KEYS = [
  "token",
  "auth",
  "unsafe",
  "title",
  "dashboard",
  "bodyLimit",
  "sessionTtl",
  "trustProxy",
  "basePath",
] as const;
const SESSION_MS = 12 * 3_600_000;

/**
 * The admin router: a JSON API under `/api` and the dashboard at `/`. Mount it with
 * `app.route("/admin", adminRouter(...))`. Bad input answers 400 with
 * `{ error: { name, message } }`, unknown ids 404, and requests without valid credentials 401.
 *
 * @param scheduler The scheduler to administer.
 * @param options Authentication (required) and page options.
 * @returns A Hono app to mount.
 * @throws {TypeError} When no authentication is configured and `unsafe` is not set.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { Scheduler } from "everywhen";
 * import { adminRouter } from "everywhen/hono";
 * const app = new Hono();
 * app.route("/admin", adminRouter(new Scheduler(), { token: crypto.randomUUID() }));
 * ```
 */
export function adminRouter(scheduler: Scheduler, options: AdminRouterOptions): Hono {
  const { token, auth, unsafe = false, trustProxy = false, basePath } = checkKeys(
    options,
    ROUTER_KEYS,
    "admin router options",
  );
  const given = [token !== undefined, auth !== undefined, unsafe === true].filter(Boolean).length;
  if (given === 0) {
    throw new TypeError(
      "Admin router needs authentication: pass { token } or { auth } (or { unsafe: true } to serve it to anyone)",
    );
  }
  if (given > 1) {
    throw new TypeError("Invalid admin router options: give only one of token, auth and unsafe");
  }
  if (auth !== undefined && typeof auth !== "function") {
    throw new TypeError("Invalid auth: expected a Hono middleware function");
  }
  checkBoolean(trustProxy, "trustProxy");
  if (
    basePath !== undefined && (typeof basePath !== "string" || !/^(\/[^/\\]+)*$/.test(basePath))
  ) {
    throw new TypeError(
      `Invalid basePath: expected "" or a path such as "/admin", without a trailing slash`,
    );
  }
  const limit = bodyLimit(options.bodyLimit ?? DEFAULT_BODY_LIMIT);
  const ttl = durationOr(options.sessionTtl, "sessionTtl", SESSION_MS, false);
  // Built before the router, so a bad token is refused at construction.
  const tokens = token === undefined
    ? undefined
    : tokenAuthFor(token, schedulerMeta(scheduler), ttl, trustProxy);
  const router = new Hono();
  router.onError((error, c) => {
    // Thrown by middleware such as `basicAuth` to refuse a request: its own response.
    if (error instanceof HTTPException) return error.getResponse();
    if (statusOf(error) === 500) scheduler.reportError(error, `admin API ${c.req.path}`);
    return errorResponse(c, error);
  });
  router.use("*", mountPoint(basePath));
  router.use("*", limit);
  router.use("*", sameOrigin);
  if (tokens !== undefined) {
    router.post("/login", loginHandler(tokens));
    router.use("*", tokenAuth(tokens));
    router.post("/logout", logoutHandler(tokens));
  } else if (auth !== undefined) {
    router.use("*", auth);
  }
  if (options.dashboard ?? true) {
    const page = (c: Parameters<MiddlewareHandler>[0]) => {
      c.header("Cache-Control", "no-store");
      c.header("X-Frame-Options", "DENY");
      return c.html(
        dashboardPage(routerBase(c), {
          title: options.title ?? "everywhen",
          signOut: token !== undefined,
        }),
      );
    };
    router.get("/", page);
  }
  // What this router's API answers, read when asked: the dashboard offers only actions it has.
  router.get("/api/routes", (c) => c.json({ routes: apiRouteList(router) }));
  router.get("/api/events", (c) => eventStream(c, scheduler, sessionCheck(c)));
  apiRoutes(router, scheduler);
  router.get("/metrics", metricsHandler(scheduler));
  // Last, so it only sees what no route above answered (a mounted app's notFound is not used).
  router.all("*", (c) => {
    // `/admin/` to `/admin`: the target is the router's own base, never the request's path.
    const base = routerBase(c);
    if (c.req.method === "GET" && base !== "" && c.req.path === `${base}/`) {
      return c.redirect(base + new URL(c.req.url).search, 308);
    }
    const message = `No admin route: ${c.req.method} ${c.req.path}`;
    return c.json({ error: { name: "NotFound", message } }, 404);
  });
  return router;
}

/** @returns The router's API routes as `{ method, path }`, e.g. `POST /api/jobs/:id/cancel`. */
function apiRouteList(router: Hono): { method: string; path: string }[] {
  const seen = new Set<string>();
  return router.routes.filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (r.method === "ALL" || !r.path.startsWith("/api/") || seen.has(key)) return false;
    seen.add(key);
    return true;
  }).map((r) => ({ method: r.method, path: r.path }));
}
