/**
 * everywhen for Bun: serve a fetch handler (e.g. a Hono app with the admin router) with
 * `Bun.serve` while the scheduler runs, and stop gracefully on SIGTERM/SIGINT: the server stops
 * accepting, running jobs get a grace period to finish (then their signals abort and they are
 * recorded as cancelled), and the process exits with status 0.
 *
 * Bun's types are declared structurally here; `@types/bun` is not needed. For storage, the
 * SQLite store (`everywhen/sqlite`, over `node:sqlite`) runs on Bun unchanged.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { Scheduler } from "everywhen";
 * import { serveScheduler } from "everywhen/bun";
 *
 * const scheduler = new Scheduler();
 * const app = new Hono();
 * const { server } = serveScheduler(scheduler, { fetch: app.fetch, port: 3000 });
 * console.log(`listening on ${server.url}`);
 * ```
 * @module
 */

import process from "node:process";
import { checkKeys } from "../src/_keys.ts";
import type { Scheduler } from "../src/scheduler/scheduler.ts";
import type { DurationInput } from "../src/time.ts";
import {
  schedulerLifecycle,
  SHUTDOWN_KEYS,
  type SignalOptions,
  stopOnSignals,
} from "./lifecycle.ts";

export type { ShutdownSignal } from "./lifecycle.ts";

/** The part of Bun's `Server` used here. */
export interface BunServerLike {
  /** The bound port. */
  readonly port: number;
  /** The server's URL. */
  readonly url: URL;
  /** Stops listening; `true` also closes active connections. */
  stop(closeActiveConnections?: boolean): unknown;
}

/** Options for {@linkcode serveScheduler}. */
export interface BunServeOptions extends SignalOptions {
  /** The request handler, e.g. `app.fetch` of a Hono app. */
  fetch: (request: Request, server: BunServerLike) => Response | Promise<Response>;
  /**
   * The port; 0 picks a free one (read it from `server.port`).
   * @default 3000
   */
  port?: number;
  /**
   * The address to bind.
   * @default all interfaces
   */
  hostname?: string;
  /**
   * Seconds a connection may be idle; the dashboard's event stream sends a comment every 8 s.
   * @default 30
   */
  idleTimeout?: number;
  /**
   * Other `Bun.serve` options (e.g. `tls`), passed through.
   * @default {}
   */
  serveOptions?: Record<string, unknown>;
  /**
   * How long running jobs may take to finish before their signals abort.
   * @default 30000 (the same as `Scheduler.stop()`)
   */
  grace?: DurationInput;
  /**
   * Runs after the scheduler stopped, e.g. to close the store.
   * @default undefined
   */
  onStop?: () => unknown;
}

/** A running server with its scheduler. */
export interface BunSchedulerServer {
  /** Bun's server. */
  readonly server: BunServerLike;
  /** Stops the server and the scheduler gracefully (without exiting). */
  stop(): Promise<void>;
}

type BunServe = (config: Record<string, unknown>) => BunServerLike;
const SERVE_KEYS = [...SHUTDOWN_KEYS, "fetch", "port", "hostname", "idleTimeout", "serveOptions"];

/**
 * Serves `fetch` with `Bun.serve` and runs `scheduler` for the server's life, stopping both on
 * SIGTERM/SIGINT.
 * @param scheduler The scheduler; started here.
 * @param options The handler, port and shutdown options.
 * @returns The server and `stop`.
 * @throws {TypeError} When not running on Bun, without `fetch`, or on an unknown option.
 * @example
 * ```ts
 * import { Scheduler } from "everywhen";
 * import { serveScheduler } from "everywhen/bun";
 * const { server } = serveScheduler(new Scheduler(), { fetch: () => new Response("ok"), port: 0 });
 * console.log(server.port);
 * ```
 */
export function serveScheduler(
  scheduler: Scheduler,
  options: BunServeOptions,
): BunSchedulerServer {
  const {
    fetch,
    port = 3000,
    hostname,
    idleTimeout = 30,
    serveOptions,
    grace,
    onStop,
    ...signals
  } = checkKeys(options, SERVE_KEYS, "serveScheduler options");
  const bun = (globalThis as { Bun?: { serve: BunServe } }).Bun;
  if (typeof bun?.serve !== "function") {
    throw new TypeError("Cannot serve: Bun.serve is undefined (run under Bun, or use /node)");
  }
  if (typeof fetch !== "function") {
    throw new TypeError("Invalid serveScheduler options: expected a fetch function");
  }
  const server = bun.serve({
    ...serveOptions,
    fetch,
    port,
    idleTimeout,
    ...(hostname === undefined ? {} : { hostname }),
  });
  let closed: unknown;
  const life = schedulerLifecycle(scheduler, {
    close: () => void (closed = server.stop(false)),
    ...(grace === undefined ? {} : { grace }),
    onStop: async () => {
      // Long-lived responses (the dashboard's event stream) end when the scheduler stops;
      // whatever is still open a second later is closed.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
      server.stop(true);
      await onStop?.();
    },
  });
  life.start();
  return { server, stop: stopOnSignals(process, life.stop, signals) };
}
