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

import type { MiddlewareHandler } from "hono";
import { checkKeys } from "../src/_keys.ts";
import type { Scheduler } from "../src/scheduler/scheduler.ts";

export { adminRouter, type AdminRouterOptions } from "./hono/admin_router.ts";
export { bodyLimit, DEFAULT_BODY_LIMIT } from "./hono/body_limit.ts";
export { type LifecycleOptions, type SchedulerLifecycle, schedulerLifecycle } from "./lifecycle.ts";

/** The variables {@linkcode schedulerMiddleware} sets: `c.var.scheduler`. */
export interface SchedulerVariables {
  /**
   * The scheduler given to the middleware. Work started with `c.var.scheduler.spawn(…)` is not
   * tied to the request: it runs on after the response, and after the client disconnects.
   */
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
 * @throws {TypeError} On an unknown option.
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
  options?: SchedulerMiddlewareOptions,
): MiddlewareHandler<SchedulerEnv> {
  const { start = false } = checkKeys(options, ["start"], "scheduler middleware options");
  return async (c, next) => {
    if (start && scheduler.state === "idle") scheduler.start();
    c.set("scheduler", scheduler);
    await next();
  };
}
