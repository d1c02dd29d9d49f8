/**
 * Waiting for job results: `job.result()` registers a waiter; a job finishing in this process
 * settles it directly, and jobs run elsewhere are found by polling the store (shared stores).
 * @module
 */

import { type Codec, describeBinding, resultBinding } from "../codec.ts";
import {
  JobCancelledError,
  JobFailedError,
  ResultExpiredError,
  SchedulerStoppedError,
  TamperedRecordError,
} from "../errors.ts";
import type { JsonValue } from "../json.ts";
import type { JobRecord, Store } from "../store.ts";

/** How a job ended, as told to `result()` waiters in this process. */
export type Settlement = { ok: true; value: JsonValue } | { ok: false; error: Error };

type Waiter = { resolve: (value: JsonValue) => void; reject: (error: Error) => void };

/** The result waiters of one scheduler. */
export class ResultWaiters {
  #waiters = new Map<string, Waiter[]>();
  #store: Pick<Store, "getJob">;
  #codec: Codec;
  #reportError: (error: unknown, context: string) => void;

  /**
   * @param store Where finished jobs are read.
   * @param codec How results are decoded.
   * @param reportError Where undecodable results are reported.
   */
  constructor(
    store: Pick<Store, "getJob">,
    codec: Codec,
    reportError: (error: unknown, context: string) => void,
  ) {
    this.#store = store;
    this.#codec = codec;
    this.#reportError = reportError;
  }

  /** Number of jobs someone waits for. */
  get size(): number {
    return this.#waiters.size;
  }

  /**
   * Waits for a job's outcome.
   * @param id The job.
   * @param now The current time (a result past its retention counts as gone).
   * @param stopped Whether the scheduler is stopped (a pending job will not run here).
   * @param signal Stops waiting.
   * @returns The result.
   */
  async wait(id: string, now: number, stopped: boolean, signal?: AbortSignal): Promise<JsonValue> {
    signal?.throwIfAborted();
    const waiting = new Promise<JsonValue>((resolve, reject) => {
      const list = this.#waiters.get(id) ?? [];
      list.push({ resolve, reject });
      this.#waiters.set(id, list);
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    // Registered first, read second: a job finishing in between still reaches the waiter.
    const job = await this.#store.getJob(id);
    if (!job || (job.expiresAt !== null && job.expiresAt <= now)) {
      this.settle(id, { ok: false, error: new ResultExpiredError(id) });
    } else if (job.status !== "pending" && job.status !== "running") {
      this.settle(id, await this.#settlementOf(job));
    } else if (stopped) {
      this.settle(id, {
        ok: false,
        error: new SchedulerStoppedError(`Scheduler is stopped; job ${id} will not run here`),
      });
    }
    return waiting;
  }

  /** Settles everyone waiting for `id`. Failures reach them as `JobFailedError` and friends. */
  settle(id: string, settlement: Settlement): void {
    const list = this.#waiters.get(id);
    if (!list) return;
    this.#waiters.delete(id);
    let error: Error | undefined;
    if (!settlement.ok) {
      const e = settlement.error;
      error = e instanceof JobCancelledError || e instanceof JobFailedError ||
          e instanceof ResultExpiredError || e instanceof SchedulerStoppedError
        ? e
        : new JobFailedError(id, e.name, e.message, { cause: e });
    }
    for (const w of list) {
      if (settlement.ok) w.resolve(settlement.value);
      else w.reject(error!);
    }
  }

  /** Rejects every waiter with an error made for its job. */
  rejectAll(error: (id: string) => Error): void {
    for (const id of [...this.#waiters.keys()]) this.settle(id, { ok: false, error: error(id) });
  }

  /**
   * Looks up the jobs waited for in the store and settles those that finished elsewhere.
   * @param skip Jobs not to look up (running in this process: they settle directly).
   */
  async poll(skip: (id: string) => boolean): Promise<void> {
    for (const id of [...this.#waiters.keys()]) {
      if (skip(id)) continue;
      const job = await this.#store.getJob(id);
      if (!job) this.settle(id, { ok: false, error: new ResultExpiredError(id) });
      else if (job.status !== "pending" && job.status !== "running") {
        this.settle(id, await this.#settlementOf(job));
      }
    }
  }

  async #settlementOf(job: JobRecord): Promise<Settlement> {
    if (job.status === "succeeded") {
      try {
        return {
          ok: true,
          value: await this.#codec.decode(job.result ?? "null", resultBinding(job)),
        };
      } catch (cause) {
        // Reported as the runner reports an undecodable payload: one TamperedRecordError.
        const error = cause instanceof TamperedRecordError ? cause : new TamperedRecordError(
          `Cannot read the ${describeBinding(resultBinding(job))}: it could not be decoded`,
          { cause },
        );
        this.#reportError(error, `decoding the result of job ${job.id}`);
        return { ok: false, error };
      }
    }
    if (job.status === "cancelled") return { ok: false, error: new JobCancelledError(job.id) };
    const e = job.error ?? { name: "Error", message: "Job failed" };
    return { ok: false, error: new JobFailedError(job.id, e.name, e.message) };
  }
}
