/**
 * The bootstrap module of a `node:worker_threads` worker: connects the worker side of the pool
 * to the parent port.
 * @module
 */

import { parentPort } from "node:worker_threads";
import { serveWorker } from "../../src/engine/_worker_serve.ts";
import type { ToWorker } from "../../src/engine/_worker_protocol.ts";

const port = parentPort!;
serveWorker({
  post: (message) => port.postMessage(message),
  listen: (listener) => port.on("message", (message: ToWorker) => listener(message)),
});
