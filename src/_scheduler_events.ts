/**
 * The typed `EventTarget` base of `Scheduler`.
 * @module
 */

import type { SchedulerEvent, SchedulerEventMap } from "./events.ts";

/** Listener for one scheduler event type. */
export type SchedulerListener<K extends keyof SchedulerEventMap> = (
  event: SchedulerEvent<K>,
) => void;

/**
 * `EventTarget` with typed `addEventListener` overloads and an `on()` shorthand. It remembers
 * which types ever had a listener so that hot paths skip building events nobody hears.
 */
export class SchedulerEvents extends EventTarget {
  #heard = new Set<string>();

  /** Adds a listener for a typed scheduler event. */
  override addEventListener<K extends keyof SchedulerEventMap>(
    type: K,
    listener: SchedulerListener<K> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** Adds a listener for any event type. */
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | SchedulerListener<never> | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    this.#heard.add(type);
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  /**
   * Listens to a typed event.
   * @param type Event type, e.g. `"job:succeeded"`.
   * @param listener Receives the event's `detail`.
   * @returns A function that removes the listener.
   * @example
   * ```ts
   * import { Scheduler } from "@everywhen/everywhen";
   * const scheduler = new Scheduler();
   * const off = scheduler.on("job:failed", (d) => console.error(d.jobId, d.error.message));
   * off();
   * ```
   */
  on<K extends keyof SchedulerEventMap>(
    type: K,
    listener: (detail: SchedulerEventMap[K]) => void,
  ): () => void {
    const wrapped = (event: Event) => listener((event as CustomEvent<SchedulerEventMap[K]>).detail);
    this.addEventListener(type, wrapped);
    return () => this.removeEventListener(type, wrapped);
  }

  /**
   * Tells whether anyone ever listened to `type`, so hot paths can skip building the event.
   * @returns Whether a listener was ever added for `type`.
   */
  protected hasListeners(type: string): boolean {
    return this.#heard.has(type);
  }
}
