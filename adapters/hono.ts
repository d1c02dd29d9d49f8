/**
 * everywhen for Hono: a middleware that puts the scheduler on `c.var.scheduler`, an admin
 * router (JSON API and a live dashboard page, authenticated), and a lifecycle helper that
 * starts the scheduler with the server and stops both gracefully.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { Scheduler } from "@everywhen/everywhen";
 * import { adminRouter, type SchedulerEnv, schedulerMiddleware } from "@everywhen/everywhen/hono";
 *
 * const scheduler = new Scheduler();
 * scheduler.task("email", (p: { to: string }) => ({ sent: p.to }));
 *
 * const app = new Hono<SchedulerEnv>();
 * app.use(schedulerMiddleware(scheduler));
 * app.post("/signup", async (c) => {
 *   const job = await c.var.scheduler.enqueue("email", { to: "a@example.com" }, { delay: 5000 });
 *   return c.json({ job: job.id }, 202);
 * });
 * app.route("/admin", adminRouter(scheduler, { token: "a-long-random-admin-token" }));
 * ```
 * @module
 */

import { Hono, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Scheduler } from "../src/scheduler/scheduler.ts";
import type { DurationInput } from "../src/time.ts";
import { apiRoutes } from "./hono/_api.ts";
import { loginHandler, logoutHandler, sameOrigin, tokenAuth, TokenChecker } from "./hono/_auth.ts";
import { basePath } from "./hono/_auth.ts";
import { dashboardPage } from "./hono/_dashboard.ts";
import { eventStream } from "./hono/_events.ts";
import { errorResponse, statusOf } from "./hono/_http.ts";

/** The variables {@linkcode schedulerMiddleware} sets: `c.var.scheduler`. */
export interface SchedulerVariables {
  /** The scheduler given to the middleware. */
  scheduler: Scheduler;
}

/** A Hono `Env` with the scheduler variable, for `new Hono<SchedulerEnv>()`. */
export interface SchedulerEnv {
  /** Context variables. */
  Variables: SchedulerVariables;
}

/** Options for {@linkcode schedulerMiddleware}. */
export interface SchedulerMiddlewareOptions {
  /**
   * Start the scheduler on the first request if it has not been started (for platforms
   * where there is no "server started" moment to hook into).
   * @default false
   */
  start?: boolean;
}

/**
 * Middleware that sets `c.var.scheduler`.
 * @param scheduler The scheduler.
 * @param options Whether to start it on the first request.
 * @returns The middleware.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { Scheduler } from "@everywhen/everywhen";
 * import { type SchedulerEnv, schedulerMiddleware } from "@everywhen/everywhen/hono";
 * const app = new Hono<SchedulerEnv>().use(schedulerMiddleware(new Scheduler()));
 * app.get("/jobs/:id", async (c) => c.json(await c.var.scheduler.getJob(c.req.param("id"))));
 * ```
 */
export function schedulerMiddleware(
  scheduler: Scheduler,
  options: SchedulerMiddlewareOptions = {},
): MiddlewareHandler<SchedulerEnv> {
  return async (c, next) => {
    if (options.start && scheduler.state === "idle") scheduler.start();
    c.set("scheduler", scheduler);
    await next();
  };
}

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
}

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
 * import { Scheduler } from "@everywhen/everywhen";
 * import { adminRouter } from "@everywhen/everywhen/hono";
 * const app = new Hono();
 * app.route("/admin", adminRouter(new Scheduler(), { token: crypto.randomUUID() }));
 * ```
 */
export function adminRouter(scheduler: Scheduler, options: AdminRouterOptions): Hono {
  const { token, auth, unsafe = false } = options ?? {};
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
  const router = new Hono();
  router.onError((error, c) => {
    // Thrown by middleware such as `basicAuth` to refuse a request: its own response.
    if (error instanceof HTTPException) return error.getResponse();
    if (statusOf(error) === 500) scheduler.reportError(error, `admin API ${c.req.path}`);
    return errorResponse(c, error);
  });
  router.use("*", sameOrigin);
  if (token !== undefined) {
    const checker = new TokenChecker(token);
    router.post("/login", loginHandler(checker));
    router.use("*", tokenAuth(checker));
    router.post("/logout", logoutHandler);
  } else if (auth !== undefined) {
    router.use("*", auth);
  }
  if (options.dashboard ?? true) {
    const page = (c: Parameters<MiddlewareHandler>[0]) => {
      c.header("Cache-Control", "no-store");
      c.header("X-Frame-Options", "DENY");
      return c.html(
        dashboardPage(basePath(c, "/"), {
          title: options.title ?? "everywhen",
          signOut: token !== undefined,
        }),
      );
    };
    router.get("/", page);
  }
  router.get("/api/events", (c) => eventStream(c, scheduler));
  apiRoutes(router, scheduler);
  // Last, so it only sees what no route above answered (a mounted app's notFound is not used).
  router.all("*", (c) => {
    const path = c.req.path;
    if (c.req.method === "GET" && path.length > 1 && path.endsWith("/")) {
      const url = new URL(c.req.url);
      return c.redirect(path.replace(/\/+$/, "") + url.search, 308);
    }
    const message = `No admin route: ${c.req.method} ${path}`;
    return c.json({ error: { name: "NotFound", message } }, 404);
  });
  return router;
}

/** Options for {@linkcode schedulerLifecycle}. */
export interface LifecycleOptions {
  /**
   * Stops the server from taking new requests (e.g. `() => server.shutdown()` on Deno).
   * @default undefined
   */
  close?: () => unknown;
  /**
   * How long running jobs may take to finish on stop before their signals abort.
   * @default 10000
   */
  grace?: DurationInput;
  /**
   * Runs after the scheduler has stopped, e.g. to close the store.
   * @default undefined
   */
  onStop?: () => unknown;
}

/** A scheduler tied to a server's life. */
export interface SchedulerLifecycle {
  /** Starts the scheduler (idempotent). */
  start(): void;
  /**
   * Closes the server, lets running jobs finish within the grace period (then aborts them),
   * stops the scheduler and runs `onStop`. Calling it again returns the same promise.
   */
  stop(): Promise<void>;
}

/**
 * Ties a scheduler to a server: `start()` when the server listens, `stop()` on shutdown.
 * @param scheduler The scheduler.
 * @param options How to close the server, the grace period, and what to run after.
 * @returns The lifecycle handle.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { Scheduler } from "@everywhen/everywhen";
 * import { schedulerLifecycle } from "@everywhen/everywhen/hono";
 * const scheduler = new Scheduler();
 * const server = Deno.serve({ port: 8000 }, new Hono().fetch);
 * const life = schedulerLifecycle(scheduler, { close: () => server.shutdown(), grace: 5000 });
 * life.start();
 * Deno.addSignalListener("SIGTERM", () => life.stop().then(() => Deno.exit(0)));
 * ```
 */
export function schedulerLifecycle(
  scheduler: Scheduler,
  options: LifecycleOptions = {},
): SchedulerLifecycle {
  let stopping: Promise<void> | null = null;
  return {
    start: () => void scheduler.start(),
    stop: () =>
      stopping ??= (async () => {
        const closed = Promise.resolve(options.close?.());
        await scheduler.stop({ grace: options.grace ?? 10_000 });
        await closed;
        await options.onStop?.();
      })(),
  };
}
