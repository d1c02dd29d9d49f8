/**
 * everywhen for Node.js (>= 22): serve a fetch handler (e.g. a Hono app with the admin router)
 * with `@hono/node-server` while the scheduler runs, and stop gracefully on SIGTERM/SIGINT:
 * the server stops accepting, running jobs get a grace period to finish (then their signals
 * abort and they are recorded as cancelled), and the process exits with status 0.
 *
 * @example
 * ```ts
 * import { serve } from "@hono/node-server";
 * import { Hono } from "hono";
 * import { Scheduler } from "everywhen";
 * import { serveScheduler } from "everywhen/node";
 *
 * const scheduler = new Scheduler();
 * const app = new Hono();
 * serveScheduler(scheduler, { fetch: app.fetch, serve, port: 3000 });
 * ```
 * @module
 */

import process from "node:process";
import { checkKeys } from "../src/_keys.ts";
import type { Scheduler } from "../src/scheduler/scheduler.ts";
import {
  type LifecycleOptions,
  schedulerLifecycle,
  SHUTDOWN_KEYS,
  type SignalOptions,
  stopOnSignals,
} from "./lifecycle.ts";
import { listenError, type NodeServe, type NodeServerLike } from "./node_server.ts";

export type { ShutdownSignal } from "./lifecycle.ts";
export type { ListenInfo, NodeServe, NodeServerLike } from "./node_server.ts";

/** Options for {@linkcode gracefulShutdown}. */
export interface ShutdownOptions extends SignalOptions, Omit<LifecycleOptions, "close"> {
  /**
   * Runs first, e.g. to stop a server from taking new requests.
   * @default undefined
   */
  beforeStop?: () => unknown;
}

/**
 * Stops `scheduler` gracefully when the process receives a signal.
 * @param scheduler The scheduler.
 * @param options Grace period (default 30 s), signals and hooks.
 * @returns `stop`, to run the same shutdown without a signal (it never exits the process).
 * @throws {TypeError} On an unknown option.
 * @example
 * ```ts
 * import { Scheduler } from "everywhen";
 * import { gracefulShutdown } from "everywhen/node";
 * const scheduler = new Scheduler().start();
 * gracefulShutdown(scheduler, { grace: "PT30S" });
 * ```
 */
export function gracefulShutdown(
  scheduler: Scheduler,
  options?: ShutdownOptions,
): { stop: () => Promise<void> } {
  const { beforeStop, grace, onStop, ...signals } = checkKeys(
    options,
    [...SHUTDOWN_KEYS, "beforeStop"],
    "gracefulShutdown options",
  );
  const life = schedulerLifecycle(scheduler, {
    ...(beforeStop === undefined ? {} : { close: beforeStop }),
    ...(grace === undefined ? {} : { grace }),
    ...(onStop === undefined ? {} : { onStop }),
  });
  return { stop: stopOnSignals(process, life.stop, signals) };
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
  onListen?: (info: { port: number; address: string }) => void;
}

/** A running server with its scheduler. */
export interface NodeSchedulerServer {
  /** The Node server. */
  readonly server: NodeServerLike;
  /**
   * Resolves once the server listens; rejects when it cannot (e.g. the port is taken, with a
   * message naming the port and how to choose another), after stopping the scheduler.
   */
  readonly listening: Promise<{ port: number; address: string }>;
  /** Closes the server and stops the scheduler gracefully (without exiting). */
  stop(): Promise<void>;
}

const SERVE_KEYS = [...SHUTDOWN_KEYS, "fetch", "serve", "port", "hostname", "onListen"];

/**
 * Serves `fetch` and runs `scheduler` for the server's life, stopping both on SIGTERM/SIGINT.
 * @param scheduler The scheduler; started here.
 * @param options The handler, `serve`, port and shutdown options.
 * @returns The server, a promise of its address, and `stop`.
 * @throws {TypeError} Without `fetch` or `serve`, or on an unknown option.
 * @example
 * ```ts
 * import { serve } from "@hono/node-server";
 * import { Scheduler } from "everywhen";
 * import { serveScheduler } from "everywhen/node";
 * const { listening, stop } = serveScheduler(new Scheduler(), {
 *   fetch: () => new Response("ok"),
 *   serve,
 *   port: 0,
 * });
 * console.log((await listening).port);
 * await stop();
 * ```
 */
export function serveScheduler(
  scheduler: Scheduler,
  options: NodeServeOptions,
): NodeSchedulerServer {
  const { fetch, serve, port = 3000, hostname, onListen, onStop, ...shutdown } = checkKeys(
    options,
    SERVE_KEYS,
    "serveScheduler options",
  );
  if (typeof serve !== "function" || typeof fetch !== "function") {
    throw new TypeError(
      'Invalid serveScheduler options: expected fetch and serve (import { serve } from "@hono/node-server")',
    );
  }
  const { promise: listening, resolve, reject } = Promise.withResolvers<
    { port: number; address: string }
  >();
  const server = serve({ fetch, port, ...(hostname === undefined ? {} : { hostname }) }, (info) => {
    resolve({ port: info.port, address: info.address });
    onListen?.({ port: info.port, address: info.address });
  });
  scheduler.start();
  const { stop } = gracefulShutdown(scheduler, {
    ...shutdown,
    beforeStop: () => {
      server.close();
      server.closeIdleConnections?.();
    },
    onStop: async () => {
      // Long-lived responses (the dashboard's event stream) end when the scheduler stops.
      server.closeAllConnections?.();
      await onStop?.();
    },
  });
  // A port in use is an 'error' event: without a listener it is a raw stack trace and exit.
  server.on?.("error", (error: unknown) => {
    reject(listenError(error, port));
    void stop();
  });
  return { server, listening, stop };
}
