/**
 * Typed events. The scheduler is an `EventTarget`; every event is a `CustomEvent` whose
 * `detail` has the shape given here.
 * @module
 */

import type { Temporal } from "./temporal.ts";
import type { JsonValue } from "./json.ts";
import type { JobError } from "./store/store.ts";

/** Why a fire did not become a job. */
export type MissedReason = "misfire" | "coalesced" | "overlap" | "capped";

/** Details common to job events. */
export interface JobEventDetail {
  /** The job's id. */
  jobId: string;
  /** Name of the job's task. */
  task: string;
  /** The schedule that created the job; `null` for an enqueued job. */
  scheduleId: string | null;
}

/** Event type → `detail` shape. */
export interface SchedulerEventMap {
  /** A schedule was stored under a new id. */
  "schedule:added": { scheduleId: string };
  /**
   * A schedule's definition changed: `schedule()` on an existing id, `updateSchedule` or
   * `reschedule`.
   */
  "schedule:updated": { scheduleId: string };
  /** `removeSchedule` deleted a schedule. */
  "schedule:removed": { scheduleId: string };
  /** `pauseSchedule` paused a schedule. */
  "schedule:paused": { scheduleId: string };
  /** `resumeSchedule` resumed a schedule. */
  "schedule:resumed": { scheduleId: string };
  /**
   * A job was stored (enqueued, fired by a schedule, or `runNow`); `runAt` is its earliest start.
   */
  "job:created": JobEventDetail & { runAt: Temporal.Instant };
  /** An attempt started in this process; `attempt` is 1 for the first. */
  "job:started": JobEventDetail & { attempt: number };
  /** The handler reported progress through `ctx.progress()`. */
  "job:progress": JobEventDetail & { progress: JsonValue };
  /** The handler returned; `durationMs` is how long the attempt ran. */
  "job:succeeded": JobEventDetail & { attempt: number; result: JsonValue; durationMs: number };
  /** The job failed for good: retries used up, a `NonRetryableError`, or an undecodable payload. */
  "job:failed": JobEventDetail & { attempt: number; error: JobError };
  /** An attempt failed and the job will run again at `retryAt`. */
  "job:retrying": JobEventDetail & { attempt: number; error: JobError; retryAt: Temporal.Instant };
  /** The job was cancelled: by `cancelJob`, or by `stop()` past its grace period. */
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
  /** `start()` began processing. */
  "scheduler:started": Record<string, never>;
  /** `stop()` finished; nothing more runs in this scheduler. */
  "scheduler:stopped": Record<string, never>;
  /** `pause()` halted processing (running jobs continue). */
  "scheduler:paused": Record<string, never>;
  /** `resume()` restarted processing after `pause()`. */
  "scheduler:resumed": Record<string, never>;
  /** Something went wrong outside a handler (a store error, an undecryptable record). */
  "scheduler:error": { error: unknown; context: string };
}

/** A scheduler event. */
export type SchedulerEvent<K extends keyof SchedulerEventMap> = CustomEvent<SchedulerEventMap[K]>;

/** Every scheduler event type, for code that subscribes to all of them (dashboards, tests). */
export const SCHEDULER_EVENT_TYPES: readonly (keyof SchedulerEventMap)[] = [
  "schedule:added",
  "schedule:updated",
  "schedule:removed",
  "schedule:paused",
  "schedule:resumed",
  "job:created",
  "job:started",
  "job:progress",
  "job:succeeded",
  "job:failed",
  "job:retrying",
  "job:cancelled",
  "job:missed",
  "scheduler:started",
  "scheduler:stopped",
  "scheduler:paused",
  "scheduler:resumed",
  "scheduler:error",
];
