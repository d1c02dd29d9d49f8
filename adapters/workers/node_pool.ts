/**
 * The worker primitive on Node: `node:worker_threads`. Node 22.18+ strips types in workers
 * too, so a TypeScript handler module loads as it does on the main thread.
 * @module
 */

import { Worker } from "node:worker_threads";
import type { SpawnWorker } from "../../src/engine/worker_pool.ts";
import type { FromWorker } from "../../src/engine/_worker_protocol.ts";

/**
 * @param bootstrap The bootstrap module (`_node_worker.ts`, or `.js` once built).
 * @returns A spawner of `node:worker_threads` workers running `bootstrap`.
 */
export function nodeSpawner(bootstrap: URL): SpawnWorker {
  return (events) => {
    const worker = new Worker(bootstrap);
    worker.on("message", (message: FromWorker) => events.message(message));
    worker.on("error", (error) => events.exit(`threw an uncaught ${error.name}: ${error.message}`));
    worker.on("exit", (code) => events.exit(`exited with code ${code}`));
    return {
      post: (message) => worker.postMessage(message),
      terminate: () => void worker.terminate(),
      // An idle pool must not keep the process alive; a running attempt must.
      keepAlive: (alive) => alive ? worker.ref() : worker.unref(),
    };
  };
}
