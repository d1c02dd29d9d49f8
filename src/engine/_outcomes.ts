/**
 * Recording how attempts ended: the one place that writes an outcome (finish or retry), then
 * tells listeners and result waiters. Where the store can finish many jobs in one step, final
 * outcomes that arrive in the same turn (jobs started together run in lockstep) are written
 * together.
 * @module
 */

import { instantFromMs } from "../time.ts";
import type { JobError, JobOutcome, JobRecord, Store } from "../store/store.ts";
import type { ResultWaiters } from "./_results.ts";
import type { RunOutcome } from "./_runner.ts";
import type { EventSink } from "./_sink.ts";

/** What the outcome writer needs. */
export interface OutcomeDeps {
  readonly store: Pick<Store, "finishJob" | "finishJobs" | "retryJob">;
  readonly owner: string;
  readonly events: EventSink;
  readonly results: Pick<ResultWaiters, "settle">;
  /** Called once a job failed for good (not cancelled) and the failure was written. */
  readonly failedForGood?: (job: JobRecord, error: JobError, finishedAt: number) => Promise<void>;
  /**
   * Called after a failure or cancellation was written: the store may have cancelled jobs that
   * waited for it, whose result waiters must hear of it.
   */
  readonly endedBadly?: () => Promise<void>;
}

type Pending = { id: string; outcome: JobOutcome; done: PromiseWithResolvers<boolean> };

/** Writes attempt outcomes to the store, then emits events and settles result waiters. */
export class OutcomeWriter {
  #deps: OutcomeDeps;
  #pending: Pending[] = [];

  /** @param deps Store, owner id, event sink and result waiters. */
  constructor(deps: OutcomeDeps) {
    this.#deps = deps;
  }

  /**
   * Records one attempt's outcome. Nothing is told when the write finds the lease lost.
   * @param job The job as claimed.
   * @param outcome How the attempt ended.
   */
  async record(job: JobRecord, outcome: RunOutcome): Promise<void> {
    if (outcome.kind === "lost") return;
    const { events, results } = this.#deps;
    // Event details are built lazily: most runs have no listener for most events.
    const base = () => ({ jobId: job.id, task: job.task, scheduleId: job.scheduleId });
    if (outcome.kind === "retry") {
      const { store, owner } = this.#deps;
      if (await store.retryJob(job.id, owner, outcome.retryAt, outcome.error)) {
        events.emit("job:retrying", () => ({
          ...base(),
          attempt: job.attempts,
          error: outcome.error,
          retryAt: instantFromMs(outcome.retryAt),
        }));
      }
      return;
    }
    const ok = outcome.kind === "succeeded";
    const written = await this.#finish(job.id, {
      status: outcome.kind,
      result: ok ? outcome.text : null,
      error: ok ? null : outcome.error,
      finishedAt: outcome.finishedAt,
      expiresAt: outcome.expiresAt,
    });
    if (!written) return;
    if (ok) {
      events.emit("job:succeeded", () => ({
        ...base(),
        attempt: job.attempts,
        result: outcome.value,
        durationMs: outcome.durationMs,
      }));
      results.settle(job.id, { ok: true, value: outcome.value });
    } else if (outcome.kind === "cancelled") {
      events.emit("job:cancelled", base);
      results.settle(job.id, { ok: false, error: outcome.cause });
      await this.#deps.endedBadly?.();
    } else {
      events.emit("job:failed", () => ({ ...base(), attempt: job.attempts, error: outcome.error }));
      results.settle(job.id, { ok: false, error: outcome.cause });
      await this.#deps.failedForGood?.(job, outcome.error, outcome.finishedAt);
      await this.#deps.endedBadly?.();
    }
  }

  /** @returns Whether the outcome was written (`false` if the lease was lost). */
  #finish(id: string, outcome: JobOutcome): Promise<boolean> {
    const { store, owner } = this.#deps;
    if (!store.finishJobs) return store.finishJob(id, owner, outcome);
    const done = Promise.withResolvers<boolean>();
    this.#pending.push({ id, outcome, done });
    if (this.#pending.length === 1) queueMicrotask(() => void this.#flush());
    return done.promise;
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    try {
      const items = batch.map(({ id, outcome }) => ({ id, outcome }));
      const recorded = new Set(await this.#deps.store.finishJobs!(this.#deps.owner, items));
      for (const b of batch) b.done.resolve(recorded.has(b.id));
    } catch (error) {
      for (const b of batch) b.done.reject(error);
    }
  }
}
