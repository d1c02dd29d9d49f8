/**
 * Validating `enqueue()` options into a job record. Every instant is checked before the record
 * exists, so a refused call writes nothing.
 * @module
 */

import { type Codec, payloadBinding } from "../codec.ts";
import { checkKeys } from "../_keys.ts";
import { checkEnum, checkId, checkInt, durationOr } from "../_options.ts";
import { MAX_AFTER, NO_ITEMS } from "../store/semantics.ts";
import type { TaskEntry } from "../engine/_tasks.ts";
import type { JsonValue } from "../json.ts";
import type { JobRecord } from "../store/store.ts";
import { toEpochMs } from "../time.ts";
import type { EnqueueOptions } from "../types.ts";
import { attemptsOf, jobRecord, newJobId, payloadKeys } from "../engine/_job_record.ts";
import { checkPriority, instantAfter } from "./_checks.ts";

const ENQUEUE_KEYS: readonly (keyof EnqueueOptions)[] = [
  "delay",
  "runAt",
  "id",
  "retries",
  "timeout",
  "resultTtl",
  "priority",
  "concurrencyKey",
  "ifExists",
  "debounce",
  "after",
];

/** Checked `enqueue` options. */
export interface EnqueueSpec {
  id: string;
  runAt: number;
  maxAttempts: number | null;
  timeout: number | null;
  resultTtl: number | null;
  /** Explicit priority; `null` takes the task's. */
  priority: number | null;
  concurrencyKey: string | null;
  /** What the store does when the id exists (debounce is `"replace"`). */
  ifExists: "keep" | "replace";
  after: readonly string[];
}

/**
 * @param options What the caller passed.
 * @param now The current time.
 * @returns The checked options.
 */
export function checkEnqueueOptions(options: EnqueueOptions | undefined, now: number): EnqueueSpec {
  const o = checkKeys(options, ENQUEUE_KEYS, "enqueue options");
  if (o.delay !== undefined && o.runAt !== undefined) {
    throw new TypeError("Invalid enqueue options: give either delay or runAt, not both");
  }
  if ((o.ifExists !== undefined || o.debounce !== undefined) && o.id === undefined) {
    throw new TypeError("Invalid enqueue options: ifExists and debounce need an id");
  }
  if (o.debounce !== undefined && (o.delay !== undefined || o.runAt !== undefined)) {
    throw new TypeError(
      "Invalid enqueue options: debounce sets the run time; drop delay and runAt",
    );
  }
  if (o.debounce !== undefined && o.ifExists === "keep") {
    throw new TypeError(
      'Invalid enqueue options: debounce replaces the pending job; drop ifExists "keep"',
    );
  }
  const runAt = o.runAt !== undefined
    ? toEpochMs(o.runAt, "runAt")
    : o.debounce !== undefined
    ? instantAfter(now, durationOr(o.debounce, "debounce", 0), "debounce")
    : instantAfter(now, durationOr(o.delay, "delay", 0), "delay");
  const resultTtl = durationOr(o.resultTtl, "resultTtl", null);
  if (resultTtl !== null) instantAfter(Math.max(now, runAt), resultTtl, "resultTtl");
  const retries = o.retries === undefined ? null : checkInt(o.retries, "retries", 0);
  return {
    id: o.id === undefined ? newJobId() : checkId(o.id),
    runAt,
    maxAttempts: retries === null ? null : retries + 1,
    timeout: durationOr(o.timeout, "timeout", null),
    resultTtl,
    priority: o.priority === undefined ? null : checkPriority(o.priority),
    concurrencyKey: o.concurrencyKey === undefined
      ? null
      : checkId(o.concurrencyKey, "concurrencyKey"),
    ifExists: o.debounce !== undefined
      ? "replace"
      : o.ifExists === undefined
      ? "keep"
      : checkEnum(o.ifExists, "ifExists", ["keep", "replace"]),
    after: checkAfter(o.after),
  };
}

function checkAfter(after: unknown): readonly string[] {
  if (after === undefined) return NO_ITEMS;
  if (!Array.isArray(after)) {
    throw new TypeError("Invalid after: expected an array of job ids");
  }
  if (after.length > MAX_AFTER) {
    throw new RangeError(`Invalid after: ${after.length} job ids (at most ${MAX_AFTER})`);
  }
  return [...new Set(after.map((id) => checkId(id, "after")))];
}

/**
 * @returns The pending job record for an enqueued payload: the per-key concurrency and rate-limit
 * fields come from its task's settings and payload.
 */
export async function enqueuedJob(
  task: string,
  payload: JsonValue,
  spec: EnqueueSpec,
  now: number,
  codec: Codec,
  entry?: TaskEntry,
): Promise<JobRecord> {
  // An explicit `concurrencyKey` takes the place of the task's key function, which does not run.
  const keys = payloadKeys(
    task,
    payload,
    spec.concurrencyKey === null
      ? entry
      : { concurrency: null, rateLimit: entry?.rateLimit ?? null },
  );
  const keyed = spec.concurrencyKey ?? keys.concurrencyKey;
  const rate = entry?.rateLimit ?? null;
  return jobRecord({
    id: spec.id,
    task,
    scheduleId: null,
    scheduledAt: spec.runAt,
    payload: await codec.encode(payload, payloadBinding({ id: spec.id, task, scheduleId: null })),
    resultTtl: spec.resultTtl,
    createdAt: now,
    // Fixed when the job is made, from the task's retries if the job names none: what the job
    // record (and every admin surface) shows is what the runner applies.
    maxAttempts: spec.maxAttempts ?? attemptsOf(entry),
    timeout: spec.timeout,
    priority: spec.priority ?? entry?.priority ?? 0,
    concurrencyKey: keyed,
    concurrencyLimit: keyed === null ? null : entry?.concurrency?.limit ?? 1,
    rateKey: keys.rateKey,
    rateLimit: rate?.limit ?? null,
    ratePeriod: rate?.period ?? null,
    after: spec.after,
  });
}
