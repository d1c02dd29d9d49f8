/**
 * `scheduler.spawn()`: ad-hoc background work (aiojobs' `spawn`). A closure runs under the same
 * per-process concurrency limit as jobs, is not persisted, and is counted by `stop({ grace })`:
 * waited for up to the grace period, then its signal aborts (aiojobs' `wait_and_close`). A
 * failure nobody awaits is reported as `scheduler:error`, never as an unhandled rejection.
 *
 * Slots: spawned work and jobs share `concurrency`. By default `spawn` waits for a free slot
 * (work waiting holds back the claiming of new jobs, so it is not starved), up to
 * `spawnPendingLimit` waiting closures; beyond that, or with `{ wait: false }` when no slot is
 * free, it refuses with a `QueueFullError`.
 * @module
 */

import type { Clock } from "../clock.ts";
import { QueueFullError, SchedulerStoppedError } from "../errors.ts";
import { checkKeys } from "../_keys.ts";
import { checkBoolean, durationOr } from "../_options.ts";
import type { DurationInput } from "../time.ts";

/** Options of `scheduler.spawn()`. */
export interface SpawnOptions {
  /** A name for messages and the logger. @default "spawned work" */
  name?: string;
  /** Aborts the closure's signal after this long; `result()` rejects with a `TimeoutError`. */
  timeout?: DurationInput;
  /**
   * `true`: wait for a free slot (up to the pending limit). `false`: refuse with a
   * `QueueFullError` when every slot is taken. @default true
   */
  wait?: boolean;
}

/** A handle on spawned work. */
export interface SpawnHandle<T> {
  /** The work's name. */
  readonly name: string;
  /** Resolves with what the closure returned; rejects with its error, timeout or cancellation. */
  result(): Promise<T>;
  /** Aborts the closure's signal; `result()` rejects with `reason`. No-op once settled. */
  cancel(reason?: unknown): void;
}

/** What the spawner needs from the scheduler. */
export interface SpawnerDeps {
  clock: Clock;
  concurrency: number;
  pendingLimit: number;
  /** Slots jobs hold in this process: running, or reserved by a claim in flight. */
  busySlots(): number;
  /** A slot was freed or released: the engine may claim again. */
  kick(): void;
  /** Reports a failure nobody awaited. */
  reportError(error: unknown, context: string): void;
  /** Hands the work's settling to the platform (Workers' `ctx.waitUntil`). */
  waitUntil: ((promise: Promise<unknown>) => void) | undefined;
}

interface Work {
  name: string;
  start(): void;
  cancel(reason: unknown): void;
  /** Settles (never rejects) once the work's outcome is known. */
  done: Promise<unknown>;
}

const SPAWN_KEYS = ["name", "timeout", "wait"] as const;

/** Runs and tracks spawned work; see the module doc. */
export class Spawner {
  #d: SpawnerDeps;
  #active = new Set<Work>();
  #pending: Work[] = [];
  #closed = false;

  /** @param deps Limits, the job count and the error sink. */
  constructor(deps: SpawnerDeps) {
    this.#d = deps;
  }

  /** Slots spawned work holds or waits for; the engine claims jobs only beyond these. */
  get reserved(): number {
    return this.#active.size + this.#pending.length;
  }

  /**
   * Spawns `fn`.
   * @throws {QueueFullError} When no slot is free and waiting is not allowed or full.
   * @throws {SchedulerStoppedError} Once the scheduler is stopping.
   */
  spawn<T>(fn: (signal: AbortSignal) => T | Promise<T>, options?: SpawnOptions): SpawnHandle<T> {
    if (typeof fn !== "function") {
      throw new TypeError(`Invalid spawned work: expected a function, got ${typeof fn}`);
    }
    const o = checkKeys(options, SPAWN_KEYS, "spawn options");
    const name = o.name === undefined ? "spawned work" : String(o.name);
    const timeout = durationOr(o.timeout, "timeout", 0);
    const wait = checkBoolean(o.wait ?? true, "wait");
    if (this.#closed) {
      throw new SchedulerStoppedError(`Cannot spawn ${name}: the scheduler is stopping`);
    }
    const free = this.#free();
    if (free <= 0 && (!wait || this.#pending.length >= this.#d.pendingLimit)) {
      throw new QueueFullError(
        `Cannot spawn ${name}: all ${this.#d.concurrency} slots are taken${
          wait ? ` and ${this.#d.pendingLimit} spawns are waiting` : ""
        } (raise concurrency, or pass wait: true to wait for a slot)`,
      );
    }
    const controller = new AbortController();
    const outcome = Promise.withResolvers<T>();
    let awaited = false;
    let settled = false;
    let cancelled = false;
    const settle = (ok: boolean, value: unknown) => {
      if (settled) return;
      settled = true;
      if (ok) outcome.resolve(value as T);
      else outcome.reject(value);
      this.#active.delete(work);
      this.#pump();
      this.#d.kick();
      // Cancelled work is not a failure; anything else nobody awaits is reported.
      if (!ok && !awaited && !cancelled) {
        this.#d.reportError(value, `spawned work ${JSON.stringify(name)}`);
      }
    };
    const work: Work = {
      name,
      done: outcome.promise.then(() => {}, () => {}),
      cancel: (reason) => {
        cancelled = true;
        const at = this.#pending.indexOf(work);
        if (at >= 0) {
          // It never ran: it settles without calling the closure.
          this.#pending.splice(at, 1);
          settle(false, reason);
        } else controller.abort(reason);
      },
      start: () => {
        this.#active.add(work);
        const signal = controller.signal;
        const timer = timeout > 0
          ? this.#d.clock.setTimer(() => {
            const message = `${name} timed out after ${timeout} ms`;
            controller.abort(new DOMException(message, "TimeoutError"));
          }, timeout)
          : undefined;
        const aborted = new Promise<never>((_, reject) => {
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        });
        // A closure that ignores its signal keeps running, but its slot and result end here.
        Promise.race([
          Promise.resolve().then(() => {
            // Cancelled before its first turn: it never runs.
            signal.throwIfAborted();
            return fn(signal);
          }),
          aborted,
        ]).then(
          (value) => settle(true, value),
          (error) => settle(false, error),
        ).finally(() => {
          if (timer !== undefined) this.#d.clock.clearTimer(timer);
        });
      },
    };
    outcome.promise.catch(() => {}); // reported in settle unless awaited
    this.#d.waitUntil?.(work.done);
    if (free > 0) work.start();
    else this.#pending.push(work);
    return {
      name,
      result: () => {
        awaited = true;
        return outcome.promise;
      },
      cancel: (reason?: unknown) => {
        if (!settled) {
          work.cancel(reason ?? new DOMException(`${name} was cancelled`, "AbortError"));
        }
      },
    };
  }

  /** A job finished: a waiting closure may take its slot. */
  pump(): void {
    this.#pump();
  }

  /**
   * Refuses new work, rejects waiting work, lets running work finish for up to `grace` ms, then
   * aborts it with `reason`.
   */
  async close(grace: number, reason: () => unknown): Promise<void> {
    this.#closed = true;
    for (const work of [...this.#pending]) work.cancel(reason());
    if (this.#active.size === 0) return;
    let timer: unknown;
    const expired = new Promise<void>((r) => (timer = this.#d.clock.setTimer(r, grace)));
    await Promise.race([this.#allDone(), expired]);
    this.#d.clock.clearTimer(timer);
    for (const work of [...this.#active]) work.cancel(reason());
    await this.#allDone();
  }

  #free(): number {
    return this.#d.concurrency - this.#d.busySlots() - this.#active.size;
  }

  #pump(): void {
    while (this.#pending.length > 0 && this.#free() > 0) this.#pending.shift()!.start();
  }

  #allDone(): Promise<unknown> {
    return Promise.all([...this.#active].map((w) => w.done));
  }
}
