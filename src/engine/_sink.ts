/**
 * Where engine modules send what they observe: typed events and errors outside handlers. The
 * scheduler's event target implements it; engine modules depend on this and nothing else of it.
 * @module
 */

import type { SchedulerEventMap } from "../events.ts";

/** The event sink every engine module reports to. Neither method throws. */
export interface EventSink {
  /** Emits a typed event; `detail` is only built when someone listens. */
  emit<K extends keyof SchedulerEventMap>(type: K, detail: () => SchedulerEventMap[K]): void;
  /** Reports an error outside a handler as `scheduler:error`. */
  reportError(error: unknown, context: string): void;
}
