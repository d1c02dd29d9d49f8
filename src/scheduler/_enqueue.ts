/**
 * Validating `enqueue()` options into a job record. Every instant is checked before the record
 * exists, so a refused call writes nothing.
 * @module
 */

import { type Codec, payloadBinding } from "../codec.ts";
import { checkKeys } from "../_keys.ts";
import { checkId, checkInt, durationOr } from "../_options.ts";
import type { JsonValue } from "../json.ts";
import type { JobRecord } from "../store.ts";
import { toEpochMs } from "../time.ts";
import type { EnqueueOptions } from "../types.ts";
import { jobRecord, newJobId } from "../engine/_job_record.ts";
import { instantAfter } from "./_checks.ts";

const ENQUEUE_KEYS: readonly (keyof EnqueueOptions)[] = [
  "delay",
  "runAt",
  "id",
  "retries",
  "timeout",
  "resultTtl",
];

/** Checked `enqueue` options. */
export interface EnqueueSpec {
  id: string;
  runAt: number;
  maxAttempts: number | null;
  timeout: number | null;
  resultTtl: number | null;
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
  const runAt = o.runAt !== undefined
    ? toEpochMs(o.runAt, "runAt")
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
  };
}

/**
 * @returns The pending job record for an enqueued payload.
 */
export async function enqueuedJob(
  task: string,
  payload: JsonValue,
  spec: EnqueueSpec,
  now: number,
  codec: Codec,
): Promise<JobRecord> {
  return jobRecord({
    id: spec.id,
    task,
    scheduleId: null,
    scheduledAt: spec.runAt,
    payload: await codec.encode(payload, payloadBinding({ id: spec.id, task, scheduleId: null })),
    resultTtl: spec.resultTtl,
    maxAttempts: spec.maxAttempts,
    timeout: spec.timeout,
    createdAt: now,
  });
}
