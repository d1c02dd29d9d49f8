/**
 * The Worker that runs the store conformance suite's calls in workerd: each Durable Object
 * (`STORE`, one per test, by name) opens the SQL store over its own SQLite storage through
 * `durableObjectDriver`, exactly as `durableScheduler` does, and applies the store method named
 * in each request. `tests/durable_object_store.test.ts` forwards every Store call here.
 */
import { DurableObject } from "cloudflare:workers";
import { durableObjectDriver, type StorageMetrics } from "../../adapters/cloudflare.ts";
import type { DurableObjectStorageLike } from "../../adapters/cloudflare.ts";
import { SqlStore } from "../../src/store/sql/sql_store.ts";
import { decode, encode, errorToWire } from "./store_wire.ts";
import { firePlan, type FirePlanSpec } from "../store_fire_plans.ts";
import { jobRecord } from "../helpers/records.ts";

interface Env {
  STORE: {
    idFromName(name: string): unknown;
    get(id: unknown): { fetch(request: Request): Promise<Response> };
  };
}

/** A Durable Object holding one SqlStore. */
export class StoreObject extends DurableObject<Env> {
  #store: Promise<SqlStore> | null = null;
  #metrics: StorageMetrics = {
    statements: 0,
    rowsRead: 0,
    rowsWritten: 0,
    setAlarm: 0,
    deleteAlarm: 0,
    alarms: 0,
    jobsStarted: 0,
    fires: 0,
  };

  async fetch(request: Request): Promise<Response> {
    const { method, args } = decode<{ method: string; args: unknown[] }>(await request.text());
    try {
      const storage = (this.ctx as { storage: DurableObjectStorageLike }).storage;
      this.#store ??= SqlStore.open(durableObjectDriver(storage, this.#metrics, () => {}), {
        shared: false,
        name: "durable-object",
      });
      const store = await this.#store;
      if (method === "describe") return reply({ name: store.name, shared: store.shared });
      if (method === "close") {
        this.#store = null;
        return reply(await store.close());
      }
      const fn = (store as unknown as Record<string, unknown>)[method];
      if (typeof fn !== "function") throw new TypeError(`Not a store method: ${method}`);
      const plans = args.map((a) =>
        (a as { firePlan?: FirePlanSpec })?.firePlan
          ? firePlan((a as { firePlan: FirePlanSpec }).firePlan, jobRecord)
          : a
      );
      return reply(await (fn as (...a: unknown[]) => unknown).apply(store, plans));
    } catch (error) {
      return new Response(encode({ thrown: errorToWire(error) }));
    }
  }
}

function reply(value: unknown): Response {
  return new Response(encode({ value }));
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const name = new URL(request.url).searchParams.get("object") ?? "default";
    return await env.STORE.get(env.STORE.idFromName(name)).fetch(request);
  },
};
