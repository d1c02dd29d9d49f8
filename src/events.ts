/**
 * Typed events. The scheduler is an `EventTarget`; every event is a `CustomEvent` whose
 * `detail` has the shape given here.
 * @module
 */

import type { Temporal } from "./temporal.ts";
import type { JsonValue } from "./json.ts";
import type { JobError } from "./store.ts";

/** Why a fire did not become a job. */
export type MissedReason = "misfire" | "coalesced" | "overlap" | "capped";

/** Details common to job events. */
export interface JobEventDetail {
  jobId: string;
  task: string;
  scheduleId: string | null;
}

/** Event type → `detail` shape. */
export interface SchedulerEventMap {
  "schedule:added": { scheduleId: string };
  "schedule:updated": { scheduleId: string };
  "schedule:removed": { scheduleId: string };
  "schedule:paused": { scheduleId: string };
  "schedule:resumed": { scheduleId: string };
  "job:created": JobEventDetail & { runAt: Temporal.Instant };
  "job:started": JobEventDetail & { attempt: number };
  "job:progress": JobEventDetail & { progress: JsonValue };
  "job:succeeded": JobEventDetail & { attempt: number; result: JsonValue; durationMs: number };
  "job:failed": JobEventDetail & { attempt: number; error: JobError };
  "job:retrying": JobEventDetail & { attempt: number; error: JobError; retryAt: Temporal.Instant };
  "job:cancelled": JobEventDetail;
  /**
   * A fire that did not run. After very long downtime, fires beyond the first 100,000 are
   * reported as one `capped` event with `count: null` (how many is not computed).
   */
  "job:missed": {
    scheduleId: string;
    task: string;
    fireAt: Temporal.Instant;
    reason: MissedReason;
    count: number | null;
  };
  "scheduler:started": Record<string, never>;
  "scheduler:stopped": Record<string, never>;
  "scheduler:paused": Record<string, never>;
  "scheduler:resumed": Record<string, never>;
  /** Something went wrong outside a handler (a store error, an undecryptable record). */
  "scheduler:error": { error: unknown; context: string };
}

/** A scheduler event. */
export type SchedulerEvent<K extends keyof SchedulerEventMap> = CustomEvent<SchedulerEventMap[K]>;
