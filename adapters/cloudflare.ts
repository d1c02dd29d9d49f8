/**
 * everywhen for Cloudflare Workers: a Durable Object whose one alarm runs all of its schedules
 * and jobs, with the store in the object's SQLite storage; a typed RPC client for Workers; and a
 * bridge from Cron Triggers to handlers.
 *
 * - {@linkcode durableScheduler} builds the Durable Object class (pass it `DurableObject` from
 *   `cloudflare:workers`). Every write moves the object's alarm to the earliest due instant in
 *   the same storage transaction; `alarm()` runs what is due, bounded per call.
 * - {@linkcode schedulerClient} reaches one object by name from `fetch`, `scheduled` or `queue`
 *   handlers, with the scheduler's API and its typed errors.
 * - {@linkcode cronTriggers} maps `[triggers] crons` entries to handlers.
 *
 * Needs a SQLite-backed Durable Object (`new_sqlite_classes` in a migration). No
 * `nodejs_compat` flag is required; `temporal-polyfill` is bundled where workerd lacks Temporal.
 *
 * @example
 * ```ts ignore
 * import { DurableObject } from "cloudflare:workers";
 * import { cron } from "@everywhen/everywhen";
 * import { durableScheduler, schedulerClient } from "@everywhen/everywhen/cloudflare";
 *
 * export class Scheduler extends durableScheduler(DurableObject, (scheduler) => {
 *   scheduler.task("report", async (p: { to: string }) => ({ sentTo: p.to }), { retries: 3 });
 * }, { timezone: "Europe/Berlin" }) {}
 *
 * export default {
 *   async fetch(_request: Request, env: { SCHEDULER: DurableObjectNamespace }) {
 *     const scheduler = schedulerClient(env.SCHEDULER, "main");
 *     await scheduler.schedule({ id: "daily", task: "report", trigger: cron("0 9 * * *") });
 *     return new Response("ok");
 *   },
 * };
 * ```
 * @module
 */

export {
  durableScheduler,
  type DurableSchedulerClass,
  type DurableSchedulerObject,
  type DurableSchedulerOptions,
  type SchedulerSetup,
} from "./cloudflare/object.ts";
export {
  type ClientScheduleFilter,
  type ClientScheduleOptions,
  type SchedulerClient,
  schedulerClient,
} from "./cloudflare/client.ts";
export {
  type CronTriggerEvent,
  type CronTriggerHandler,
  cronTriggers,
  type ScheduledHandler,
} from "./cloudflare/cron.ts";
export { durableObjectDriver, type StorageMetrics } from "./cloudflare/driver.ts";
export type { WireError, WireRequest, WireResponse } from "./cloudflare/wire.ts";
export type {
  AlarmInvocationInfo,
  DurableObjectBase,
  DurableObjectNamespaceLike,
  DurableObjectStateLike,
  DurableObjectStorageLike,
  DurableObjectStubLike,
  DurableSqlCursor,
  DurableSqlStorage,
  DurableSqlValue,
  ExecutionContextLike,
  ScheduledControllerLike,
} from "./cloudflare/types.ts";
