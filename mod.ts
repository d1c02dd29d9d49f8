/**
 * everywhen: one job scheduler for every JavaScript runtime. Cron (IANA time zones, DST
 * correct), interval, calendar and one-shot schedules plus background jobs with results,
 * retries, timeouts and concurrency limits, on a pluggable Store.
 *
 * @example
 * ```ts
 * import { cron, Scheduler } from "@everywhen/everywhen";
 *
 * const scheduler = new Scheduler({ timezone: "America/New_York" });
 * const sendReport = scheduler.task("send-report", async (p: { to: string }, ctx) => {
 *   await fetch("https://example.com/report", { method: "POST", signal: ctx.signal });
 *   return { sentTo: p.to };
 * }, { retries: 3, timeout: "PT30S" });
 *
 * await sendReport.schedule({ id: "daily", trigger: cron("0 9 * * MON-FRI"), payload: { to: "ops" } });
 * const job = await sendReport.enqueue({ to: "me" }, { delay: { minutes: 5 } });
 * scheduler.start();
 * console.log(await job.result());
 * ```
 * @module
 */

export * from "./src/errors.ts";
export * from "./src/time.ts";
export * from "./src/triggers/mod.ts";
export { Temporal, type TemporalNamespace } from "./src/temporal.ts";
export { type JsonValue, MAX_JSON_DEPTH, MAX_JSON_LENGTH } from "./src/json.ts";
export { authenticatedData, type Codec, jsonCodec, type RecordBinding } from "./src/codec.ts";
export { encryptedCodec, type EncryptionOptions, generateEncryptionKey } from "./src/encryption.ts";
export * from "./src/store/store.ts";
export { MemoryStore, type MemoryStoreOptions } from "./src/store/memory_store.ts";
export {
  type Clock,
  systemClock,
  type SystemClockOptions,
  type TimerHandle,
  type TimerOptions,
  VirtualClock,
} from "./src/clock.ts";
export {
  type ArmOptions,
  TimerWaker,
  type TimerWakerOptions,
  type Waker,
  type WakerFactory,
  type WakerHost,
} from "./src/waker.ts";
export {
  type JobEventDetail,
  type MissedReason,
  SCHEDULER_EVENT_TYPES,
  type SchedulerEvent,
  type SchedulerEventMap,
} from "./src/events.ts";
export {
  type ListenerOptions,
  SchedulerEvents,
  type SchedulerListener,
} from "./src/scheduler/events.ts";
export type { RunDueOptions, ScheduleDefaults, SchedulerOptions } from "./src/scheduler/options.ts";
export * from "./src/types.ts";
export { Scheduler, type SchedulerState, type StartOptions } from "./src/scheduler/scheduler.ts";
export type { SpawnHandle, SpawnOptions } from "./src/scheduler/spawn.ts";
export type { Logger, LogLevel } from "./src/scheduler/logging.ts";
export type { HandlerModule } from "./src/engine/handler_module.ts";
