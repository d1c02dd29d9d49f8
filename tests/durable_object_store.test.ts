/**
 * The store conformance suite against the Durable Object store (the SQL store over
 * `durableObjectDriver`) inside real workerd. node:test cannot run in workerd, so each Store
 * call made by the unchanged suite is forwarded to a Durable Object in Miniflare
 * (`tests/cloudflare/store_worker.ts`), which applies it to its own store and sends back the
 * result or the error. One object per test gives each test a fresh, empty store.
 *
 * Runs once, in the Node 26 suite (Miniflare and workerd are Node packages); skipped elsewhere.
 */
import { after, before } from "node:test";
import type { Store } from "../src/store/store.ts";
import { storeConformance } from "./store_conformance.ts";
import { decode, encode, errorFromWire, type WireError } from "./cloudflare/store_wire.ts";
import { workerdSkip } from "./cloudflare/skip.ts";
import type { FirePlan } from "./store_fire_plans.ts";

const skip = workerdSkip;

type Send = (object: string, method: string, args: unknown[]) => Promise<unknown>;
let send: Send | null = null;
let dispose: (() => Promise<void>) | null = null;

if (!skip) {
  before(async () => {
    const { Miniflare } = await import("miniflare");
    const { bundleWorker } = await import("./cloudflare/harness.ts");
    const mf = new Miniflare({
      modules: true,
      script: await bundleWorker("store_worker.ts"),
      compatibilityDate: "2025-09-01",
      durableObjects: { STORE: { className: "StoreObject", useSQLite: true } },
    });
    await mf.ready;
    dispose = () => mf.dispose();
    send = async (object, method, args) => {
      const res = await mf.dispatchFetch(
        `http://worker/?object=${encodeURIComponent(object)}`,
        { method: "POST", body: encode({ method, args }) },
      );
      const body = decode<{ value?: unknown; thrown?: WireError }>(await res.text());
      if (body.thrown) throw errorFromWire(body.thrown);
      return body.value;
    };
  });
  after(async () => await dispose?.());
}

let objects = 0;

/** A Store whose every call runs in the Durable Object `object` inside workerd. */
async function remoteStore(): Promise<Store> {
  if (!send) throw new Error("workerd is not running");
  const call = send;
  const object = `store-${++objects}`;
  const { name, shared } = await call(object, "describe", []) as { name: string; shared: boolean };
  const methods = new Map<PropertyKey, unknown>();
  // Calls reach the object in the order they are made, as the scheduler's own calls do inside
  // it: concurrent requests through Miniflare may otherwise arrive in any order (seen under load),
  // which the ordering rules would then judge instead of the store.
  let previous: Promise<unknown> = Promise.resolve();
  return new Proxy({ name, shared } as unknown as Store, {
    get(target, key) {
      if (key === "name" || key === "shared") return target[key];
      // Not a thenable, and no change feed: a Durable Object's store is not shared.
      if (typeof key !== "string" || key === "then" || key === "watch") return undefined;
      let fn = methods.get(key);
      if (!fn) {
        fn = (...args: unknown[]) => {
          // A fire plan crosses as its description; the object rebuilds it (store_fire_plans.ts).
          const wire = args.map((a) =>
            typeof a === "function" ? { firePlan: (a as FirePlan).spec } : a
          );
          const result = previous.then(() => call(object, key, wire));
          previous = result.catch(() => {});
          return result;
        };
        methods.set(key, fn);
      }
      return fn;
    },
  });
}

storeConformance("SqlStore (Durable Object in workerd)", remoteStore, { skip });
