/**
 * The typed `EventTarget` base of `Scheduler`. Events are told after the write they report
 * succeeded, and a listener that throws never turns that write into a rejected call: its error
 * is reported as `scheduler:error` (or, from a `scheduler:error` listener, on the console).
 * @module
 */

import type { SchedulerEvent, SchedulerEventMap } from "../events.ts";

/** Listener for one scheduler event type. */
export type SchedulerListener<K extends keyof SchedulerEventMap> = (
  event: SchedulerEvent<K>,
) => void;

type AnyListener = EventListenerOrEventListenerObject | SchedulerListener<never>;

/**
 * Options of `addEventListener`, declared here rather than taken from the DOM library so the
 * published types compile in projects without it (Node, Workers).
 */
export interface ListenerOptions {
  /** Listen in the capture phase (no effect on a scheduler, which has no tree). */
  capture?: boolean;
  /** Remove the listener after its first call. */
  once?: boolean;
  /** A hint that the listener never calls `preventDefault()`. */
  passive?: boolean;
  /** Removes the listener when aborted. */
  signal?: AbortSignal;
}

/**
 * `EventTarget` with typed `addEventListener` overloads and an `on()` shorthand. It remembers
 * which types ever had a listener so that hot paths skip building events nobody hears.
 */
export class SchedulerEvents extends EventTarget {
  #heard = new Set<string>();
  /** The guarded wrapper of each listener, per type, so `removeEventListener` finds it. */
  #wrapped = new Map<string, WeakMap<object, EventListener>>();

  /** Adds a listener for a typed scheduler event. */
  override addEventListener<K extends keyof SchedulerEventMap>(
    type: K,
    listener: SchedulerListener<K> | null,
    options?: boolean | ListenerOptions,
  ): void;
  /** Adds a listener for any event type. */
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | ListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: AnyListener | null,
    options?: boolean | ListenerOptions,
  ): void {
    this.#heard.add(type);
    super.addEventListener(type, listener === null ? null : this.#guard(type, listener), options);
  }

  /** Removes a listener added with `addEventListener`. */
  override removeEventListener(
    type: string,
    listener: AnyListener | null,
    options?: boolean | Pick<ListenerOptions, "capture">,
  ): void {
    const wrapped = listener === null ? undefined : this.#wrapped.get(type)?.get(listener);
    super.removeEventListener(type, wrapped ?? (listener as EventListener | null), options);
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

  /**
   * Emits a typed event; `detail` is only built when someone listens. Never throws.
   * @param type The event type.
   * @param detail Builds the event's detail.
   */
  protected emit<K extends keyof SchedulerEventMap>(
    type: K,
    detail: () => SchedulerEventMap[K],
  ): void {
    if (!this.#heard.has(type)) return;
    try {
      this.dispatchEvent(new CustomEvent(type, { detail: detail() }));
    } catch (error) {
      this.#listenerFailed(type, error);
    }
  }

  /** Emits `scheduler:error`. Used for errors outside handlers; never throws. */
  reportError(error: unknown, context: string): void {
    this.emit("scheduler:error", () => ({ error, context }));
  }

  #guard(type: string, listener: AnyListener): EventListener {
    let perType = this.#wrapped.get(type);
    if (!perType) this.#wrapped.set(type, perType = new WeakMap());
    const known = perType.get(listener);
    if (known) return known;
    const guarded = (event: Event): void => {
      try {
        if (typeof listener === "function") listener.call(this, event as never);
        else listener.handleEvent(event);
      } catch (error) {
        this.#listenerFailed(type, error);
      }
    };
    perType.set(listener, guarded);
    return guarded;
  }

  #listenerFailed(type: string, error: unknown): void {
    if (type === "scheduler:error") {
      // Reporting it as another scheduler:error could loop; the console is the last resort.
      console.error("A scheduler:error listener threw:", error);
      return;
    }
    this.reportError(error, `a listener of ${type}`);
  }
}
