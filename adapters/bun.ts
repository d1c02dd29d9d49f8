/**
 * everywhen for Bun: serve a fetch handler (e.g. a Hono app with the admin router) with
 * `Bun.serve` while the scheduler runs, and stop gracefully on SIGTERM/SIGINT: the server stops
 * accepting, running jobs get a grace period to finish (then their signals abort and they are
 * recorded as cancelled), and the process exits with status 0.
 *
 * Bun's types are declared structurally here; `@types/bun` is not needed. For storage, the
 * SQLite store (`@everywhen/everywhen/sqlite`, over `node:sqlite`) runs on Bun unchanged.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { Scheduler } from "@everywhen/everywhen";
 * import { serveScheduler } from "@everywhen/everywhen/bun";
 *
 * const scheduler = new Scheduler();
 * const app = new Hono();
 * const { server } = serveScheduler(scheduler, { fetch: app.fetch, port: 3000 });
 * console.log(`listening on ${server.url}`);
 * ```
 * @module
 */

import process from "node:process";
import type { Scheduler } from "../src/scheduler/scheduler.ts";
import type { DurationInput } from "../src/time.ts";
import { shutdownOnSignals } from "../src/_shutdown.ts";

/** The part of Bun's `Server` used here. */
export interface BunServerLike {
  /** The bound port. */
  readonly port: number;
  /** The server's URL. */
  readonly url: URL;
  /** Stops listening; `true` also closes active connections. */
  stop(closeActiveConnections?: boolean): unknown;
}

/** The part of `Bun.serve`'s options used here. */
export interface BunServeConfig {
  /** The request handler. */
  fetch: (request: Request, server: BunServerLike) => Response | Promise<Response>;
  /** The port; 0 picks a free one. */
  port?: number;
  /** The address to bind. */
  hostname?: string;
  /** Seconds a connection may be idle. */
  idleTimeout?: number;
}

/** A signal that can start a shutdown. */
export type ShutdownSignal = "SIGTERM" | "SIGINT" | "SIGHUP" | "SIGQUIT" | "SIGUSR2";

/** Options for {@linkcode serveScheduler}. */
export interface BunServeOptions {
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
   * @default 10000
   */
  grace?: DurationInput;
  /**
   * Signals that start the shutdown; a second one forces exit with status 1.
   * @default ["SIGTERM", "SIGINT"]
   */
  signals?: readonly ShutdownSignal[];
  /**
   * Exit the process (status 0) once stopped after a signal.
   * @default true
   */
  exit?: boolean;
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

/**
 * Serves `fetch` with `Bun.serve` and runs `scheduler` for the server's life, stopping both on
 * SIGTERM/SIGINT.
 * @param scheduler The scheduler; started here.
 * @param options The handler, port and shutdown options.
 * @returns The server and `stop`.
 * @throws {TypeError} When not running on Bun.
 * @example
 * ```ts
 * import { Scheduler } from "@everywhen/everywhen";
 * import { serveScheduler } from "@everywhen/everywhen/bun";
 * const { server } = serveScheduler(new Scheduler(), { fetch: () => new Response("ok"), port: 0 });
 * console.log(server.port);
 * ```
 */
export function serveScheduler(
  scheduler: Scheduler,
  options: BunServeOptions,
): BunSchedulerServer {
  const bun = (globalThis as { Bun?: { serve(config: BunServeConfig): BunServerLike } }).Bun;
  if (typeof bun?.serve !== "function") {
    throw new TypeError("Cannot serve: Bun.serve is undefined (run under Bun, or use /node)");
  }
  if (typeof options?.fetch !== "function") {
    throw new TypeError("Invalid serveScheduler options: expected a fetch function");
  }
  const server = bun.serve({
    ...options.serveOptions,
    fetch: options.fetch,
    port: options.port ?? 3000,
    idleTimeout: options.idleTimeout ?? 30,
    ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
  });
  scheduler.start();
  const { stop } = shutdownOnSignals(
    process,
    options.signals ?? ["SIGTERM", "SIGINT"],
    async () => {
      const closed = server.stop(false);
      await scheduler.stop({ grace: options.grace ?? 10_000 });
      // Long-lived responses (the dashboard's event stream) end when the scheduler stops.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
      server.stop(true);
      await options.onStop?.();
    },
    options.exit !== false,
  );
  return { server, stop };
}
