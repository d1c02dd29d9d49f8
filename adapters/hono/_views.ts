/**
 * What the admin API returns for schedules and jobs: plain JSON with ISO 8601 instants, a
 * schedule's state and its next runs in the schedule's own time zone.
 * @module
 */

import { instantText, scheduleState } from "../../src/admin/plain.ts";
import type { JsonValue } from "../../src/json.ts";
import type { JobError, JobStatus } from "../../src/store/store.ts";
import type { Temporal } from "../../src/temporal.ts";
import type { TriggerJSON } from "../../src/triggers/mod.ts";
import type { JobInfo, ScheduleInfo } from "../../src/types.ts";

/** One upcoming fire: the instant and the same instant on the schedule's wall clock. */
export interface FireView {
  at: string;
  local: string;
}

/** A schedule as the API shows it. */
export interface ScheduleView {
  id: string;
  task: string;
  state: "active" | "paused" | "finished";
  trigger: TriggerJSON;
  summary: string;
  timezone: string;
  payload: JsonValue;
  paused: boolean;
  coalesce: string;
  misfireGraceTime: number | null;
  maxInstances: number;
  overlap: string;
  jitter: number;
  resultTtl: number | null;
  nextRunAt: string | null;
  lastRunAt: string | null;
  nextRuns: FireView[];
  createdAt: string;
  updatedAt: string;
  tampered: boolean;
}

/** A job as the API shows it. */
export interface JobView {
  id: string;
  task: string;
  scheduleId: string | null;
  status: JobStatus;
  payload: JsonValue;
  result: JsonValue;
  error: JobError | null;
  progress: JsonValue;
  attempts: number;
  maxAttempts: number | null;
  scheduledAt: string;
  runAt: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  expiresAt: string | null;
  durationMs: number | null;
  tampered: boolean;
}

/** The zone a trigger fires in: its own, a child's, or `fallback` (`every`, `at`). */
export function zoneOf(json: TriggerJSON, fallback: string): string {
  if (json.type === "cron" || json.type === "calendar") return json.timezone ?? fallback;
  if (json.type === "anyOf" || json.type === "allOf") {
    for (const child of json.triggers) {
      const zone = zoneOf(child, "");
      if (zone !== "") return zone;
    }
  }
  return fallback;
}

const UNITS: [number, string][] = [[86_400_000, "d"], [3_600_000, "h"], [60_000, "min"], [
  1000,
  "s",
]];

/** @returns `90000` as `"1min 30s"`. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [size, unit] of UNITS) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}ms`);
  return parts.join(" ");
}

/** @returns A short human description, e.g. `cron 0 9 * * MON-FRI`. */
export function summarize(json: TriggerJSON): string {
  switch (json.type) {
    case "cron":
      return `cron ${json.expression}`;
    case "every":
      return `every ${formatDuration(json.intervalMs)}`;
    case "at":
      return `once at ${json.at}`;
    case "calendar": {
      const units = Object.entries(json.interval).filter(([, n]) => n).map(([unit, n]) =>
        `${n} ${n === 1 ? unit.slice(0, -1) : unit}`
      );
      return `every ${units.join(" ")} at ${json.at}`;
    }
    case "anyOf":
      return `any of (${json.triggers.map(summarize).join("; ")})`;
    case "allOf":
      return `all of (${json.triggers.map(summarize).join("; ")})`;
  }
}

const iso = (i: Temporal.Instant | null): string | null => (i === null ? null : instantText(i));

/** @returns The fire at `instant` as UTC and as wall-clock time in `zone`. */
export function fireView(instant: Temporal.Instant, zone: string): FireView {
  return {
    at: instantText(instant),
    local: instant.toZonedDateTimeISO(zone).toString({ timeZoneName: "never" }),
  };
}

/**
 * @param s The schedule.
 * @param fallbackZone The scheduler's zone, for triggers without their own.
 * @param runs How many next runs to list.
 * @param now The scheduler clock's now, in epoch ms: paused schedules preview from here.
 */
export function scheduleView(
  s: ScheduleInfo,
  fallbackZone: string,
  runs: number,
  now: number,
): ScheduleView {
  const json = s.trigger.toJSON();
  const timezone = zoneOf(json, fallbackZone);
  const state = scheduleState(s);
  const from = state === "active" ? s.nextRunAt!.epochMilliseconds - 1 : now;
  let nextRuns: FireView[] = [];
  if (state !== "finished" && runs > 0) {
    try {
      nextRuns = s.trigger.nextRuns(runs, from).map((i) => fireView(i, timezone));
    } catch {
      // allOf may give up (RangeError); the schedule is still shown, without a preview.
    }
  }
  return {
    id: s.id,
    task: s.task,
    state,
    trigger: json,
    summary: summarize(json),
    timezone,
    payload: s.payload as JsonValue,
    paused: s.paused,
    coalesce: s.coalesce,
    misfireGraceTime: s.misfireGraceTime,
    maxInstances: s.maxInstances,
    overlap: s.overlap,
    jitter: s.jitter,
    resultTtl: s.resultTtl,
    nextRunAt: iso(s.nextRunAt),
    lastRunAt: iso(s.lastRunAt),
    nextRuns,
    createdAt: instantText(s.createdAt),
    updatedAt: instantText(s.updatedAt),
    tampered: s.tampered,
  };
}

/** @returns The job as plain JSON, with its duration once started and finished. */
export function jobView(j: JobInfo): JobView {
  return {
    id: j.id,
    task: j.task,
    scheduleId: j.scheduleId,
    status: j.status,
    payload: j.payload,
    result: j.result,
    error: j.error,
    progress: j.progress,
    attempts: j.attempts,
    maxAttempts: j.maxAttempts,
    scheduledAt: instantText(j.scheduledAt),
    runAt: instantText(j.runAt),
    createdAt: instantText(j.createdAt),
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
    expiresAt: iso(j.expiresAt),
    durationMs: j.startedAt && j.finishedAt
      ? j.finishedAt.epochMilliseconds - j.startedAt.epochMilliseconds
      : null,
    tampered: j.tampered,
  };
}
