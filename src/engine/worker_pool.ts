/**
 * A pool of workers running one task's handler module, over a tiny per-runtime primitive
 * ({@linkcode SpawnWorker}) that adapters supply: `node:worker_threads` on Node, the web `Worker`
 * on Deno and Bun. Workers start lazily up to the limit, attempts queue while all are busy, a
 * worker that ignores an abort past the grace period is terminated, and a worker that crashes
 * fails its attempt; either way the next attempt gets a fresh worker and the process lives on.
 * @module
 */

import type { JsonValue } from "../json.ts";
import type {
  Executor,
  ExecutorHooks,
  ExecutorJob,
  ResolvedHandlerModule,
  WorkerPoolOptions,
} from "./executor.ts";
import { fromWire, type FromWorker, toWire, type ToWorker } from "./_worker_protocol.ts";
import { systemClock, type TimerHandle } from "../clock.ts";

// Grace periods come from users (up to MAX_DURATION_MS): the clock chains past setTimeout's limit.
const timers = systemClock();

/** One worker thread as the pool drives it. */
export interface WorkerThread {
  /** Posts a message to the worker. */
  post(message: ToWorker): void;
  /** Stops the worker at once; idempotent. */
  terminate(): void;
  /** Whether the worker should keep the process alive (Node `ref`/`unref`); optional. */
  keepAlive?(alive: boolean): void;
}

/** What a spawned worker reports. */
export interface WorkerEvents {
  /** A message from the worker. */
  message(message: FromWorker): void;
  /** The worker is gone or broken, e.g. `"exited with code 3"`; reported at most once. */
  exit(description: string): void;
}

/** Starts one worker running the pool's bootstrap module. */
export type SpawnWorker = (events: WorkerEvents) => WorkerThread;

interface Attempt {
  id: number;
  job: ExecutorJob;
  hooks: ExecutorHooks;
  resolve(result: JsonValue): void;
  reject(error: unknown): void;
  onAbort(): void;
  slot?: Slot;
  graceTimer?: TimerHandle;
}

interface Slot {
  thread: WorkerThread;
  state: "starting" | "idle" | "busy" | "gone";
  ready: PromiseWithResolvers<void>;
  attempt?: Attempt | undefined;
}

/** Runs a task's attempts in up to `workers` workers; see the module doc. */
export class WorkerPool implements Executor {
  #task: string;
  #handler: ResolvedHandlerModule;
  #options: Required<WorkerPoolOptions>;
  #spawn: SpawnWorker;
  #slots = new Set<Slot>();
  #queue: Attempt[] = [];
  #nextId = 1;
  #closed = false;
  #drained: PromiseWithResolvers<void> | undefined;

  /**
   * Creates a pool; no worker starts before the first `run()` or `check()`.
   * @param task The task's name, for messages.
   * @param handler The checked handler module.
   * @param options The checked pool options.
   * @param spawn The runtime's worker primitive.
   */
  constructor(
    task: string,
    handler: ResolvedHandlerModule,
    options: Required<WorkerPoolOptions>,
    spawn: SpawnWorker,
  ) {
    this.#task = task;
    this.#handler = handler;
    this.#options = options;
    this.#spawn = spawn;
  }

  /** Runs one attempt in a worker; see {@linkcode Executor.run}. */
  run(job: ExecutorJob, hooks: ExecutorHooks): Promise<JsonValue> {
    if (this.#closed) {
      return Promise.reject(
        new Error(`Cannot run job ${job.jobId}: the worker pool of task ${this.#name} is closed`),
      );
    }
    if (hooks.signal.aborted) return Promise.reject(hooks.signal.reason);
    const { promise, resolve, reject } = Promise.withResolvers<JsonValue>();
    const attempt: Attempt = {
      id: this.#nextId++,
      job,
      hooks,
      resolve,
      reject,
      onAbort: () => this.#abort(attempt),
    };
    hooks.signal.addEventListener("abort", attempt.onAbort, { once: true });
    this.#queue.push(attempt);
    this.#pump();
    return promise;
  }

  /** Starts a worker (unless one is up) and resolves once it has loaded the handler module. */
  async check(): Promise<void> {
    if (this.#closed) throw new Error(`The worker pool of task ${this.#name} is closed`);
    for (const slot of this.#slots) if (slot.state !== "starting") return;
    const starting = [...this.#slots].find((slot) => slot.state === "starting");
    await (starting ?? this.#start()).ready.promise;
  }

  /** Closes the pool; see {@linkcode Executor.close}. */
  async close(grace: number): Promise<void> {
    this.#closed = true;
    if (this.#queue.length > 0 || [...this.#slots].some((slot) => slot.attempt)) {
      this.#drained ??= Promise.withResolvers();
      let timer: TimerHandle | undefined;
      const expired = new Promise<void>((resolve) => timer = timers.setTimer(resolve, grace));
      await Promise.race([this.#drained.promise, expired]);
      if (timer !== undefined) timers.clearTimer(timer);
    }
    const closed = new Error(`The worker pool of task ${this.#name} was closed`);
    for (const attempt of this.#queue.splice(0)) this.#settle(attempt, closed, true);
    for (const slot of this.#slots) {
      if (slot.attempt) this.#settle(slot.attempt, closed, true);
      this.#drop(slot);
    }
  }

  get #name(): string {
    return JSON.stringify(this.#task);
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const idle = [...this.#slots].find((slot) => slot.state === "idle");
      if (idle) {
        this.#assign(idle, this.#queue.shift()!);
        continue;
      }
      const starting = [...this.#slots].filter((slot) => slot.state === "starting").length;
      if (starting >= this.#queue.length || this.#slots.size >= this.#options.workers) break;
      this.#start();
    }
    if (this.#drained && this.#queue.length === 0 && ![...this.#slots].some((s) => s.attempt)) {
      this.#drained.resolve();
    }
  }

  #start(): Slot {
    const slot = { state: "starting", ready: Promise.withResolvers<void>() } as Slot;
    slot.ready.promise.catch(() => {}); // a load error reaches callers through their attempts
    slot.thread = this.#spawn({
      message: (message) => this.#receive(slot, message),
      exit: (description) => this.#exited(slot, description),
    });
    this.#slots.add(slot);
    slot.thread.post({ type: "load", url: this.#handler.url, export: this.#handler.export });
    return slot;
  }

  #receive(slot: Slot, message: FromWorker): void {
    if (slot.state === "gone") return;
    if (message.type === "ready") {
      slot.state = "idle";
      slot.thread.keepAlive?.(false);
      slot.ready.resolve();
      this.#pump();
    } else if (message.type === "load-error") {
      this.#loadFailed(slot, fromWire(message.error));
    } else if (message.type === "exit") {
      this.#exited(slot, `exited with code ${message.code}`);
    } else if (message.type === "uncaught") {
      this.#exited(slot, `threw an uncaught ${message.error.name}: ${message.error.message}`);
    } else if (slot.attempt?.id === message.run) {
      const attempt = slot.attempt;
      if (message.type === "progress") {
        Promise.resolve().then(() => attempt.hooks.progress(message.value)).catch(() => {});
        return;
      }
      slot.attempt = undefined;
      slot.state = "idle";
      slot.thread.keepAlive?.(false);
      if (message.type === "done") this.#settle(attempt, message.result, false);
      else this.#settle(attempt, fromWire(message.error), true);
      this.#pump();
    }
  }

  #loadFailed(slot: Slot, cause: Error): void {
    const { url, export: name } = this.#handler;
    const error = new Error(
      `Cannot load handler module ${url} (export ${
        JSON.stringify(name)
      }) for task ${this.#name}: ${cause.message}`,
      { cause },
    );
    this.#drop(slot);
    slot.ready.reject(error);
    // The module is the same for every worker: the attempts waiting for one would fail alike.
    for (const attempt of this.#queue.splice(0)) this.#settle(attempt, error, true);
    this.#pump();
  }

  #exited(slot: Slot, description: string): void {
    if (slot.state === "gone") return;
    if (slot.state === "starting") {
      return this.#loadFailed(slot, new Error(`the worker ${description} while loading it`));
    }
    const attempt = slot.attempt;
    this.#drop(slot);
    if (attempt) {
      const { url } = this.#handler;
      this.#settle(
        attempt,
        new Error(
          `The worker running task ${this.#name} (module ${url}) ${description} during job ${attempt.job.jobId} (attempt ${attempt.job.attempt})`,
        ),
        true,
      );
    }
    this.#pump();
  }

  #assign(slot: Slot, attempt: Attempt): void {
    slot.state = "busy";
    slot.attempt = attempt;
    attempt.slot = slot;
    slot.thread.keepAlive?.(true);
    slot.thread.post({ type: "run", run: attempt.id, job: attempt.job });
  }

  #abort(attempt: Attempt): void {
    const slot = attempt.slot;
    if (!slot) {
      this.#queue.splice(this.#queue.indexOf(attempt), 1);
      this.#settle(attempt, attempt.hooks.signal.reason, true);
      return this.#pump();
    }
    slot.thread.post({
      type: "abort",
      run: attempt.id,
      reason: toWire(attempt.hooks.signal.reason),
    });
    // A handler that ignores its signal (or is stuck in a loop) only stops with its thread.
    attempt.graceTimer = timers.setTimer(() => {
      if (slot.attempt !== attempt) return;
      this.#drop(slot);
      this.#settle(attempt, attempt.hooks.signal.reason, true);
      this.#pump();
    }, this.#options.abortGrace);
  }

  #settle(attempt: Attempt, value: unknown, failed: boolean): void {
    if (attempt.graceTimer !== undefined) timers.clearTimer(attempt.graceTimer);
    attempt.hooks.signal.removeEventListener("abort", attempt.onAbort);
    if (failed) attempt.reject(value);
    else attempt.resolve(value as JsonValue);
  }

  #drop(slot: Slot): void {
    slot.state = "gone";
    slot.attempt = undefined;
    this.#slots.delete(slot);
    slot.thread.terminate();
  }
}
