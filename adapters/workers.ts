/**
 * Handlers in workers: the {@linkcode ExecutorFactory} for the running runtime, picked once at
 * import like the timer is — `node:worker_threads` on Node, the web `Worker` on Deno and Bun,
 * and a refusal on Cloudflare Workers, which have no threads.
 *
 * @example
 * ```ts ignore
 * import { Scheduler } from "@everywhen/everywhen";
 * import { workerExecutor } from "@everywhen/everywhen/workers";
 *
 * const scheduler = new Scheduler({ executor: workerExecutor });
 * scheduler.task("resize", { module: new URL("./resize.ts", import.meta.url) }, { workers: 4 });
 * scheduler.start({ checkWorkers: true }); // load the module now: a broken one is reported
 * ```
 * @module
 */

import type { ExecutorFactory } from "../src/engine/executor.ts";
import { checkWorkerPoolOptions, noWorkers } from "../src/engine/handler_module.ts";
import { type SpawnWorker, WorkerPool } from "../src/engine/worker_pool.ts";

interface RuntimeGlobals {
  Deno?: unknown;
  Bun?: unknown;
  Worker?: unknown;
  navigator?: { userAgent?: string };
  process?: { versions?: { node?: string } };
}

const runtime = globalThis as RuntimeGlobals;
// Built to .js by the npm build: the bootstrap module has this module's extension.
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

async function spawner(): Promise<SpawnWorker | null> {
  if (runtime.navigator?.userAgent === "Cloudflare-Workers") return null;
  const web = runtime.Deno !== undefined || runtime.Bun !== undefined;
  if (web && typeof runtime.Worker === "function") {
    const { webSpawner } = await import("./workers/web_pool.ts");
    return webSpawner(new URL(`./workers/_web_worker${ext}`, import.meta.url));
  }
  if (runtime.process?.versions?.node !== undefined) {
    const { nodeSpawner } = await import("./workers/node_pool.ts");
    return nodeSpawner(new URL(`./workers/_node_worker${ext}`, import.meta.url));
  }
  return null;
}

const spawn = await spawner();

/**
 * Builds the worker pool of one task on this runtime; on a runtime without threads it throws a
 * `TypeError` saying so (call it when the task is registered).
 */
export const workerExecutor: ExecutorFactory = (task, handler, options) => {
  if (spawn === null) return noWorkers(task, handler, options);
  return new WorkerPool(task, handler, checkWorkerPoolOptions(options), spawn);
};
