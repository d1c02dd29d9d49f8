/**
 * One valid call of every admin operation, in an order in which each succeeds, for the test that
 * walks the operation table through every surface (tests/admin_operations.test.ts, and the
 * Workers client inside workerd through tests/cloudflare/worker.ts). The type makes adding an
 * operation without a sample a compile error.
 */
import type { OperationName } from "../../src/admin/operations.ts";
import { every } from "../../src/triggers/mod.ts";

/** A call's arguments, and the error name it must end with if it is meant to fail. */
export interface AdminSample {
  args: unknown[];
  /** The error a reached operation answers with (e.g. waiting on a cancelled job). */
  rejects?: string;
  /** The plain result the method must return, where the walk checks it. */
  returns?: unknown;
}

/** The schedule every sample run starts with (the task "echo" must be registered). */
export const SAMPLE_SCHEDULE = { id: "fixed", task: "echo", trigger: every(60_000) } as const;

/** One call per operation, in the order they run. */
export const ADMIN_SAMPLES: { readonly [K in OperationName]: AdminSample } = {
  listSchedules: { args: [{ limit: 10 }] },
  getSchedule: { args: ["fixed"] },
  schedule: {
    args: [{ id: "temp", task: "echo", trigger: every(30_000), payload: { n: 1 }, priority: 2 }],
  },
  updateSchedule: { args: ["temp", { payload: { n: 2 }, jitter: 1000, priority: -1 }] },
  pauseSchedule: { args: ["fixed"] },
  resumeSchedule: { args: ["fixed", {}] },
  removeSchedule: { args: ["temp"] },
  runNow: { args: ["fixed"] },
  nextRuns: { args: ["fixed", 3] },
  enqueue: {
    args: ["echo", { to: "ops" }, {
      id: "sample-job",
      delay: 3_600_000,
      priority: 5,
      concurrencyKey: "customer-42",
    }],
  },
  listJobs: { args: [{ status: ["waiting", "pending"], task: "echo" }] },
  countJobs: { args: [{ status: ["pending", "running"] }] },
  getJob: { args: ["sample-job"] },
  cancelJob: { args: ["sample-job"] },
  jobResult: { args: ["sample-job"], rejects: "JobCancelledError" },
  // The cancelled sample job runs again (pending), then finished jobs are purged (none is).
  retryJob: { args: ["sample-job"], returns: true },
  purgeJobs: { args: [{ status: ["failed", "cancelled"], task: "echo", olderThan: "PT1H" }] },
  getLock: { args: [] },
  setLock: { args: [false, "samples"] },
  listTasks: { args: [] },
};
