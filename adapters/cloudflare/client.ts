/**
 * `schedulerClient()`: the typed client a Worker uses to reach a {@linkcode durableScheduler}
 * object over RPC, with the same results and the same typed errors as the in-process API.
 * @module
 */

import { checkId } from "../../src/_options.ts";
import type { ListSchedulesOptions, SchedulerApi } from "../../src/admin/api.ts";
import { checkInput } from "../../src/admin/input.ts";
import {
  inputFromArgs,
  inputName,
  type Operation,
  OPERATION_BY_NAME,
  OPERATIONS,
} from "../../src/admin/operations.ts";
import { plain } from "../../src/admin/plain.ts";
import type { JsonValue } from "../../src/json.ts";
import type { Trigger } from "../../src/triggers/mod.ts";
import type { JobHandle, ScheduleInfo, ScheduleOptions } from "../../src/types.ts";
import type { StorageMetrics } from "./driver.ts";
import type { DurableObjectNamespaceLike, DurableObjectStubLike } from "./types.ts";
import { errorFromWire, outputFromWire, type WireRequest, type WireResponse } from "./wire.ts";

/** Options of a schedule created through the client: the task is given by name. */
export type ClientScheduleOptions<P = JsonValue> = Omit<ScheduleOptions<P>, "task"> & {
  /** The task's name, as registered in the object's setup. */
  task: string;
};

/** Filter for {@linkcode SchedulerClient.listSchedules}. */
export type ClientScheduleFilter = ListSchedulesOptions;

/**
 * The scheduler of one Durable Object, reached over RPC: the {@linkcode SchedulerApi} contract,
 * like the in-process `Scheduler`, plus the object's name and counters.
 */
export interface SchedulerClient extends SchedulerApi {
  /** The object's name (`idFromName`). */
  readonly name: string;
  /** Replaces a schedule's trigger (`updateSchedule(id, { trigger })`). */
  reschedule(id: string, trigger: Trigger): Promise<ScheduleInfo>;
  /** Reads the object's counters. @returns Storage rows and alarm calls since it last woke. */
  metrics(): Promise<StorageMetrics>;
}

/**
 * A client for the scheduler object named `name` in `namespace` (one object per name, so
 * schedulers shard by name: a tenant, a region, a queue). Works from any Worker handler
 * (`fetch`, `scheduled`, `queue`) and from other Durable Objects.
 *
 * Arguments are checked where the in-process API would check them, and errors arrive as the
 * same classes with the same messages (`TypeError`, `RangeError`, `SyntaxError`,
 * `UnknownTaskError`, `ConflictError`, `NotFoundError`, ...).
 *
 * @param namespace The Durable Object binding, e.g. `env.SCHEDULER`.
 * @param name The object's name.
 * @returns The client.
 * @example
 * ```ts ignore
 * import { cron } from "@everywhen/everywhen";
 * import { schedulerClient } from "@everywhen/everywhen/cloudflare";
 *
 * export default {
 *   async fetch(_request: Request, env: { SCHEDULER: DurableObjectNamespace }) {
 *     const scheduler = schedulerClient(env.SCHEDULER, "tenant-42");
 *     await scheduler.schedule({ id: "daily", task: "report", trigger: cron("0 9 * * *") });
 *     const job = await scheduler.enqueue("report", { to: "me" }, { delay: "PT10S" });
 *     return Response.json({ job: job.id });
 *   },
 * };
 * ```
 */
export function schedulerClient(
  namespace: DurableObjectNamespaceLike,
  name: string,
): SchedulerClient {
  if (typeof name !== "string" || name === "") {
    throw new TypeError("Invalid object name: expected a non-empty string");
  }
  let stub: DurableObjectStubLike | undefined;
  const rpc = async (op: string, input: Record<string, unknown>): Promise<unknown> => {
    stub ??= namespace.get(namespace.idFromName(name) as never) as DurableObjectStubLike;
    const request: WireRequest = { op, input };
    const response = await stub.everywhen(request) as WireResponse;
    if (!response.ok) throw errorFromWire(response.error);
    return response.value;
  };
  /** Checks the input here (the same check the object runs), so bad input never travels. */
  const call = async (op: Operation, args: readonly unknown[]): Promise<unknown> => {
    const input = checkInput(op.fields, inputFromArgs(op, args), inputName(op));
    return outputFromWire(op.output, await rpc(op.name, plain(input) as never), handle);
  };
  const jobResult = OPERATION_BY_NAME.get("jobResult")!;
  const handle = <R>(id: string): JobHandle<R> => ({
    id,
    result: async (options) => {
      options?.signal?.throwIfAborted();
      const waiting = call(jobResult, [id]) as Promise<R>;
      if (!options?.signal) return await waiting;
      const signal = options.signal;
      waiting.catch(() => {});
      return await new Promise<R>((resolve, reject) => {
        const abort = () => reject(signal.reason);
        signal.addEventListener("abort", abort, { once: true });
        waiting.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
      });
    },
    info: () => client.getJob<R>(id),
    cancel: () => client.cancelJob(id),
  });
  // Every operation of the table is a method, with the same arguments as the Scheduler's.
  const methods: Record<string, unknown> = {};
  for (const op of OPERATIONS) methods[op.name] = (...args: unknown[]) => call(op, args);
  const client = {
    ...methods,
    name,
    job: (id: string) => handle(checkId(id)),
    reschedule: (id: string, trigger: Trigger) => client.updateSchedule(id, { trigger }),
    metrics: async () => (await rpc("metrics", {})) as StorageMetrics,
  } as unknown as SchedulerClient;
  return client;
}
