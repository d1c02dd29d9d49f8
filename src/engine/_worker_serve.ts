/**
 * The worker side of a worker pool, independent of the runtime: loads the handler module when
 * the pool says so, then runs one attempt at a time with a context shaped like an in-process
 * handler's (`signal`, `progress`, `jobId`, `scheduleId`, `scheduledAt`, `attempt`). The
 * runtime's bootstrap (adapters/workers/) only connects it to its message port.
 * @module
 */

import { assertJson, type JsonValue } from "../json.ts";
import { Temporal } from "../temporal.ts";
import { fromWire, type FromWorker, toWire, type ToWorker } from "./_worker_protocol.ts";

/** A worker's end of the channel to its pool. */
export interface WorkerEnd {
  /** Posts a message to the pool. */
  post(message: FromWorker): void;
  /** Calls `listener` with every message from the pool. */
  listen(listener: (message: ToWorker) => void): void;
}

/**
 * The handler's context in a worker: the same shape as `TaskContext` (src/types.ts), written out
 * here so that the worker's module graph, type-checked per worker under `deno test`, stays small;
 * tests/worker_pool.test.ts checks the two stay assignable.
 */
export interface WorkerContext {
  readonly signal: AbortSignal;
  readonly jobId: string;
  readonly scheduleId: string | null;
  readonly scheduledAt: Temporal.Instant;
  readonly attempt: number;
  progress(value: JsonValue): Promise<void>;
}

type Handler = (payload: unknown, ctx: WorkerContext) => unknown;

/** Serves a pool over `end` until the worker is terminated. */
export function serveWorker(end: WorkerEnd): void {
  let handler: Handler | undefined;
  const running = new Map<number, AbortController>();

  async function load(url: string, name: string): Promise<void> {
    try {
      const module = await import(url) as Record<string, unknown>;
      const found = module[name];
      if (typeof found !== "function") {
        throw new TypeError(
          `The module has no function export ${JSON.stringify(name)} (exports: ${
            Object.keys(module).join(", ") || "none"
          })`,
        );
      }
      handler = found as Handler;
      end.post({ type: "ready" });
    } catch (error) {
      end.post({ type: "load-error", error: toWire(error) });
    }
  }

  async function run(id: number, job: Extract<ToWorker, { type: "run" }>["job"]): Promise<void> {
    const controller = new AbortController();
    running.set(id, controller);
    const ctx: WorkerContext = {
      signal: controller.signal,
      jobId: job.jobId,
      scheduleId: job.scheduleId,
      scheduledAt: Temporal.Instant.fromEpochMilliseconds(job.scheduledAt),
      attempt: job.attempt,
      progress(value) {
        // Checked here, where the handler can catch it, rather than failing in the pool.
        end.post({ type: "progress", run: id, value: assertJson(value, "progress value") });
        return Promise.resolve();
      },
    };
    try {
      const result = assertJson(await handler!(job.payload, ctx), "result");
      end.post({ type: "done", run: id, result });
    } catch (error) {
      end.post({ type: "failed", run: id, error: toWire(error) });
    } finally {
      running.delete(id);
    }
  }

  end.listen((message) => {
    if (message.type === "load") void load(message.url, message.export);
    else if (message.type === "run") void run(message.run, message.job);
    else running.get(message.run)?.abort(fromWire(message.reason));
  });
}
