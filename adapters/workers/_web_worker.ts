/**
 * The bootstrap module of a web `Worker` (Deno, Bun): connects the worker side of the pool to
 * the worker's global scope.
 * @module
 */

import process from "node:process";
import { serveWorker } from "../../src/engine/_worker_serve.ts";
import { type FromWorker, toWire, type ToWorker } from "../../src/engine/_worker_protocol.ts";

interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ToWorker>) => void): void;
  addEventListener(type: "error", listener: (event: ErrorEvent) => void): void;
  addEventListener(
    type: "unhandledrejection",
    listener: (event: PromiseRejectionEvent) => void,
  ): void;
  close?(): void;
}

const scope = globalThis as unknown as WorkerScope;
const post = (message: FromWorker): void => scope.postMessage(message);

// A web worker that closes itself or calls process.exit() ends silently on Deno (no event
// reaches the parent), so its running attempt would hang: say so before going. (Bun has no
// `close` on the worker scope, and reports exits with a `close` event on the Worker.)
const close = scope.close?.bind(scope);
if (close) {
  scope.close = () => {
    post({ type: "exit", code: 0 });
    close();
  };
}
process.on("exit", (code) => post({ type: "exit", code }));
// The parent's ErrorEvent carries only a message (on Bun, with the source quoted around it):
// report the thrown value itself. The pool then replaces this worker, as Node would.
scope.addEventListener(
  "error",
  (e) => post({ type: "uncaught", error: toWire(e.error ?? e.message) }),
);
scope.addEventListener(
  "unhandledrejection",
  (e) => post({ type: "uncaught", error: toWire(e.reason) }),
);

serveWorker({
  post,
  listen: (listener) => scope.addEventListener("message", (e) => listener(e.data)),
});
