/**
 * `cronTriggers()`: the Cron Trigger bridge. Maps the expressions listed under `[triggers] crons`
 * in the Wrangler configuration to handlers, for static UTC schedules that should run on the
 * platform's own trigger rather than on a Durable Object alarm.
 * @module
 */

import { Temporal } from "../../src/temporal.ts";
import type { ExecutionContextLike, ScheduledControllerLike } from "./types.ts";

/** What a Cron Trigger handler receives besides `env` and `ctx`. */
export interface CronTriggerEvent {
  /** The expression that fired, as written in the Wrangler configuration. */
  readonly cron: string;
  /** The fire instant. */
  readonly scheduledTime: Temporal.Instant;
}

/** Handles one Cron Trigger expression. */
export type CronTriggerHandler<Env> = (
  event: CronTriggerEvent,
  env: Env,
  ctx: ExecutionContextLike,
) => unknown;

/** A Worker `scheduled()` handler. */
export type ScheduledHandler<Env> = (
  controller: ScheduledControllerLike,
  env: Env,
  ctx: ExecutionContextLike,
) => Promise<void>;

const normalise = (expr: string): string => expr.trim().split(/\s+/).join(" ");

/**
 * Builds a Worker `scheduled()` handler that runs the handler registered for the expression
 * that fired. Expressions are matched as written (runs of spaces count as one), in Cloudflare's
 * cron dialect and in UTC; for time zones, seconds or schedules that change at run time, use a
 * {@linkcode durableScheduler} object instead. An expression without a handler throws
 * `RangeError`, so a typo in the configuration shows as a failed invocation, not silence.
 *
 * @param handlers Handler per expression, e.g. `{ "0 3 * * *": cleanup }`.
 * @returns The `scheduled` handler to export.
 * @example
 * ```ts ignore
 * import { cronTriggers, schedulerClient } from "@everywhen/everywhen/cloudflare";
 *
 * export default {
 *   scheduled: cronTriggers<Env>({
 *     // wrangler.toml: [triggers] crons = ["0 3 * * *"]
 *     "0 3 * * *": (_event, env) => schedulerClient(env.SCHEDULER, "main").enqueue("cleanup"),
 *   }),
 * };
 * ```
 */
export function cronTriggers<Env>(
  handlers: Record<string, CronTriggerHandler<Env>>,
): ScheduledHandler<Env> {
  const table = new Map<string, CronTriggerHandler<Env>>();
  for (const [expr, handler] of Object.entries(handlers)) {
    if (typeof handler !== "function") {
      throw new TypeError(`Invalid handler for cron ${JSON.stringify(expr)}: expected a function`);
    }
    const key = normalise(expr);
    if (table.has(key)) throw new TypeError(`Duplicate cron expression: ${JSON.stringify(expr)}`);
    table.set(key, handler);
  }
  return async (controller, env, ctx) => {
    const handler = table.get(normalise(String(controller.cron)));
    if (!handler) {
      throw new RangeError(
        `No handler for cron ${
          JSON.stringify(controller.cron)
        } (add it to cronTriggers() or remove it from [triggers] crons)`,
      );
    }
    const event: CronTriggerEvent = {
      cron: controller.cron,
      scheduledTime: Temporal.Instant.fromEpochMilliseconds(controller.scheduledTime),
    };
    await handler(event, env, ctx);
  };
}
