/**
 * everywhen for Node.js (>= 22): serve a fetch handler (e.g. a Hono app with the admin router)
 * with `@hono/node-server` while the scheduler runs, and stop gracefully on SIGTERM/SIGINT:
 * the server stops accepting, running jobs get a grace period to finish (then their signals
 * abort and they are recorded as cancelled), and the process exits with status 0.
 *
 * The scheduler's own timers already come from the core (a timer chain on unref'd timers).
 *
 * @example
 * ```ts
 * import { serve } from "@hono/node-server";
 * import { Hono } from "hono";
 * import { Scheduler } from "@everywhen/everywhen";
 * import { serveScheduler } from "@everywhen/everywhen/node";
 *
 * const scheduler = new Scheduler();
 * const app = new Hono();
 * serveScheduler(scheduler, { fetch: app.fetch, serve, port: 3000 });
 * ```
 * @module
 */

import process from "node:process";
import type { Scheduler } from "../src/scheduler/scheduler.ts";
import type { DurationInput } from "../src/time.ts";
import { shutdownOnSignals } from "../src/_shutdown.ts";

/** The part of a Node HTTP server used here (`http.Server` satisfies it). */
export interface NodeServerLike {
  /** Stops accepting connections. */
  close(callback?: (error?: Error) => void): unknown;
  /** Closes keep-alive connections that carry no request. */
  closeIdleConnections?(): void;
  /** Closes every connection (after the grace period). */
  closeAllConnections?(): void;
}

/** Where the server listens. */
export interface ListenInfo {
  /** The bound port (the real one when `port` was 0). */
  port: number;
  /** The bound address. */
  address: string;
}

/** A `serve` function shaped like `@hono/node-server`'s. */
export type NodeServe = (
  options: {
    fetch: (request: Request) => Response | Promise<Response>;
    port?: number;
    hostname?: string;
  },
  listening?: (info: ListenInfo) => void,
) => NodeServerLike;

/** A signal that can start a shutdown. */
export type ShutdownSignal = "SIGTERM" | "SIGINT" | "SIGHUP" | "SIGQUIT" | "SIGUSR2";

/** Options for {@linkcode gracefulShutdown}. */
export interface ShutdownOptions {
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
   * Runs first, e.g. to stop a server from taking new requests.
   * @default undefined
   */
  beforeStop?: () => unknown;
  /**
   * Runs after the scheduler stopped, e.g. to close the store.
   * @default undefined
   */
  onStop?: () => unknown;
}

/**
 * Stops `scheduler` gracefully when the process receives a signal.
 * @param scheduler The scheduler.
 * @param options Grace period, signals and hooks.
 * @returns `stop`, to run the same shutdown without a signal (it never exits the process).
 * @example
 * ```ts
 * import { Scheduler } from "@everywhen/everywhen";
 * import { gracefulShutdown } from "@everywhen/everywhen/node";
 * const scheduler = new Scheduler({ keepAlive: true }).start();
 * gracefulShutdown(scheduler, { grace: "PT30S" });
 * ```
 */
export function gracefulShutdown(
  scheduler: Scheduler,
  options: ShutdownOptions = {},
): { stop: () => Promise<void> } {
  return shutdownOnSignals(process, options.signals ?? ["SIGTERM", "SIGINT"], async () => {
    await options.beforeStop?.();
    await scheduler.stop({ grace: options.grace ?? 10_000 });
    await options.onStop?.();
  }, options.exit !== false);
}

/** Options for {@linkcode serveScheduler}. */
export interface NodeServeOptions extends Omit<ShutdownOptions, "beforeStop"> {
  /** The request handler, e.g. `app.fetch` of a Hono app. */
  fetch: (request: Request) => Response | Promise<Response>;
  /** `serve` from `@hono/node-server` (or any function of the same shape). */
  serve: NodeServe;
  /**
   * The port; 0 picks a free one (see `onListen`).
   * @default 3000
   */
  port?: number;
  /**
   * The address to bind.
   * @default all interfaces
   */
  hostname?: string;
  /**
   * Called once the server listens.
   * @default undefined
   */
  onListen?: (info: ListenInfo) => void;
}

/** A running server with its scheduler. */
export interface NodeSchedulerServer {
  /** The Node server. */
  readonly server: NodeServerLike;
  /** Resolves once the server listens. */
  readonly listening: Promise<ListenInfo>;
  /** Closes the server and stops the scheduler gracefully (without exiting). */
  stop(): Promise<void>;
}

/**
 * Serves `fetch` and runs `scheduler` for the server's life, stopping both on SIGTERM/SIGINT.
 * @param scheduler The scheduler; started here.
 * @param options The handler, `serve`, port and shutdown options.
 * @returns The server, a promise of its address, and `stop`.
 * @example
 * ```ts
 * import { serve } from "@hono/node-server";
 * import { Scheduler } from "@everywhen/everywhen";
 * import { serveScheduler } from "@everywhen/everywhen/node";
 * const { listening } = serveScheduler(new Scheduler(), {
 *   fetch: () => new Response("ok"),
 *   serve,
 *   port: 0,
 * });
 * console.log((await listening).port);
 * ```
 */
export function serveScheduler(
  scheduler: Scheduler,
  options: NodeServeOptions,
): NodeSchedulerServer {
  if (typeof options?.serve !== "function" || typeof options.fetch !== "function") {
    throw new TypeError(
      'Invalid serveScheduler options: expected fetch and serve (import { serve } from "@hono/node-server")',
    );
  }
  let resolve!: (info: ListenInfo) => void;
  const listening = new Promise<ListenInfo>((r) => (resolve = r));
  const server = options.serve(
    {
      fetch: options.fetch,
      port: options.port ?? 3000,
      ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
    },
    (info) => {
      resolve({ port: info.port, address: info.address });
      options.onListen?.({ port: info.port, address: info.address });
    },
  );
  scheduler.start();
  const { stop } = gracefulShutdown(scheduler, {
    ...options,
    beforeStop: () => {
      server.close();
      server.closeIdleConnections?.();
    },
    onStop: async () => {
      // Long-lived responses (the dashboard's event stream) end when the scheduler stops.
      server.closeAllConnections?.();
      await options.onStop?.();
    },
  });
  return { server, listening, stop };
}
