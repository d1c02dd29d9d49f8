/**
 * Store records with sensible defaults, for the conformance suite and the store tests: plain
 * data builders, free of the test runner, so a Worker bundle can use them too.
 */
import type { JobRecord, ScheduleRecord } from "../../src/store/store.ts";

const T0 = Date.parse("2030-01-01T00:00:00Z");

/** A schedule record with sensible defaults. */
export function scheduleRecord(id: string, patch: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    id,
    task: "t",
    trigger: { v: 1, type: "at", at: "2030-01-01T00:00:00Z" } as ScheduleRecord["trigger"],
    payload: "null",
    paused: false,
    coalesce: "latest",
    misfireGraceTime: null,
    maxInstances: 1,
    overlap: "skip",
    jitter: 0,
    resultTtl: null,
    priority: 0,
    concurrencyKey: null,
    rateKey: null,
    nextRunAt: T0,
    lastRunAt: null,
    createdAt: T0 - 1000,
    updatedAt: T0 - 1000,
    ...patch,
  };
}

/** A pending job record with sensible defaults. */
export function jobRecord(id: string, patch: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    task: "t",
    scheduleId: null,
    scheduledAt: T0,
    runAt: T0,
    status: "pending",
    payload: '{"n":1}',
    result: null,
    error: null,
    attempts: 0,
    maxAttempts: null,
    timeout: null,
    resultTtl: null,
    concurrencyKey: null,
    concurrencyLimit: null,
    progress: null,
    cancelRequested: false,
    leaseOwner: null,
    leaseUntil: null,
    createdAt: T0 - 1000,
    startedAt: null,
    finishedAt: null,
    expiresAt: null,
    seq: 0,
    priority: 0,
    rateKey: null,
    rateLimit: null,
    ratePeriod: null,
    after: [],
    history: [],
    ...patch,
  };
}
