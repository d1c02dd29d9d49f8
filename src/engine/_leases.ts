/**
 * Keeping the leases of running jobs: renewed at a third of the lease time, and a job whose
 * lease is lost (another process took it over, or it was removed) or whose cancellation was
 * requested through the store is aborted at once.
 * @module
 */

import { JobCancelledError, LeaseLostError } from "../errors.ts";
import type { Store } from "../store/store.ts";
import type { RunningJob } from "./_running.ts";

/** What lease renewal needs. */
export interface LeaseDeps {
  readonly store: Pick<Store, "renewJobs">;
  readonly owner: string;
  readonly leaseMs: number;
}

/** Renews the leases of the jobs running in this process. */
export class LeaseKeeper {
  #deps: LeaseDeps;
  /** When the next renewal is due; Infinity while nothing runs. */
  nextRenewAt: number = Infinity;

  /** @param deps Store, owner id and lease length. */
  constructor(deps: LeaseDeps) {
    this.#deps = deps;
  }

  /** Notes that jobs were claimed at `now`, so renewal is due a third of a lease later. */
  claimed(now: number): void {
    if (this.nextRenewAt === Infinity) this.nextRenewAt = now + Math.floor(this.#deps.leaseMs / 3);
  }

  /** Notes that nothing runs any more. */
  idle(): void {
    this.nextRenewAt = Infinity;
  }

  /**
   * Renews every running job's lease if renewal is due; aborts those lost or cancelled.
   * @param now The current time.
   * @param running The jobs running in this process.
   */
  async renewDue(now: number, running: ReadonlyMap<string, RunningJob>): Promise<void> {
    if (running.size === 0 || now < this.nextRenewAt) return;
    const { store, owner, leaseMs } = this.#deps;
    this.nextRenewAt = now + Math.floor(leaseMs / 3);
    const leaseUntil = now + leaseMs;
    const ids = [...running.keys()];
    const { lost, cancelRequested } = await store.renewJobs(ids, owner, leaseUntil);
    const gone = new Set(lost);
    for (const id of ids) {
      const run = running.get(id);
      if (run && !gone.has(id)) run.leaseUntil = leaseUntil;
    }
    for (const id of lost) running.get(id)?.abort(new LeaseLostError(id));
    for (const id of cancelRequested) running.get(id)?.abort(new JobCancelledError(id));
  }
}
