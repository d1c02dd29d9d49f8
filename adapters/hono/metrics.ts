/**
 * Prometheus metrics for a scheduler, in the text exposition format (version 0.0.4): counters
 * kept from the scheduler's typed events since this process created them, and gauges read from
 * the store through the public API at each scrape. The admin router serves them at `/metrics`.
 * @module
 */

import type { Context } from "hono";
import type { JobStatus } from "../../src/store.ts";
import type { Scheduler } from "../../src/scheduler/scheduler.ts";

const STATUSES: readonly JobStatus[] = ["pending", "running", "succeeded", "failed", "cancelled"];
const OUTCOMES = ["succeeded", "failed", "retrying", "cancelled"] as const;
/** Upper bounds of the duration histogram's buckets, in seconds (jobs run from ms to hours). */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/** Start times kept for attempts whose end this process never sees (a lost lease). */
const MAX_TRACKED = 10_000;

type Labels = Record<string, string>;

/** A family of samples: one metric name, its help text and type, and labelled values. */
class Family {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  readonly name: string;
  readonly type: "counter" | "gauge";
  readonly help: string;
  constructor(name: string, type: "counter" | "gauge", help: string) {
    this.name = name;
    this.type = type;
    this.help = help;
  }

  add(labels: Labels, by = 1): void {
    const key = JSON.stringify(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }
}

/** The sample lines of a histogram, per label set. */
class Histogram {
  readonly series = new Map<
    string,
    { labels: Labels; counts: number[]; count: number; sum: number }
  >();
  readonly name: string;
  readonly help: string;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }

  observe(labels: Labels, seconds: number): void {
    const key = JSON.stringify(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, s = { labels, counts: BUCKETS.map(() => 0), count: 0, sum: 0 });
    BUCKETS.forEach((le, i) => {
      if (seconds <= le) s.counts[i]!++;
    });
    s.count++;
    s.sum += seconds;
  }
}

/**
 * A scheduler's metrics. Counters start at zero when this is created and count what this
 * process saw; gauges (jobs by status and task, the store lock) reflect the store, shared by
 * every process. The admin router serves them at `/metrics`.
 */
export class SchedulerMetrics {
  #scheduler: Scheduler;
  #off: Array<() => void>;
  #started = new Map<string, number>();
  #created = new Family("everywhen_jobs_created_total", "counter", "Jobs stored, by task");
  #fires = new Family(
    "everywhen_schedule_fires_total",
    "counter",
    "Schedule fires that created a job (including run-now), by task",
  );
  #missed = new Family(
    "everywhen_missed_fires_total",
    "counter",
    "Schedule fires that did not run, by task and reason (a capped run of fires counts once)",
  );
  #attempts = new Family(
    "everywhen_job_attempts_total",
    "counter",
    "Job attempts that ended in this process, by task and outcome",
  );
  #errors = new Family(
    "everywhen_scheduler_errors_total",
    "counter",
    "Errors outside handlers (store errors, undecryptable records)",
  );
  #duration = new Histogram(
    "everywhen_job_duration_seconds",
    "How long job attempts ran in this process, by task and outcome",
  );

  /**
   * Starts counting the scheduler's events.
   * @param scheduler The scheduler to observe.
   */
  constructor(scheduler: Scheduler) {
    this.#scheduler = scheduler;
    this.#errors.add({}, 0);
    const now = () => scheduler.clock.now();
    const ended = (jobId: string, task: string, outcome: string, durationMs?: number) => {
      const start = this.#started.get(jobId);
      this.#started.delete(jobId);
      this.#attempts.add({ task, outcome });
      const ms = durationMs ?? (start === undefined ? undefined : now() - start);
      if (ms !== undefined) this.#duration.observe({ task, outcome }, Math.max(0, ms) / 1000);
    };
    this.#off = [
      scheduler.on("job:created", (d) => {
        this.#created.add({ task: d.task });
        if (d.scheduleId !== null) this.#fires.add({ task: d.task });
      }),
      scheduler.on("job:missed", (d) => {
        this.#missed.add({ task: d.task, reason: d.reason }, d.count ?? 1);
      }),
      scheduler.on("job:started", (d) => {
        if (this.#started.size >= MAX_TRACKED) {
          this.#started.delete(this.#started.keys().next().value!);
        }
        this.#started.set(d.jobId, now());
      }),
      scheduler.on("job:succeeded", (d) => ended(d.jobId, d.task, "succeeded", d.durationMs)),
      scheduler.on("job:failed", (d) => ended(d.jobId, d.task, "failed")),
      scheduler.on("job:retrying", (d) => ended(d.jobId, d.task, "retrying")),
      scheduler.on("job:cancelled", (d) => {
        // A pending job cancelled never started: it is no attempt.
        if (this.#started.has(d.jobId)) ended(d.jobId, d.task, "cancelled");
      }),
      scheduler.on("scheduler:error", () => this.#errors.add({})),
    ];
  }

  /**
   * Reads the gauges from the store and renders every metric.
   * @returns The metrics in Prometheus' text exposition format.
   */
  async render(): Promise<string> {
    const s = this.#scheduler;
    const tasks = await s.listTasks();
    const [byStatus, byTask, lock] = await Promise.all([
      Promise.all(STATUSES.map((status) => s.countJobs({ status }))),
      Promise.all(
        tasks.map((task) => Promise.all(STATUSES.map((status) => s.countJobs({ status, task })))),
      ),
      s.getLock(),
    ]);
    const jobs = new Family("everywhen_jobs", "gauge", "Jobs in the store, by status (all tasks)");
    STATUSES.forEach((status, i) => jobs.add({ status }, byStatus[i]!));
    const taskJobs = new Family(
      "everywhen_task_jobs",
      "gauge",
      "Jobs in the store, by task and status (tasks registered in this process)",
    );
    tasks.forEach((task, t) =>
      STATUSES.forEach((status, i) => taskJobs.add({ task, status }, byTask[t]![i]!))
    );
    const locked = new Family(
      "everywhen_store_locked",
      "gauge",
      "1 while the store-wide lock (setLock) halts every scheduler on the store, else 0",
    );
    locked.add({}, lock === null ? 0 : 1);
    const running = new Family("everywhen_running_jobs", "gauge", "Jobs running in this process");
    running.add({}, s.runningJobs);
    const paused = new Family("everywhen_scheduler_paused", "gauge", "1 while paused, else 0");
    paused.add({}, s.paused ? 1 : 0);
    // Registered tasks appear with zero counts, so rates exist before the first event.
    for (const task of tasks) {
      this.#created.add({ task }, 0);
      for (const outcome of OUTCOMES) this.#attempts.add({ task, outcome }, 0);
    }
    const families = [
      jobs,
      taskJobs,
      locked,
      running,
      paused,
      this.#created,
      this.#fires,
      this.#missed,
      this.#attempts,
      this.#errors,
    ];
    return families.map(family).join("") + histogram(this.#duration);
  }

  /** Stops counting (removes the event listeners). */
  dispose(): void {
    for (const off of this.#off.splice(0)) off();
  }
}

/**
 * A Hono handler serving a scheduler's metrics (the admin router mounts it at `/metrics`,
 * behind its authentication).
 * @param scheduler The scheduler.
 * @returns The handler.
 */
export function metricsHandler(scheduler: Scheduler): (c: Context) => Promise<Response> {
  const metrics = new SchedulerMetrics(scheduler);
  return async (c) => {
    c.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    c.header("Cache-Control", "no-store");
    return c.body(await metrics.render());
  };
}

function header(name: string, type: string, help: string): string {
  return `# HELP ${name} ${
    help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")
  }\n# TYPE ${name} ${type}\n`;
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return "";
  const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `{${pairs.map(([k, v]) => `${k}="${escape(v)}"`).join(",")}}`;
}

function family(f: Family): string {
  let text = header(f.name, f.type, f.help);
  for (const { labels, value } of f.values.values()) {
    text += `${f.name}${labelText(labels)} ${value}\n`;
  }
  return text;
}

function histogram(h: Histogram): string {
  let text = header(h.name, "histogram", h.help);
  for (const { labels, counts, count, sum } of h.series.values()) {
    BUCKETS.forEach((le, i) => {
      text += `${h.name}_bucket${labelText(labels, ["le", String(le)])} ${counts[i]}\n`;
    });
    // Observations above the largest bound are counted in +Inf and _count only.
    text += `${h.name}_bucket${labelText(labels, ["le", "+Inf"])} ${count}\n`;
    text += `${h.name}_sum${labelText(labels)} ${sum}\n`;
    text += `${h.name}_count${labelText(labels)} ${count}\n`;
  }
  return text;
}
