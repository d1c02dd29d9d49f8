import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DenoKvStore, openKvStore } from "../adapters/deno.ts";
import { VirtualClock } from "../src/clock.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { cron } from "../src/triggers/mod.ts";
import { jobRecord, scheduleRecord, storeConformance } from "./store_conformance.ts";
import type { JobOutcome } from "../src/store/store.ts";
import type { Kv, KvKey } from "../adapters/deno.ts";

interface DenoLike {
  openKv?: unknown;
  execPath(): string;
}
const deno = (globalThis as { Deno?: DenoLike }).Deno;
const skip: string | false = typeof deno?.openKv === "function" ? false : "needs Deno (KV)";

const T0 = Date.parse("2030-01-01T00:00:00Z");
const LEASE = 30_000;
const tasks = { tasks: ["t"] };

let dir = "";
let files = 0;
const freshPath = (): string => {
  if (dir === "") dir = mkdtempSync(join(tmpdir(), "everywhen-kv-"));
  return join(dir, `store-${++files}.kv`);
};
after(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

/**
 * Waits until `check` passes, moving the virtual clock a second per turn: KV I/O takes real
 * time, so the scheduler's pass may re-arm only after the clock was advanced.
 */
async function until(
  clock: VirtualClock,
  check: () => Promise<boolean>,
  what: string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
    await clock.advance(1000);
  }
}

storeConformance("DenoKvStore (KV file)", () => openKvStore(freshPath()), { skip });
storeConformance("DenoKvStore (in memory)", () => openKvStore(":memory:"), { skip });

describe("openKvStore outside Deno", () => {
  it(
    "names the runtime it needs",
    { skip: skip ? false : "runs only without Deno KV" },
    async () => {
      await assert.rejects(
        openKvStore(),
        (e: unknown) =>
          e instanceof TypeError && /^Cannot open Deno KV: Deno is undefined/.test(e.message),
      );
    },
  );
});

describe("DenoKvStore options", () => {
  it("refuses unknown option keys, naming the closest known one", () => {
    const kv = { atomic() {}, list() {} } as never;
    assert.throws(
      () => new DenoKvStore(kv, { prefx: ["x"] } as never),
      (e: unknown) => e instanceof TypeError && /prefx.*prefix/s.test(e.message),
    );
  });
});

describe("DenoKvStore on Deno KV", () => {
  it(
    "keeps schedules and results across a restart, through a real Scheduler",
    { skip },
    async () => {
      const path = freshPath();
      const clock = new VirtualClock(T0);
      const first = new Scheduler({ store: await openKvStore(path), clock, identity: "one" });
      const echo = first.task("echo", (p: { n: number }) => ({ twice: p.n * 2 }));
      const trigger = cron("0 9 * * *", { timezone: "Europe/Paris" });
      await echo.schedule({ id: "daily", trigger, payload: { n: 21 } });
      first.start();
      const job = await echo.enqueue({ n: 5 }, { id: "now" });
      assert.deepEqual(await job.result(), { twice: 10 });
      const before = await first.getSchedule("daily");
      await first.stop();
      await first.store.close();

      const store = await openKvStore(path);
      const second = new Scheduler({ store, clock, identity: "two" });
      second.task("echo", (p: { n: number }) => ({ twice: p.n * 2 }));
      try {
        const again = await second.getSchedule("daily");
        assert.deepEqual(again, before, "schedule intact");
        assert.equal(again!.nextRunAt?.toString(), "2030-01-01T08:00:00Z");
        const done = await second.getJob("now");
        assert.equal(done!.status, "succeeded");
        assert.deepEqual(done!.result, { twice: 10 });
        second.start();
        await clock.advanceTo(Date.parse("2030-01-01T08:00:00Z"));
        const fired = "daily@2030-01-01T08:00:00.000Z";
        await until(
          clock,
          async () => (await store.getJob(fired))?.status === "succeeded",
          "the fire",
        );
        assert.deepEqual(JSON.parse((await store.getJob(fired))!.result!), { twice: 42 });
        const next = await store.getSchedule("daily");
        assert.equal(next!.nextRunAt, Date.parse("2030-01-02T08:00:00Z"));
      } finally {
        await second.stop();
        await store.close();
      }
    },
  );

  it(
    "runs enqueued jobs in creation order, then a job waiting for all of them, through a Scheduler",
    { skip },
    async () => {
      const clock = new VirtualClock(T0);
      const store = await openKvStore(":memory:");
      const scheduler = new Scheduler({ store, clock, identity: "one", concurrency: 1 });
      const ran: string[] = [];
      const task = scheduler.task("n", (n: string) => void ran.push(n));
      const handles = [];
      // Ids sort in a different order than they were enqueued in.
      for (let n = 0; n < 20; n++) handles.push(await task.enqueue(`j${n}`, { id: `${19 - n}` }));
      const final = await task.enqueue("final", { after: handles.map((h) => h.id) });
      assert.equal((await store.getJob(final.id))!.status, "waiting");
      scheduler.start();
      try {
        await until(
          clock,
          async () => (await store.getJob(final.id))?.status === "succeeded",
          "the final job",
        );
        assert.deepEqual(ran, [...Array.from({ length: 20 }, (_, n) => `j${n}`), "final"]);
      } finally {
        await scheduler.stop();
        await store.close();
      }
    },
  );

  it("lets two connections to one file claim each job once", { skip }, async () => {
    const path = freshPath();
    const a = await openKvStore(path);
    const b = await openKvStore(path);
    try {
      for (let i = 0; i < 30; i++) await a.insertJob(jobRecord(`j${i}`, { runAt: T0 - i }));
      await a.insertJob(jobRecord("k1", { concurrencyKey: "k", concurrencyLimit: 1 }));
      await a.insertJob(jobRecord("k2", { concurrencyKey: "k", concurrencyLimit: 1 }));
      const [x, y] = await Promise.all([
        a.claimJobs(T0, "A", LEASE, 40, tasks),
        b.claimJobs(T0, "B", LEASE, 40, tasks),
      ]);
      const ids = [...x, ...y].map((j) => j.id);
      assert.equal(new Set(ids).size, ids.length, "no job claimed twice");
      assert.equal(ids.length, 31, "30 free jobs and one of the two sharing a key of limit 1");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it(
    "refuses a record over the 64 KiB value limit with a clear error, writing nothing",
    { skip },
    async () => {
      const store = await openKvStore(freshPath());
      try {
        const big = jobRecord("big", { payload: JSON.stringify("x".repeat(70_000)) });
        await assert.rejects(store.insertJob(big), (e: unknown) =>
          e instanceof RangeError &&
          /^Cannot store job "big" in Deno KV: .*65536-byte value limit/.test(e.message));
        assert.equal(await store.getJob("big"), null);
        // Characters above U+00FF take two bytes each: 40,000 of them do not fit either.
        const wide = jobRecord("wide", { payload: JSON.stringify("€".repeat(40_000)) });
        await assert.rejects(store.insertJob(wide), RangeError);
        const fits = jobRecord("fits", { payload: JSON.stringify("x".repeat(60_000)) });
        assert.equal(await store.insertJob(fits), "inserted");

        await store.putSchedule(scheduleRecord("s"), "error");
        await store.claimDueSchedules(T0, "A", LEASE, 1);
        await assert.rejects(
          store.releaseSchedule("s", "A", {
            nextRunAt: T0 + 60_000,
            lastRunAt: T0,
            jobs: [jobRecord("s@1", { scheduleId: "s" }), { ...big, id: "s@2", scheduleId: "s" }],
          }),
          RangeError,
        );
        assert.equal(await store.getJob("s@1"), null, "no half-written release");
        assert.equal((await store.getSchedule("s"))!.nextRunAt, T0);
        const ok = await store.releaseSchedule("s", "A", {
          nextRunAt: T0 + 60_000,
          lastRunAt: T0,
          jobs: [jobRecord("s@1", { scheduleId: "s" })],
        });
        assert.deepEqual(ok, ["s@1"], "the lease was still held");
        await assert.rejects(store.setMeta("m", "y".repeat(70_000)), RangeError);
        await assert.rejects(store.getJob("i".repeat(3000)), /key limit/);
      } finally {
        await store.close();
      }
    },
  );

  it(
    "releases a catch-up too large for one atomic operation in checked parts",
    { skip },
    async () => {
      const store = await openKvStore(freshPath());
      try {
        await store.putSchedule(scheduleRecord("s"), "error");
        await store.claimDueSchedules(T0, "A", LEASE, 1);
        const payload = JSON.stringify("p".repeat(20_000));
        const jobs = Array.from(
          { length: 100 },
          (_, i) => jobRecord(`s@${String(i).padStart(3, "0")}`, { scheduleId: "s", payload }),
        ); // ~2 MB: over Deno KV's 800 KiB per atomic operation
        const inserted = await store.releaseSchedule("s", "A", {
          nextRunAt: T0 + 60_000,
          lastRunAt: T0,
          jobs,
        });
        assert.equal(inserted!.length, 100);
        assert.equal(await store.countJobs({ scheduleId: "s" }), 100);
        assert.equal((await store.getSchedule("s"))!.nextRunAt, T0 + 60_000);
        const [claimed] = await store.claimDueSchedules(T0 + 60_000, "B", LEASE, 1);
        assert.equal(claimed!.activeJobs, 100);
      } finally {
        await store.close();
      }
    },
  );

  it("uses its own key prefix, exposes the KV and rejects use after close", { skip }, async () => {
    const path = freshPath();
    const a = await openKvStore(path, { prefix: ["app", "a"] });
    const b = new DenoKvStore(a.kv, { prefix: ["app", "b"], closeKv: false });
    await a.insertJob(jobRecord("only-in-a"));
    assert.equal(await b.getJob("only-in-a"), null);
    assert.equal(a.name, "deno-kv");
    assert.equal(a.shared, true);
    await b.close();
    assert.notEqual(await a.getJob("only-in-a"), null, "closeKv: false left the KV open");
    await a.close();
    await a.close(); // harmless
    await assert.rejects(a.getJob("x"), /closed/);
    assert.throws(() => new DenoKvStore({} as never), TypeError);
  });

  it("tells how to enable KV and cron when run without the unstable flags", { skip }, () => {
    const script = join(mkdtempSync(join(tmpdir(), "everywhen-flags-")), "main.ts");
    const mod = new URL("../adapters/deno.ts", import.meta.url).href;
    writeFileSync(
      script,
      `import { denoCronWaker, openKvStore } from ${JSON.stringify(mod)};
try { await openKvStore(); } catch (e) { console.log(e.message); }
try { denoCronWaker(); } catch (e) { console.log(e.message); }
`,
    );
    const root = fileURLToPath(new URL("..", import.meta.url));
    const run = spawnSync(deno!.execPath(), [
      "run",
      "-A",
      "--config",
      join(root, "deno.json"),
      script,
    ], {
      cwd: root,
      encoding: "utf8",
    });
    rmSync(join(script, ".."), { recursive: true, force: true });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split("\n");
    assert.deepEqual(lines, [
      'Cannot open Deno KV: Deno.openKv is undefined (run with --unstable-kv, or add "kv" to "unstable" in deno.json)',
      'Cannot register the Deno.cron wake-up: Deno.cron is undefined (run with --unstable-cron, or add "cron" to "unstable" in deno.json)',
    ]);
  });
});

const done = (at: number): JobOutcome => ({
  status: "succeeded",
  result: "1",
  error: null,
  finishedAt: at,
  expiresAt: null,
});

/** Lists every key under `prefix` of the store's KV. */
async function keysUnder(kv: Kv, prefix: KvKey): Promise<KvKey[]> {
  const out: KvKey[] = [];
  for await (const { key } of kv.list({ prefix })) out.push(key);
  return out;
}

describe("DenoKvStore queue on Deno KV", () => {
  it("claims through indexes: pending jobs not yet due are never read", { skip }, async () => {
    const kv = (await openKvStore(":memory:")).kv;
    let listed = 0;
    const counting = new Proxy(kv, {
      get(target, name) {
        if (name === "list") {
          return async function* (...args: Parameters<Kv["list"]>) {
            for await (const entry of target.list(...args)) {
              listed++;
              yield entry;
            }
          };
        }
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const store = new DenoKvStore(counting);
    try {
      const future = Array.from(
        { length: 600 },
        (_, i) => jobRecord(`f${i}`, { runAt: T0 + 1000 + i, priority: (i % 3) * 100 }),
      );
      for (let i = 0; i < future.length; i += 200) {
        await store.insertJobs(future.slice(i, i + 200));
      }
      await store.insertJob(jobRecord("due", { priority: -5 }));
      listed = 0;
      const claimed = await store.claimJobs(T0, "A", LEASE, 10, tasks);
      assert.deepEqual(claimed.map((j) => j.id), ["due"]);
      assert.ok(listed < 20, `read ${listed} index entries for 601 pending jobs`);
    } finally {
      await store.close();
    }
  });

  it(
    "refuses an insertJobs batch over one atomic operation with a RangeError, writing nothing",
    { skip },
    async () => {
      const store = await openKvStore(":memory:");
      try {
        const jobs = Array.from({ length: 400 }, (_, i) => jobRecord(`j${i}`));
        await assert.rejects(
          store.insertJobs(jobs),
          (e: unknown) =>
            e instanceof RangeError &&
            /^Cannot insert 400 jobs in one Deno KV atomic operation: .*1000-write limit.*split it into smaller batches/
              .test(e.message),
        );
        assert.equal(await store.countJobs(), 0);
        assert.equal((await store.insertJobs(jobs.slice(0, 300))).length, 300);
        assert.equal(await store.countJobs(), 300);
      } finally {
        await store.close();
      }
    },
  );

  it(
    "finishes many jobs in one atomic operation, freeing their concurrency slots",
    { skip },
    async () => {
      const store = await openKvStore(":memory:");
      try {
        const key = { concurrencyKey: "k", concurrencyLimit: 2 };
        await store.insertJobs([jobRecord("a", key), jobRecord("b", key), jobRecord("c", key)]);
        await store.insertJob(jobRecord("w", { task: "u", after: ["a", "b"] }));
        assert.equal((await store.claimJobs(T0, "A", LEASE, 10, tasks)).length, 2);
        assert.equal((await store.kv.get(["everywhen", "run", "k"])).value, 2);
        const recorded = await store.finishJobs("A", [
          { id: "a", outcome: done(T0 + 1) },
          { id: "b", outcome: done(T0 + 1) },
          { id: "c", outcome: done(T0 + 1) }, // pending, not held: not recorded
        ]);
        assert.deepEqual(recorded, ["a", "b"]);
        assert.equal((await store.kv.get(["everywhen", "run", "k"])).value, null, "slots freed");
        assert.equal((await store.getJob("w"))!.status, "pending");
        assert.equal((await store.getJob("c"))!.status, "pending");
      } finally {
        await store.close();
      }
    },
  );

  it("prunes the rate start log in cleanup once a day has passed", { skip }, async () => {
    const store = await openKvStore(":memory:");
    try {
      const rate = { rateKey: "t:api", rateLimit: 5, ratePeriod: 1000 };
      await store.insertJob(jobRecord("r", rate));
      await store.claimJobs(T0, "A", LEASE, 1, tasks);
      const log = ["everywhen", "rl", "t:api"];
      assert.equal((await keysUnder(store.kv, log)).length, 1);
      await store.cleanup(T0 + 60_000);
      assert.equal((await keysUnder(store.kv, log)).length, 1, "kept for a day");
      await store.cleanup(T0 + 86_400_000);
      assert.equal((await keysUnder(store.kv, log)).length, 0);
      assert.equal((await keysUnder(store.kv, ["everywhen", "rlx"])).length, 0);
    } finally {
      await store.close();
    }
  });

  it(
    "never leaves a job waiting when its dependency finishes while it is inserted",
    { skip },
    async () => {
      const path = freshPath();
      const a = await openKvStore(path);
      const b = await openKvStore(path);
      try {
        const n = 60;
        await a.insertJobs(Array.from({ length: n }, (_, i) => jobRecord(`d${i}`)));
        assert.equal((await a.claimJobs(T0, "A", LEASE, n, tasks)).length, n);
        await Promise.all([
          (async () => {
            for (let i = 0; i < n; i++) await a.finishJob(`d${i}`, "A", done(T0 + 1));
          })(),
          (async () => {
            for (let i = n - 1; i >= 0; i--) {
              await b.insertJob(jobRecord(`w${i}`, { task: "u", after: [`d${i}`] }));
            }
          })(),
        ]);
        for (let i = 0; i < n; i++) {
          assert.equal((await a.getJob(`w${i}`))!.status, "pending", `w${i}`);
        }
      } finally {
        await a.close();
        await b.close();
      }
    },
  );

  it(
    "releases and cancels hundreds of dependants, more than one atomic operation holds",
    { skip },
    async () => {
      const store = await openKvStore(":memory:");
      try {
        await store.insertJob(jobRecord("a", { task: "a" }));
        await store.insertJob(jobRecord("b", { task: "b" }));
        const fan = (dep: string, n: number, task: string) =>
          Array.from({ length: n }, (_, i) => jobRecord(`${dep}>${i}`, { task, after: [dep] }));
        await store.insertJobs(fan("a", 300, "t"));
        await store.insertJobs(fan("b", 250, "u"));
        await store.insertJobs(fan("b>0", 200, "u"));
        assert.equal(await store.countJobs({ status: "waiting" }), 750);
        await store.claimJobs(T0, "A", LEASE, 2, { tasks: ["a", "b"] });
        assert.equal(await store.finishJob("a", "A", done(T0 + 5)), true);
        assert.equal(await store.countJobs({ status: "pending", task: "t" }), 300);
        assert.equal((await store.getJob("a>299"))!.runAt, T0 + 5);
        const failed = { ...done(T0 + 6), status: "failed" as const, result: null };
        assert.equal(await store.finishJob("b", "A", failed), true);
        assert.equal(await store.countJobs({ status: "cancelled" }), 450, "cascaded");
        assert.equal(
          (await store.getJob("b>0>7"))!.error!.message,
          'Dependency "b>0" was cancelled',
        );
        assert.deepEqual(await keysUnder(store.kv, ["everywhen", "rel"]), [], "no marker left");
        assert.deepEqual(await keysUnder(store.kv, ["everywhen", "dep"]), [], "no edge left");
      } finally {
        await store.close();
      }
    },
  );

  it("finishes a deferred release in cleanup after a crash", { skip }, async () => {
    const store = await openKvStore(":memory:");
    try {
      await store.insertJob(jobRecord("a", { task: "a" }));
      await store.insertJob(jobRecord("w", { after: ["a"] }));
      const [a] = await store.claimJobs(T0, "A", LEASE, 1, { tasks: ["a"] });
      // What a process that crashed right after committing a deferred finish leaves.
      const final = { ...a!, status: "succeeded", finishedAt: T0, leaseOwner: null };
      const op = store.kv.atomic().set(["everywhen", "j", "a"], final);
      op.delete(["everywhen", "lease", a!.leaseUntil!, "a"]).set(["everywhen", "rel", "a"], T0 + 1);
      assert.equal((await op.commit()).ok, true);
      assert.equal((await store.getJob("w"))!.status, "waiting");
      await store.cleanup(T0 + 2);
      const w = (await store.getJob("w"))!;
      assert.equal(w.status, "pending");
      assert.equal(w.runAt, T0 + 1);
    } finally {
      await store.close();
    }
  });

  it("migrates a key layout 1 database on open, in creation order", { skip }, async () => {
    const path = freshPath();
    const kv = (await openKvStore(path, { closeKv: true })).kv;
    // Layout 1, as the previous release wrote it: records without the queue fields and one
    // `ready` index by time.
    const old = (id: string, createdAt: number, patch: Record<string, unknown> = {}) => {
      const { seq: _s, priority: _p, rateKey: _k, rateLimit: _l, ratePeriod: _r, ...rest } =
        jobRecord(id, { createdAt, ...patch });
      const { after: _a, history: _h, ...v1 } = rest;
      return v1;
    };
    const jobs = [old("zz", T0 - 3000), old("aa", T0 - 1000), old("mm", T0 - 2000)];
    const op = kv.atomic();
    for (const job of jobs) {
      op.set(["everywhen", "j", job.id], job).set(["everywhen", "ready", T0, job.id], null);
    }
    const fin = old("fin", T0 - 4000, { status: "succeeded", finishedAt: T0, expiresAt: T0 + 9 });
    op.set(["everywhen", "j", "fin"], fin).set(["everywhen", "exp", T0 + 9, "fin"], null);
    const { priority: _priority, ...schedule } = scheduleRecord("s");
    op.set(["everywhen", "s", "s"], { rec: schedule, leaseOwner: null, leaseUntil: 0 });
    op.set(["everywhen", "due", T0, "s"], null);
    assert.equal((await op.commit()).ok, true);
    kv.close();

    const store = await openKvStore(path);
    try {
      const claimed = await store.claimJobs(T0, "A", LEASE, 10, tasks);
      assert.deepEqual(claimed.map((j) => j.id), ["zz", "mm", "aa"]);
      const seqs = await Promise.all(["fin", "zz", "mm", "aa"].map((id) => store.getJob(id)));
      assert.deepEqual(seqs.map((j) => j!.seq), [1, 2, 3, 4]);
      assert.deepEqual(
        { ...seqs[0]!, seq: 0 },
        jobRecord("fin", {
          createdAt: T0 - 4000,
          status: "succeeded",
          finishedAt: T0,
          expiresAt: T0 + 9,
        }),
      );
      assert.deepEqual(await keysUnder(store.kv, ["everywhen", "ready"]), [], "old index gone");
      assert.equal((await store.kv.get(["everywhen", "layout"])).value, 2);
      assert.deepEqual(await store.getSchedule("s"), scheduleRecord("s"), "priority 0 added");
      assert.equal((await store.claimDueSchedules(T0, "A", LEASE, 1)).length, 1);
      assert.equal(await store.cleanup(T0 + 9), 1);
      await store.insertJob(jobRecord("new"));
      assert.equal((await store.getJob("new"))!.seq, 5);
    } finally {
      await store.close();
    }
  });

  it("refuses a key layout newer than it reads, with a clear message", { skip }, async () => {
    const path = freshPath();
    const first = await openKvStore(path);
    assert.equal((await first.kv.atomic().set(["everywhen", "layout"], 3).commit()).ok, true);
    await first.close();
    const store = await openKvStore(path);
    try {
      await assert.rejects(
        store.getJob("x"),
        /^Error: Cannot open the Deno KV store: its data uses key layout 3, but this version of everywhen reads layout 2 \(upgrade everywhen to open it\)$/,
      );
      await assert.rejects(store.claimJobs(T0, "A", LEASE, 1, tasks), /key layout 3/);
    } finally {
      await store.close();
    }
  });

  it(
    "lets two Deno processes share per-key concurrency without double claims",
    { skip },
    async () => {
      const path = freshPath();
      const store = await openKvStore(path);
      const limits: Record<string, number> = { k0: 1, k1: 1, k2: 2 };
      const jobs = Array.from({ length: 150 }, (_, i) => {
        // Keyed jobs alternate between tasks "a" (only P runs it) and "b" (only Q), so both
        // processes go for the same keys at once; both run the free jobs of task "t".
        const key = i < 140 ? `k${i % 3}` : null;
        return jobRecord(`j${String(i).padStart(3, "0")}`, {
          task: key === null ? "t" : i % 2 === 0 ? "a" : "b",
          concurrencyKey: key,
          concurrencyLimit: key === null ? null : limits[key]!,
          priority: i % 5,
        });
      });
      await store.insertJobs(jobs);
      await store.close();
      const events = (await Promise.all([worker(path, "P", "a"), worker(path, "Q", "b")])).flat();
      const ids = events.map((e) => e.id).sort();
      assert.deepEqual(ids, jobs.map((j) => j.id), "every job claimed exactly once");
      for (const name of ["P", "Q"]) {
        assert.ok(events.some((e) => e.owner === name), `${name} claimed jobs too`);
      }
      for (const [key, limit] of Object.entries(limits)) {
        const mine = events.filter((e) => e.key === key);
        let most = 0;
        for (const e of mine) {
          const overlapping = mine.filter((o) => o.start <= e.start && e.start < o.end).length;
          most = Math.max(most, overlapping);
        }
        assert.ok(most <= limit, `${key}: ${most} running at once, limit ${limit}`);
      }
      const check = await openKvStore(path);
      try {
        assert.equal(await check.countJobs({ status: "succeeded" }), 150);
        assert.deepEqual(await keysUnder(check.kv, ["everywhen", "run"]), [], "counts freed");
      } finally {
        await check.close();
      }
    },
  );

  it(
    "lets two Deno processes share a rate limit: never more starts in a window than allowed",
    { skip },
    async () => {
      const path = freshPath();
      const store = await openKvStore(path);
      const rate = { rateKey: "api", rateLimit: 4, ratePeriod: 300 };
      const past = Date.now() - 1000;
      const jobs = Array.from(
        { length: 32 },
        (_, i) =>
          jobRecord(`r${String(i).padStart(2, "0")}`, {
            ...rate,
            runAt: past,
            task: i % 2 === 0 ? "a" : "b",
          }),
      );
      await store.insertJobs(jobs);
      await store.close();
      const events = (await Promise.all([
        worker(path, "P", "a", true),
        worker(path, "Q", "b", true),
      ])).flat();
      assert.deepEqual(events.map((e) => e.id).sort(), jobs.map((j) => j.id));
      // Start instants are the store's own claim instants (one machine, one clock).
      const starts = events.map((e) => e.startedAt).sort((a, b) => a - b);
      for (const t of starts) {
        const inWindow = starts.filter((s) => s > t - rate.ratePeriod && s <= t).length;
        assert.ok(inWindow <= rate.rateLimit, `${inWindow} starts in the window ending at ${t}`);
      }
    },
  );
});

interface Held {
  id: string;
  owner: string;
  startedAt: number;
  key: string | null;
  start: number;
  end: number;
}

/**
 * Runs a Deno process that claims and finishes jobs of tasks "t" and `task` until none is left. Each job's
 * `[start, end]` is measured inside the time it is held (after the claim returned, before the
 * finish is sent), so overlaps counted from them never exceed the real ones.
 */
async function worker(
  path: string,
  name: string,
  task: string,
  realTime = false,
): Promise<Held[]> {
  const dir = mkdtempSync(join(tmpdir(), "everywhen-worker-"));
  const script = join(dir, "worker.ts");
  const mod = new URL("../adapters/deno.ts", import.meta.url).href;
  const config = { path, name, tasks: ["t", task], now: realTime ? null : T0 };
  writeFileSync(
    script,
    `import { openKvStore } from ${JSON.stringify(mod)};
const { path, name, tasks, now: fixed } = ${JSON.stringify(config)};
const store = await openKvStore(path);
const at = () => performance.timeOrigin + performance.now();
const held = [];
// Both processes start claiming together: each marks itself ready and waits for the other.
await store.kv.set(["test-ready", name], true);
let ready = 0;
while (ready < 2) {
  ready = 0;
  for await (const _ of store.kv.list({ prefix: ["test-ready"] })) ready++;
  await new Promise((r) => setTimeout(r, 2));
}
for (;;) {
  const now = fixed ?? Date.now();
  const jobs = await store.claimJobs(now, name, 600000, 2, { tasks });
  if (jobs.length === 0) {
    if (await store.countJobs({ status: ["pending", "running"] }) === 0) break;
    await new Promise((r) => setTimeout(r, 3));
    continue;
  }
  const start = at();
  for (const job of jobs) {
    const { id, concurrencyKey: key, startedAt } = job;
    held.push({ id, owner: name, key, startedAt, start, end: at() });
    const outcome = { status: "succeeded", result: "1", error: null, finishedAt: now, expiresAt: null };
    if (!(await store.finishJob(id, name, outcome))) throw new Error("lost " + id);
  }
}
await store.close();
console.log(JSON.stringify(held));
`,
  );
  const root = fileURLToPath(new URL("..", import.meta.url));
  try {
    const { spawn } = await import("node:child_process");
    const child = spawn(deno!.execPath(), [
      "run",
      "-A",
      "--unstable-kv",
      "--no-check",
      "--config",
      join(root, "deno.json"),
      script,
    ], { cwd: root });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => out += d);
    child.stderr.on("data", (d) => err += d);
    const code = await new Promise<number | null>((r) => child.on("close", r));
    assert.equal(code, 0, err);
    return JSON.parse(out.trim().split("\n").at(-1)!) as Held[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
