/**
 * A job running in this process: its record, its lease and its abort state.
 * @module
 */

import type { JobRecord } from "../store.ts";

/**
 * A job running in this process. Its `AbortController` is created only when the handler reads
 * `ctx.signal` or something aborts the job: most handlers never look, and a controller per job
 * is a measurable share of the cost of a short job.
 */
export class RunningJob {
  readonly job: JobRecord;
  /** Resolves (never rejects) once the outcome is recorded. */
  done: Promise<void> = Promise.resolve();
  /** Until when this process holds the job (epoch ms); moved on by each renewal. */
  leaseUntil: number;
  #controller: AbortController | null = null;
  #reason: unknown = undefined;
  #aborted = false;
  #onAbort: ((reason: unknown) => void) | null = null;

  /** @param job The claimed job. */
  constructor(job: JobRecord) {
    this.job = job;
    this.leaseUntil = job.leaseUntil ?? Infinity;
  }

  /** The signal handed to the handler. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Whether `abort` was called. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** Why the job was aborted (`undefined` while it was not). */
  get reason(): unknown {
    return this.#reason;
  }

  /** Aborts the job: its signal fires and the attempt ends with `reason`. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#onAbort?.(reason);
  }

  /** @returns A promise that rejects with the abort reason (created on demand). */
  whenAborted(): Promise<never> {
    return new Promise<never>((_, reject) => {
      if (this.#aborted) reject(this.#reason);
      else this.#onAbort = reject;
    });
  }
}
