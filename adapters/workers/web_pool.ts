/**
 * The worker primitive on Deno and Bun: the web-standard module `Worker`.
 * @module
 */

import type { SpawnWorker } from "../../src/engine/worker_pool.ts";
import type { FromWorker } from "../../src/engine/_worker_protocol.ts";

/** Bun's `Worker` has `ref`/`unref` and a `close` event; Deno's has neither. */
interface RuntimeWorker extends Worker {
  ref?(): void;
  unref?(): void;
}

/**
 * @param bootstrap The bootstrap module (`_web_worker.ts`, or `.js` once built).
 * @returns A spawner of module workers running `bootstrap`.
 */
export function webSpawner(bootstrap: URL): SpawnWorker {
  return (events) => {
    const worker: RuntimeWorker = new Worker(bootstrap, { type: "module" });
    worker.addEventListener("message", (e: MessageEvent<FromWorker>) => events.message(e.data));
    worker.addEventListener("error", (e: ErrorEvent) => {
      // Unhandled, a worker's error would propagate to the main thread and end the process.
      e.preventDefault();
      // The worker reports the error itself first (with its name); this is the fallback.
      events.exit(`threw an uncaught error: ${e.message}`);
    });
    worker.addEventListener("close", (e) => {
      events.exit(`exited with code ${(e as Event & { code?: number }).code ?? 0}`);
    });
    return {
      post: (message) => worker.postMessage(message),
      terminate: () => worker.terminate(),
      keepAlive: (alive) => alive ? worker.ref?.() : worker.unref?.(),
    };
  };
}
