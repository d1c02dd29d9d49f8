// Encryption binds every stored value to what decides what runs with it: swapping a job's task,
// re-pointing it at another schedule with that schedule's ciphertext, or swapping ciphertexts
// between jobs is refused and never runs, in memory and in a real SQLite file tampered through
// SQL. Records written by everywhen 0.1 (`ew1:`, bound to the record id only) stay readable.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { openStore } from "../adapters/sqlite.ts";
import { VirtualClock } from "../src/clock.ts";
import {
  type Codec,
  payloadBinding,
  progressBinding,
  resultBinding,
  scheduleBinding,
} from "../src/codec.ts";
import { encryptedCodec, generateEncryptionKey } from "../src/encryption.ts";
import { JobFailedError, TamperedRecordError } from "../src/errors.ts";
import { MemoryStore } from "../src/memory_store.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import type { JobRecord, ScheduleRecord, Store } from "../src/store.ts";
import { every } from "../src/triggers/mod.ts";
import { T0 } from "./helpers/harness.ts";

const dir = mkdtempSync(join(tmpdir(), "everywhen-binding-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** The stored fields an attacker with write access to the database changes. */
type JobPatch = Partial<Pick<JobRecord, "task" | "scheduleId" | "payload" | "result">>;
type SchedulePatch = Partial<Pick<ScheduleRecord, "task" | "payload">>;

interface Backend {
  /** The store records are written to, and (after `tamper`) the one a scheduler runs on. */
  store(): Promise<Store>;
  /** Applies the patches to the stored rows; returns the store to run on. */
  tamper(jobs: Record<string, JobPatch>, schedules?: Record<string, SchedulePatch>): Promise<Store>;
  close(): Promise<void>;
}

/** MemoryStore: records are copied into a fresh store with the patches applied. */
function memoryBackend(): Backend {
  const staging = new MemoryStore();
  const target = new MemoryStore();
  return {
    store: () => Promise.resolve(staging),
    async tamper(jobs, schedules = {}) {
      for (const s of await staging.listSchedules()) {
        await target.putSchedule({ ...s, ...schedules[s.id] }, "error");
      }
      for (const j of await staging.listJobs({ limit: 10_000 })) {
        await target.insertJob({ ...j, ...jobs[j.id] });
      }
      return target;
    },
    close: () => Promise.resolve(),
  };
}

/** A real SQLite file, changed with direct SQL UPDATEs through a second connection. */
function sqliteBackend(): Backend {
  const path = join(dir, `binding-${++files}.db`);
  let store: Store | undefined;
  const columns: Record<string, string> = {
    task: "task",
    scheduleId: "schedule_id",
    payload: "payload",
    result: "result",
  };
  const update = (db: DatabaseSync, table: string, id: string, patch: object): void => {
    for (const [field, value] of Object.entries(patch)) {
      const changed = db.prepare(`UPDATE ${table} SET ${columns[field]} = ? WHERE id = ?`)
        .run(value as string, id).changes;
      assert.equal(Number(changed), 1, `row ${id} updated`);
    }
  };
  return {
    store: async () => (store = await openStore(path)),
    tamper(jobs, schedules = {}) {
      const db = new DatabaseSync(path);
      try {
        for (const [id, patch] of Object.entries(jobs)) update(db, "everywhen_jobs", id, patch);
        for (const [id, patch] of Object.entries(schedules)) {
          update(db, "everywhen_schedules", id, patch);
        }
      } finally {
        db.close();
      }
      return Promise.resolve(store!);
    },
    close: async () => await store?.close(),
  };
}

interface World {
  writer: Scheduler;
  backend: Backend;
  codec: Codec;
  clock: VirtualClock;
  calls: string[];
}

async function world(backend: Backend): Promise<World> {
  const codec = await encryptedCodec({ key: generateEncryptionKey() });
  const clock = new VirtualClock(T0);
  const writer = new Scheduler({ clock, store: await backend.store(), codec });
  return { writer, backend, codec, clock, calls: [] };
}

/** Runs everything due on the tampered store and returns the scheduler (stopped). */
async function runTampered(
  w: World,
  store: Store,
  expectFailed: number,
  expectCalls = 0,
): Promise<Scheduler> {
  const runner = new Scheduler({ clock: w.clock, store, codec: w.codec, random: () => 0.5 });
  const failed: string[] = [];
  const errors: unknown[] = [];
  runner.on("job:failed", (e) => failed.push(e.jobId));
  runner.on("scheduler:error", (e) => errors.push(e.error));
  for (const name of ["pay", "refund"]) {
    runner.task(name, (p: unknown) => void w.calls.push(`${name} ${JSON.stringify(p)}`));
  }
  runner.start();
  await w.clock.advance(0);
  // WebCrypto settles on a thread pool, so keep running due virtual timers while waiting.
  const done = (): boolean => failed.length >= expectFailed && w.calls.length >= expectCalls;
  const deadline = Date.now() + 10_000;
  while (!done() && Date.now() < deadline) {
    await w.clock.advance(0);
    await new Promise((r) => setTimeout(r, 5));
  }
  await runner.stop();
  assert.equal(failed.length, expectFailed);
  assert.ok(errors.length >= expectFailed);
  assert.ok(errors.every((e) => e instanceof TamperedRecordError), String(errors));
  for (const id of failed) {
    const info = (await runner.getJob(id))!;
    assert.equal(info.error!.name, "TamperedRecordError");
    assert.equal(info.attempts, 1, "not retried");
    assert.equal(info.tampered, true);
  }
  return runner;
}

for (const [name, backend] of [["MemoryStore", memoryBackend], ["SQLite file", sqliteBackend]]) {
  describe(`encryption binding (${name})`, () => {
    it("refuses a job whose task was changed, and never runs the other task", async () => {
      const w = await world((backend as () => Backend)());
      w.writer.task("pay", () => {});
      const job = await w.writer.enqueue("pay", { amount: 5 }, { id: "j1", retries: 3 });
      const store = await w.backend.tamper({ [job.id]: { task: "refund" } });
      await runTampered(w, store, 1);
      assert.deepEqual(w.calls, []);
      await w.backend.close();
    });

    it("refuses a job re-pointed at another schedule with that schedule's ciphertext", async () => {
      const w = await world((backend as () => Backend)());
      w.writer.task("pay", () => {});
      w.writer.task("refund", () => {});
      // maxInstances: the re-pointed jobs count as instances of the schedules they now name.
      const trigger = every("PT1H");
      const policy = { trigger, maxInstances: 5 };
      await w.writer.schedule({ task: "pay", id: "alice", ...policy, payload: { to: "alice" } });
      await w.writer.schedule({
        task: "pay",
        id: "mallory",
        ...policy,
        payload: { to: "mallory" },
      });
      await w.writer.schedule({ task: "refund", id: "back", ...policy, payload: { to: "back" } });
      await w.writer.schedule({
        task: "pay",
        id: "renamed",
        ...policy,
        payload: { to: "renamed" },
      });
      const same = await w.writer.runNow("alice");
      const other = await w.writer.runNow("alice");
      const raw = await w.backend.store();
      const mallory = (await raw.getSchedule("mallory"))!.payload;
      const back = (await raw.getSchedule("back"))!.payload;
      const store = await w.backend.tamper(
        {
          // Same task: refused because the job id was not made by schedule "mallory".
          [same.id]: { scheduleId: "mallory", payload: mallory },
          // Another task too.
          [other.id]: { scheduleId: "back", task: "refund", payload: back },
        },
        // A schedule whose task column was changed: its fires carry ciphertext bound to "pay".
        { renamed: { task: "refund" } },
      );
      await w.clock.advance(3_600_000);
      await runTampered(w, store, 3, 3);
      // Only the untouched schedules ran, each with its own payload.
      assert.deepEqual(w.calls.toSorted(), [
        'pay {"to":"alice"}',
        'pay {"to":"mallory"}',
        'refund {"to":"back"}',
      ]);
      await w.backend.close();
    });

    it("refuses payload ciphertexts swapped between two jobs", async () => {
      const w = await world((backend as () => Backend)());
      w.writer.task("pay", () => {});
      w.writer.task("refund", () => {});
      const pay = await w.writer.enqueue("pay", { amount: 5 }, { id: "pay-1" });
      const refund = await w.writer.enqueue("refund", { amount: 500 }, { id: "refund-1" });
      const raw = await w.backend.store();
      const a = (await raw.getJob(pay.id))!.payload;
      const b = (await raw.getJob(refund.id))!.payload;
      const store = await w.backend.tamper({
        [pay.id]: { payload: b },
        [refund.id]: { payload: a },
      });
      await runTampered(w, store, 2);
      assert.deepEqual(w.calls, []);
      await w.backend.close();
    });
  });
}

describe("encryption binding of results", () => {
  it("refuses a result copied from another job and reports it as tampered", async () => {
    const codec = await encryptedCodec({ key: generateEncryptionKey() });
    const clock = new VirtualClock(T0);
    const store = new MemoryStore();
    const s = new Scheduler({ clock, store, codec });
    s.task("t", (n: number) => n * 2);
    const one = await s.enqueue("t", 1, { id: "one" });
    s.start();
    await clock.advance(0);
    assert.equal(await one.result(), 2);
    await s.stop();
    const copy = new MemoryStore();
    const done = (await store.getJob("one"))!;
    await copy.insertJob({ ...done, id: "two" });
    const reader = new Scheduler({ clock, store: copy, codec });
    const errors: unknown[] = [];
    reader.on("scheduler:error", (e) => errors.push(e.error));
    const info = (await reader.getJob("two"))!;
    assert.equal(info.tampered, true);
    assert.equal(info.result, null);
    await assert.rejects(
      reader.job("two").result(),
      (e: Error) => e instanceof JobFailedError && e.cause instanceof TamperedRecordError,
    );
    assert.ok(errors.length === 1 && errors[0] instanceof TamperedRecordError);
  });
});

// Produced by encryptedCodec of everywhen 0.1 (before bindings), frozen here: the payload of
// standalone job "job-1" (task "pay"), the payload of schedule "s1" (task "report"), and the
// result and progress of "job-1".
const V1 = {
  key: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
  jobPayload: "ew1:630dcd29:A2p7Vl+5oGl2XeR1:xRwFwtwW+PM1YxF1b2ljudw7aUHFkkrrK6vvvg==",
  schedulePayload: "ew1:630dcd29:jUC2GNt/znrfpiaX:MPS2DvABjhkTes9QfjTirBZDt4nxaI6xuVozWmecxQogJA==",
  result: "ew1:630dcd29:E8LYPS1hAYdcgPv+:pB+s092vUV6RfQ1F+ClAeysHWwtU3hKacQfS",
  progress: "ew1:630dcd29:j+E+UkwxS8yRa1z5:Njkc8nqYCSenn9ZfetVtYgoF",
};

describe("records written by everywhen 0.1", () => {
  const job = { id: "job-1", task: "pay", scheduleId: null };

  it("stay readable with their old binding, and can be refused explicitly", async () => {
    const codec = await encryptedCodec({ key: V1.key });
    assert.deepEqual(await codec.decode(V1.jobPayload, payloadBinding(job)), { amount: 5 });
    assert.deepEqual(await codec.decode(V1.result, resultBinding(job)), { ok: true });
    assert.equal(await codec.decode(V1.progress, progressBinding(job)), 50);
    const schedule = { id: "s1", task: "report" };
    assert.deepEqual(await codec.decode(V1.schedulePayload, scheduleBinding(schedule)), {
      report: "daily",
    });
    // A job fired by s1 carries the schedule's text.
    const fired = { id: "s1@2030-01-01T00:00:00.000Z", task: "report", scheduleId: "s1" };
    assert.deepEqual(await codec.decode(V1.schedulePayload, payloadBinding(fired)), {
      report: "daily",
    });
    // The old binding still holds the record id.
    await assert.rejects(
      async () => await codec.decode(V1.jobPayload, payloadBinding({ ...job, id: "job-2" })),
      TamperedRecordError,
    );
    const strict = await encryptedCodec({ key: V1.key, legacyRecords: false });
    await assert.rejects(
      async () => await strict.decode(V1.jobPayload, payloadBinding(job)),
      { name: "TamperedRecordError", message: /everywhen 0\.1 and legacyRecords is false/ },
    );
  });

  it("run through the scheduler", async () => {
    const codec = await encryptedCodec({ key: V1.key });
    const clock = new VirtualClock(T0);
    const store = new MemoryStore();
    const s = new Scheduler({ clock, store, codec });
    const seen: unknown[] = [];
    s.task("pay", (p: unknown) => void seen.push(p));
    const fresh = await s.enqueue("pay", 0, { id: "job-1" });
    const record = (await store.getJob(fresh.id))!;
    assert.ok(record.payload.startsWith("ew2:"));
    await store.cancelJob("job-1", T0, null);
    const legacy = new MemoryStore();
    await legacy.insertJob({ ...record, payload: V1.jobPayload });
    const runner = new Scheduler({ clock, store: legacy, codec });
    runner.task("pay", (p: unknown) => void seen.push(p));
    runner.start();
    await clock.advance(0);
    assert.equal(await runner.job("job-1").result(), null);
    await runner.stop();
    assert.deepEqual(seen, [{ amount: 5 }]);
  });
});
