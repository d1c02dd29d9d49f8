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
}
