/** Shared set-up for scheduler tests on virtual time. */
import { MemoryStore } from "../../src/memory_store.ts";
import { VirtualClock } from "../../src/clock.ts";
import { Scheduler, type SchedulerOptions } from "../../src/scheduler/scheduler.ts";
import { SCHEDULER_EVENT_TYPES, type SchedulerEventMap } from "../../src/events.ts";

export const T0: number = Date.parse("2030-01-01T00:00:00Z");

export interface Harness {
  clock: VirtualClock;
  store: MemoryStore;
  scheduler: Scheduler;
  events: Array<{ type: keyof SchedulerEventMap; detail: unknown; at: number }>;
  of<K extends keyof SchedulerEventMap>(type: K): SchedulerEventMap[K][];
}

/** A scheduler on a virtual clock at T0 that records every event. */
export function harness(
  options: SchedulerOptions = {},
  shared?: { clock: VirtualClock; store: MemoryStore },
): Harness {
  const clock = shared?.clock ?? new VirtualClock(T0);
  const store = shared?.store ?? new MemoryStore();
  const scheduler = new Scheduler({ clock, store, random: () => 0.5, ...options });
  const events: Harness["events"] = [];
  for (const type of SCHEDULER_EVENT_TYPES) {
    scheduler.on(type, (detail) => events.push({ type, detail, at: clock.now() }));
  }
  return {
    clock,
    store,
    scheduler,
    events,
    of: <K extends keyof SchedulerEventMap>(type: K) =>
      events.filter((e) => e.type === type).map((e) => e.detail as SchedulerEventMap[K]),
  };
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Waits (in real time, up to `timeoutMs`) until `predicate` holds. For code paths with real
 * asynchronous work such as WebCrypto, which settles on a thread pool rather than in microtasks.
 */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
