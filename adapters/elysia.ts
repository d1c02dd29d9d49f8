/**
 * everywhen for Elysia (Bun): a plugin that puts the scheduler in every handler's context,
 * starts it when the app listens, stops it gracefully with the app (and on SIGTERM/SIGINT: the
 * server stops accepting, running jobs get the grace period, the process exits with status 0),
 * and mounts the admin API and dashboard under a prefix.
 *
 * `elysia` is an optional peer dependency: install it next to everywhen.
 *
 * @example
 * ```ts
 * import { Elysia } from "elysia";
 * import { Scheduler } from "everywhen";
 * import { everywhen } from "everywhen/elysia";
 *
 * const scheduler = new Scheduler();
 * scheduler.task("email", (p: { to: string }) => ({ sent: p.to }));
 *
 * new Elysia()
 *   .use(everywhen(scheduler, { admin: { token: "a-long-random-admin-token" } }))
 *   .post("/signup", async ({ scheduler }) => {
 *     const job = await scheduler.enqueue("email", { to: "a@example.com" });
 *     return { job: job.id };
 *   })
 *   .listen(3000);
 * ```
 * @module
 */

import process from "node:process";
import { Elysia } from "elysia";
import { checkKeys } from "../src/_keys.ts";
import type { Scheduler } from "../src/scheduler/scheduler.ts";
import type { DurationInput } from "../src/time.ts";
import { adminRouter, type AdminRouterOptions } from "./hono/admin_router.ts";
import {
  schedulerLifecycle,
  SHUTDOWN_KEYS,
  type SignalOptions,
  stopOnSignals,
} from "./lifecycle.ts";

export type { AdminRouterOptions } from "./hono/admin_router.ts";
export type { ShutdownSignal } from "./lifecycle.ts";

/** Options for {@linkcode everywhen}. */
export interface EverywhenPluginOptions extends SignalOptions {
  /**
   * Mount the admin API and dashboard (the Hono `adminRouter`) under `prefix`, with these
   * router options (authentication is required: `token`, `auth` or `unsafe`). Omit it to mount
   * nothing. `basePath` defaults to `prefix`.
   * @default undefined
   */
  admin?: AdminRouterOptions;
  /**
   * Where the admin router is mounted, e.g. `"/ops/scheduler"`.
   * @default "/admin"
   */
  prefix?: string;
  /**
   * Start the scheduler when the app starts listening.
   * @default true
   */
  start?: boolean;
  /**
   * How long running jobs may take to finish on shutdown before their signals abort.
   * @default 30000 (the same as `Scheduler.stop()`)
   */
  grace?: DurationInput;
  /**
   * Runs after the scheduler stopped, e.g. to close the store.
   * @default undefined
   */
  onStop?: () => unknown;
}

const PLUGIN_KEYS = [...SHUTDOWN_KEYS, "admin", "prefix", "start"];

/** The context the plugin adds: `({ scheduler }) => …` in every handler. */
export type EverywhenContext = {
  /** The scheduler given to the plugin. */
  scheduler: Scheduler;
};

/** The plugin's type: an Elysia instance whose handlers see {@linkcode EverywhenContext}. */
export type EverywhenPlugin = Elysia<
  "",
  // deno-lint-ignore ban-types
  { decorator: EverywhenContext; store: {}; derive: {}; resolve: {} }
>;

/** The part of Elysia's app the plugin's lifecycle hooks use (the app that listens). */
interface ListeningApp {
  server: { stop(closeActiveConnections?: boolean): unknown } | null;
  stop(closeActiveConnections?: boolean): Promise<unknown>;
}

/**
 * An Elysia plugin: `app.use(everywhen(scheduler, { admin: { token } }))`.
 * @param scheduler The scheduler; started when the app listens, stopped with it.
 * @param options The admin router and its prefix, the grace period and signal handling.
 * @returns The plugin.
 * @throws {TypeError} On an unknown option or a malformed prefix (and as `adminRouter` does).
 * @example
 * ```ts
 * import { Elysia } from "elysia";
 * import { Scheduler } from "everywhen";
 * import { everywhen } from "everywhen/elysia";
 * const app = new Elysia()
 *   .use(everywhen(new Scheduler(), { admin: { token: crypto.randomUUID() }, prefix: "/ops" }))
 *   .get("/pending", ({ scheduler }) => scheduler.countJobs({ status: "pending" }));
 * ```
 */
export function everywhen(
  scheduler: Scheduler,
  options: EverywhenPluginOptions = {},
): EverywhenPlugin {
  const { admin, prefix = "/admin", start = true, grace, onStop, ...signals } = checkKeys(
    options,
    PLUGIN_KEYS,
    "everywhen plugin options",
  );
  if (typeof prefix !== "string" || !/^(\/[^/\\*:?#]+)+$/.test(prefix)) {
    throw new TypeError(
      `Invalid prefix: expected a path such as "/admin", without a trailing slash: ${
        JSON.stringify(prefix)
      }`,
    );
  }
  let app: ListeningApp | null = null;
  let closing: unknown;
  const life = schedulerLifecycle(scheduler, {
    // On a signal the server is still up: stop taking requests (Elysia then runs the stop
    // hooks, below, which join this same shutdown). After `app.stop()` it is already down.
    close: () => {
      const server = app?.server;
      if (server) closing = app!.stop(false).then(() => server);
    },
    ...(grace === undefined ? {} : { grace }),
    onStop: async () => {
      // Long-lived responses (the dashboard's event stream) end when the scheduler stops;
      // whatever is still open a second later is closed.
      if (closing !== undefined) {
        const server = await Promise.race([closing, new Promise((r) => setTimeout(r, 1000))]);
        if (server === undefined) app?.server?.stop(true);
      }
      await onStop?.();
    },
  });
  let shutdown: (() => Promise<void>) | null = null;
  const plugin = new Elysia()
    .decorate("scheduler", scheduler)
    .onStart((listening) => {
      app = listening as unknown as ListeningApp;
      if (start) life.start();
      // Signals are handled from the moment the app listens, not from the plugin's creation.
      shutdown ??= stopOnSignals(process, life.stop, signals);
    })
    .onStop(() => (shutdown ?? life.stop)());
  if (admin !== undefined) {
    const router = adminRouter(scheduler, { basePath: prefix, ...admin });
    plugin.mount(prefix, router.fetch);
  }
  return plugin;
}
