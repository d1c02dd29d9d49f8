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
