/**
 * The bootstrap module of a web `Worker` (Deno, Bun): connects the worker side of the pool to
 * the worker's global scope.
 * @module
 */

import process from "node:process";
import { serveWorker } from "../../src/engine/_worker_serve.ts";
import type { FromWorker, ToWorker } from "../../src/engine/_worker_protocol.ts";

interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ToWorker>) => void): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;
const post = (message: FromWorker): void => scope.postMessage(message);

// A web worker that closes itself or calls process.exit() ends silently on Deno (no event
// reaches the parent), so its running attempt would hang: say so before going.
const close = scope.close.bind(scope);
scope.close = () => {
  post({ type: "exit", code: 0 });
  close();
};
process.on("exit", (code) => post({ type: "exit", code }));

serveWorker({ post, listen: (listener) => scope.addEventListener("message", (e) => listener(e.data)) });
