/**
 * The object's one alarm: armed for the earliest instant any schedule or job needs attention,
 * deleted when nothing is pending, and never re-set to the time it already has.
 * @module
 */

import type { Clock } from "../../src/clock.ts";
import { NEXT_WAKEUP_SQL } from "../../src/store/sql/sql_store.ts";
import type { StorageMetrics } from "./driver.ts";
import type { DurableObjectStorageLike } from "./types.ts";

/** Keeps the Durable Object alarm in step with the store. */
export class DurableAlarm {
  #storage: DurableObjectStorageLike;
  #metrics: StorageMetrics;
  #clock: Clock;
  #onError: (error: unknown) => void;
  /** The alarm as last set or read, in real epoch ms; `undefined` before `load()`. */
  #armed: number | null | undefined = undefined;

  /**
   * @param storage The object's storage.
   * @param clock The scheduler's clock; alarms are set `at - clock.now()` ms from the real now.
   * @param metrics Counters of alarm calls.
   * @param onError Receives a failed alarm call.
   */
  constructor(
    storage: DurableObjectStorageLike,
    clock: Clock,
    metrics: StorageMetrics,
    onError: (error: unknown) => void,
  ) {
    this.#storage = storage;
    this.#clock = clock;
    this.#metrics = metrics;
    this.#onError = onError;
  }

  /** Reads the alarm the platform holds (once, when the object wakes). */
  async load(): Promise<void> {
    this.#armed = await this.#storage.getAlarm();
  }

  /** The alarm that fired is gone once `alarm()` returns, unless set again meanwhile. */
  consumed(): void {
    this.#armed = null;
  }

  /** @returns The earliest instant (scheduler clock) anything needs attention, or `null`. */
  earliest(): number | null {
    const cursor = this.#storage.sql.exec(NEXT_WAKEUP_SQL);
    const row = cursor.toArray()[0] as { s: number | null; j: number | null } | undefined;
    this.#metrics.statements++;
    this.#metrics.rowsRead += cursor.rowsRead;
    const s = row?.s ?? null;
    const j = row?.j ?? null;
    return s === null ? j : j === null ? s : Math.min(s, j);
  }

  /**
   * Arms the alarm for `at` (scheduler clock), or deletes it for `null`. Synchronous, so it
   * joins the storage transaction of the write that preceded it.
   * @param at The instant, or `null`.
   */
  set(at: number | null): void {
    const real = at === null ? null : Math.round(at - this.#clock.now() + Date.now());
    if (real === this.#armed) return;
    this.#armed = real;
    try {
      const done = real === null ? this.#storage.deleteAlarm() : this.#storage.setAlarm(real);
      if (real === null) this.#metrics.deleteAlarm++;
      else this.#metrics.setAlarm++;
      if (done instanceof Promise) done.catch(this.#onError);
    } catch (error) {
      this.#armed = undefined;
      this.#onError(error);
    }
  }
}
