/**
 * A registered task as the engine runs it: the handler and its validated limits.
 * @module
 */

import type { Backoff } from "../_options.ts";
import type { TaskHandler } from "../types.ts";

/** Task settings that scheduler-wide defaults supply. */
export interface TaskDefaults {
  retries: number;
  backoff: Backoff;
  /** Milliseconds per attempt; 0 for none. */
  timeout: number;
  resultTtl: number;
}

/** A registered task with validated options. */
export interface TaskEntry extends TaskDefaults {
  name: string;
  handler: TaskHandler<never, unknown>;
  /** Jobs of this task running at once in this process. */
  maxRunning: number;
  /** Jobs of this task running now in this process. */
  running: number;
  /** Default priority of its jobs. */
  priority: number;
  /** Per-key concurrency: key function and limit. */
  concurrency: { key: (payload: never) => string; limit: number } | null;
  /** Rate limit: starts per period (ms), optionally per key. */
  rateLimit: { limit: number; period: number; key: ((payload: never) => string) | null } | null;
  /** Dead-letter task name. */
  deadLetter: string | null;
  /** Milliseconds to keep failed and cancelled jobs. */
  failedTtl: number;
}
