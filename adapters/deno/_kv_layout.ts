/**
 * The key layout's version, checked when a store is first used. A database without the
 * `["layout"]` key is either empty (it gets the current version) or written by layout 1 (before
 * the queue features): its jobs are migrated in place, oldest `createdAt` first (ties by id), so
 * they get `seq` in creation order, priority 0, no rate limit, no dependencies and an empty
 * history, and move from the old `["ready", time, id]` index to the new ones; schedules get
 * priority 0. Each job moves in
 * its own atomic operation that checks it, so processes opening the same database at once
 * migrate it together without doing anything twice. A layout newer than this code is refused.
 * @module
 */

import type { JobRecord } from "../../src/store/store.ts";
import { jobReadyAt } from "../../src/store/semantics.ts";
import { type KvKeys, LAYOUT_VERSION, type Slot } from "./_kv_keys.ts";
import { KvTx } from "./_kv_tx.ts";
import { contention, MAX_TRIES } from "./_kv_commit.ts";
import type { Kv } from "./types.ts";

/** Writes a job with its indexes (the store's `putJob`). */
export type PutJob = (tx: KvTx, old: JobRecord | null, next: JobRecord) => void;

/**
 * Makes sure the database is in layout {@linkcode LAYOUT_VERSION}, migrating layout 1.
 * @param kv The database.
 * @param k The store's keys.
 * @param putJob Writes a job with its indexes.
 */
export async function openLayout(kv: Kv, k: KvKeys, putJob: PutJob): Promise<void> {
  const versionKey = k.key("layout");
  const version = (await kv.get<number>(versionKey)).value;
  if (version === LAYOUT_VERSION) return;
  if (version !== null) {
    throw new Error(
      `Cannot open the Deno KV store: its data uses key layout ${version}, but this version of everywhen reads layout ${LAYOUT_VERSION} (upgrade everywhen to open it)`,
    );
  }
  const old: { id: string; createdAt: number }[] = [];
  for await (const { value } of kv.list<JobRecord>({ prefix: k.key("j") }, { batchSize: 500 })) {
    if (typeof value.seq !== "number") old.push({ id: value.id, createdAt: value.createdAt });
  }
  old.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const { id } of old) await migrateJob(kv, k, id, putJob);
  for await (const entry of kv.list<Slot>({ prefix: k.key("s") }, { batchSize: 500 })) {
    if (typeof entry.value.rec.priority === "number") continue;
    // Only the record gains a field: its key and `due` index stay as they are.
    const slot = { ...entry.value, rec: { ...entry.value.rec, priority: 0 } };
    await kv.atomic().check(entry).set(entry.key, slot).commit(); // lost race: migrated already
  }
  const tx = new KvTx(kv);
  const now = await tx.get<number>(versionKey);
  if (now === null) tx.set(versionKey, LAYOUT_VERSION);
  await tx.commit("set the key layout"); // a concurrent opener setting it first is as good
}

async function migrateJob(kv: Kv, k: KvKeys, id: string, putJob: PutJob): Promise<void> {
  for (let i = 0; i < MAX_TRIES; i++) {
    const tx = new KvTx(kv);
    const job = await tx.get<JobRecord>(k.job(id));
    if (!job || typeof job.seq === "number") return;
    const seqKey = k.key("seq");
    const seq = ((await tx.get<number>(seqKey)) ?? 0) + 1;
    const ready = jobReadyAt(job);
    if (ready !== null) tx.delete(k.key("ready", ready, id));
    const next: JobRecord = {
      ...job,
      seq,
      priority: 0,
      rateKey: null,
      rateLimit: null,
      ratePeriod: null,
      after: [],
      history: [],
    };
    // Layout 1 had the same `act` and `exp` keys: rewriting them is harmless.
    putJob(tx, null, next);
    tx.set(seqKey, seq);
    if (await tx.commit(`migrate job ${JSON.stringify(id)}`)) return;
  }
  throw contention("migrate job", id);
}
