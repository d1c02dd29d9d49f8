/**
 * Logging, on by default: every log line comes from here, built on the scheduler's events, so no
 * other module calls a logger. At the default level (`warn`) it reports what needs a person:
 * jobs failed for good, errors outside handlers (store errors, tampered records, a spawned
 * closure's failure), store-wide lock changes and missed fires, summarised per schedule. Nothing
 * is logged per successful job below `debug`.
 * @module
 */

import type { SchedulerEventMap } from "../events.ts";
import { checkEnum, describe } from "../_options.ts";

/**
 * A console-like logger: `console`, pino, LogTape or anything with these four methods. Each call
 * gets a message and, as the second argument, the line's structured fields (`jobId`, `task`,
 * `scheduleId`, `attempt` where they apply).
 */
export interface Logger {
  /** Detail: every job started and finished. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Lifecycle: started, stopped, paused, retries, cancellations. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Needs attention: missed fires, lock changes. */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Failed: jobs failed for good, errors outside handlers. */
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The least severe level that is logged. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** Where the logging module subscribes: the scheduler's typed `on()`. */
export type Subscribe = <K extends keyof SchedulerEventMap>(
  type: K,
  listener: (detail: SchedulerEventMap[K]) => void,
) => () => void;

/** Checks the `logger` option: `undefined` is the console, `null` silences. */
export function checkLogger(value: unknown): Logger | null {
  if (value === undefined) return console;
  if (value === null) return null;
  const missing = LEVELS.filter((m) =>
    typeof (value as Record<string, unknown>)?.[m] !== "function"
  );
  if (missing.length > 0) {
    throw new TypeError(
      `Invalid logger: expected an object with ${LEVELS.join(", ")} methods (console-like), got ${
        describe(value)
      }${
        typeof value === "object" ? ` missing ${missing.join(", ")}` : ""
      } (pass null to silence logging)`,
    );
  }
  return value as Logger;
}

/** Checks the `logLevel` option. @returns The level, `"warn"` by default. */
export function checkLogLevel(value: unknown): LogLevel {
  return checkEnum(value ?? "warn", "logLevel", LEVELS);
}

/** The scheduler's logging: subscribes to its events at `level` and above. */
export class SchedulerLog {
  #logger: Logger | null;
  #min: number;
  #missed = new Map<string, { task: string; reason: string; count: number; first: string }>();
  #flush: ReturnType<typeof setTimeout> | undefined;
  #lock: string | null | undefined = undefined;

  /**
   * @param logger Where lines go; `null` logs nothing and subscribes to nothing.
   * @param level The least severe level logged.
   * @param on The scheduler's `on()`.
   */
  constructor(logger: Logger | null, level: LogLevel, on: Subscribe) {
    this.#logger = logger;
    this.#min = logger === null ? Infinity : LEVELS.indexOf(level);
    this.#subscribe(on);
  }

  /**
   * The store-wide lock's reason (`null`: unlocked), as `setLock` wrote it or a pass read it; a
   * line is logged when it changes, whoever changed it (another process sharing the store too).
   */
  lockChanged(reason: string | null): void {
    const known = this.#lock;
    this.#lock = reason;
    // The first reading only tells the state; an unlocked store at start is not news.
    if (reason === known || (known === undefined && reason === null)) return;
    if (reason === null) this.#log("warn", "Store-wide lock lifted: schedulers resume", {});
    else this.#log("warn", `Store-wide lock set: every scheduler on the store halts`, { reason });
  }

  #enabled(level: LogLevel): boolean {
    return LEVELS.indexOf(level) >= this.#min;
  }

  #log(level: LogLevel, message: string, fields: Record<string, unknown>): void {
    if (!this.#enabled(level)) return;
    try {
      // No empty `{}` after lifecycle lines on the console.
      if (Object.keys(fields).length === 0) this.#logger![level](message);
      else this.#logger![level](message, fields);
    } catch {
      // A broken logger must not break the scheduler; there is nowhere left to report it.
    }
  }

  #subscribe(on: Subscribe): void {
    if (this.#enabled("error")) {
      on(
        "job:failed",
        (d) =>
          this.#log("error", `Job ${d.jobId} of task ${d.task} failed: ${d.error.message}`, {
            jobId: d.jobId,
            task: d.task,
            scheduleId: d.scheduleId,
            attempt: d.attempt,
            error: d.error,
          }),
      );
      on(
        "scheduler:error",
        (d) =>
          this.#log("error", `Scheduler error (${d.context}): ${messageOf(d.error)}`, {
            context: d.context,
            error: d.error,
          }),
      );
    }
    if (this.#enabled("warn")) on("job:missed", (d) => this.#miss(d));
    if (this.#enabled("info")) {
      on(
        "job:retrying",
        (d) =>
          this.#log("info", `Job ${d.jobId} of task ${d.task} will retry: ${d.error.message}`, {
            jobId: d.jobId,
            task: d.task,
            scheduleId: d.scheduleId,
            attempt: d.attempt,
            retryAt: d.retryAt.toString(),
          }),
      );
      on(
        "job:cancelled",
        (d) => this.#log("info", `Job ${d.jobId} of task ${d.task} was cancelled`, { ...d }),
      );
      for (const type of LIFECYCLE) {
        on(type, () => this.#log("info", `Scheduler ${type.slice("scheduler:".length)}`, {}));
      }
    }
    if (this.#enabled("debug")) {
      on(
        "job:started",
        (d) => this.#log("debug", `Job ${d.jobId} of task ${d.task} started`, { ...d }),
      );
      on("job:succeeded", (d) =>
        this.#log("debug", `Job ${d.jobId} of task ${d.task} succeeded`, {
          jobId: d.jobId,
          task: d.task,
          scheduleId: d.scheduleId,
          attempt: d.attempt,
          durationMs: d.durationMs,
        }));
    }
  }

  /** Missed fires arrive one event per fire: one line per schedule and reason sums them up. */
  #miss(d: SchedulerEventMap["job:missed"]): void {
    const key = `${d.scheduleId}\u0000${d.reason}`;
    const known = this.#missed.get(key);
    // `count: null` stands for "too many to count" after very long downtime.
    const count = d.count ?? Infinity;
    if (known) known.count += count;
    else {this.#missed.set(key, {
        task: d.task,
        reason: d.reason,
        count,
        first: d.fireAt.toString(),
      });}
    this.#flush ??= setTimeout(() => this.#flushMissed(), 0);
  }

  #flushMissed(): void {
    this.#flush = undefined;
    for (const [key, m] of this.#missed) {
      const scheduleId = key.slice(0, key.indexOf("\u0000"));
      const count = m.count === Infinity ? "more than 100000" : String(m.count);
      this.#log(
        "warn",
        `Schedule ${scheduleId} missed ${count} fire${m.count === 1 ? "" : "s"} (${m.reason})`,
        { scheduleId, task: m.task, reason: m.reason, count: m.count, firstFireAt: m.first },
      );
    }
    this.#missed.clear();
  }
}

const LIFECYCLE = [
  "scheduler:started",
  "scheduler:stopped",
  "scheduler:paused",
  "scheduler:resumed",
] as const;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
