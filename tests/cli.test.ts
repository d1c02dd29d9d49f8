import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../src/cli.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { at, cron, every } from "../src/triggers/mod.ts";
import { encryptedCodec, generateEncryptionKey } from "../src/encryption.ts";
import { VirtualClock } from "../src/clock.ts";

async function cli(store: MemoryStore, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["store.db", ...args], {
    openStore: () => Promise.resolve(store),
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function seeded() {
  const store = new MemoryStore();
  const s = new Scheduler({ store, clock: new VirtualClock("2030-01-01T00:00:00Z") });
  s.task("report", () => "ok");
  await s.schedule({
    id: "daily",
    task: "report",
    trigger: cron("0 9 * * *", { timezone: "Europe/Paris" }),
  });
  await s.schedule({ id: "tick", task: "report", trigger: every("PT1M") });
  await s.enqueue("report", { n: 1 }, { id: "job-1" });
  // The store is shared with the CLI; closing it there must not break these reads.
  store.close = () => Promise.resolve();
  return store;
}

describe("admin CLI", () => {
  it("lists, shows and previews schedules, as text and JSON", async () => {
    const store = await seeded();
    const list = await cli(store, "list");
    assert.equal(list.code, 0);
    assert.match(list.out, /^ID\s+TASK\s+TRIGGER\s+STATE\s+NEXT RUN/);
    assert.match(
      list.out,
      /daily\s+report\s+cron 0 9 \* \* \*\s+active\s+2030-01-01T08:00:00\.000Z/,
    );
    const json = JSON.parse((await cli(store, "list", "--json")).out);
    assert.deepEqual(json.map((s: { id: string }) => s.id), ["daily", "tick"]);
    const show = JSON.parse((await cli(store, "show", "daily", "--json")).out);
    assert.equal(show.trigger.timezone, "Europe/Paris");
    const next = await cli(store, "next", "daily", "2");
    assert.match(next.out, /2030-01-01T08:00:00\.000Z\s+\(2030-01-01 09:00:00 Europe\/Paris\)/);
    assert.match(next.out, /2030-01-02T08:00:00\.000Z/);
    assert.deepEqual(JSON.parse((await cli(store, "next", "daily", "1", "--json")).out), [
      "2030-01-01T08:00:00.000Z",
    ]);
    assert.equal(show.nextRunAt, "2030-01-01T08:00:00.000Z");
    assert.equal(show.createdAt, "2030-01-01T00:00:00.000Z");
  });

  it("pauses, resumes, runs and removes", async () => {
    const store = await seeded();
    assert.equal((await cli(store, "pause", "daily")).code, 0);
    assert.equal((await store.getSchedule("daily"))!.paused, true);
    assert.equal((await cli(store, "resume", "daily")).code, 0);
    assert.equal((await store.getSchedule("daily"))!.paused, false);
    const run = JSON.parse((await cli(store, "run", "daily", "--json")).out);
    assert.match(run.jobId, /^daily@run:/);
    assert.equal((await store.getJob(run.jobId))!.status, "pending");
    assert.equal((await cli(store, "remove", "tick")).code, 0);
    assert.equal(await store.getSchedule("tick"), null);
  });

  it("lists jobs with filters and shows one job", async () => {
    const store = await seeded();
    const jobs = await cli(store, "jobs", "--status", "pending");
    assert.match(jobs.out, /job-1\s+report\s+pending\s+0/);
    assert.equal((await cli(store, "jobs", "--status", "failed")).out, "No jobs");
    const job = JSON.parse((await cli(store, "job", "job-1", "--json")).out);
    assert.deepEqual(job.payload, { n: 1 });
  });

  it("flips the store-wide lock", async () => {
    const store = await seeded();
    await cli(store, "lock", "on", "--reason", "deploy");
    assert.equal(await store.getMeta("lock"), "deploy");
    assert.match((await cli(store, "lock")).out, /Locked: deploy/);
    await cli(store, "lock", "off");
    assert.equal(await store.getMeta("lock"), null);
  });

  it("enqueues, counts and cancels jobs", async () => {
    const store = await seeded();
    const made = await cli(
      store,
      "enqueue",
      "report",
      '{"n":2}',
      "--id",
      "job-2",
      "--delay",
      "PT1H",
    );
    assert.equal(made.code, 0, made.err);
    assert.equal(made.out, "Created job job-2");
    const job = (await store.getJob("job-2"))!;
    assert.deepEqual([job.payload, job.runAt - job.createdAt], ['{"n":2}', 3_600_000]);
    assert.equal((await cli(store, "count", "--status", "pending")).out, "2");
    assert.equal((await cli(store, "cancel", "job-2")).out, "Cancelled job-2");
    assert.match((await cli(store, "cancel", "job-2")).out, /already finished/);
    assert.deepEqual(JSON.parse((await cli(store, "count", "--json")).out), { count: 2 });
    assert.equal((await cli(store, "cancel", "nope")).code, 1);
    // Queue options as flags: a job that waits for job-1, with a priority and a key.
    const queued = await cli(
      store,
      ...["enqueue", "report", "--id", "job-3", "--priority", "-7", "--concurrency-key", "k-1"],
      ...["--after", "job-1"],
    );
    assert.equal(queued.code, 0, queued.err);
    const waiting = (await store.getJob("job-3"))!;
    assert.deepEqual([waiting.status, waiting.priority, waiting.after], ["waiting", -7, ["job-1"]]);
    assert.equal((await cli(store, "count", "--status", "waiting")).out, "1");
    assert.match(
      (await cli(store, "jobs", "--status", "waiting,pending")).out,
      /job-3\s+report\s+waiting/,
    );
  });

  it("shows a finished one-shot schedule as finished, not active", async () => {
    const store = new MemoryStore();
    const clock = new VirtualClock("2030-01-01T00:00:00Z");
    const s = new Scheduler({ store, clock });
    s.task("report", () => "ok");
    await s.schedule({ id: "once", task: "report", trigger: at("2030-01-01T00:00:01Z") });
    s.start();
    await clock.advance(1000);
    await s.stop();
    assert.equal((await store.getSchedule("once"))!.nextRunAt, null);
    const list = await cli(store, "list");
    assert.match(list.out, /once\s+report\s+at\s+finished\s+-/);
  });

  it("says a record is encrypted when no key is set, and decrypts it with the key", async () => {
    const store = new MemoryStore();
    store.close = () => Promise.resolve();
    const codec = await encryptedCodec({ key: generateEncryptionKey() });
    const s = new Scheduler({ store, codec, clock: new VirtualClock("2030-01-01T00:00:00Z") });
    s.task("pay", () => "ok");
    await s.schedule({ id: "nightly", task: "pay", trigger: every("P1D"), payload: { eur: 5 } });
    await s.enqueue("pay", { eur: 7 }, { id: "p1" });
    const job = JSON.parse((await cli(store, "job", "p1", "--json")).out);
    assert.equal(job.encrypted, "encrypted: set EVERYWHEN_ENCRYPTION_KEY");
    assert.equal("tampered" in job, false);
    assert.equal(job.payload, null);
    const schedule = JSON.parse((await cli(store, "show", "nightly", "--json")).out);
    assert.equal(schedule.encrypted, "encrypted: set EVERYWHEN_ENCRYPTION_KEY");
    const listed = JSON.parse((await cli(store, "jobs", "--json")).out);
    assert.equal(listed[0].encrypted, "encrypted: set EVERYWHEN_ENCRYPTION_KEY");
    const out: string[] = [];
    const code = await runCli(["store.db", "job", "p1", "--json"], {
      openStore: () => Promise.resolve(store),
      out: (t) => out.push(t),
      err: () => {},
      codec,
    });
    assert.equal(code, 0);
    const clear = JSON.parse(out.join(""));
    assert.deepEqual([clear.payload, clear.tampered, clear.encrypted], [
      { eur: 7 },
      false,
      undefined,
    ]);
    await s.stop();
  });

  it("opens the store with --create only when asked to", async () => {
    const store = await seeded();
    const seen: boolean[] = [];
    const run = (...args: string[]) =>
      runCli(["x.db", ...args], {
        openStore: (_url, options) => {
          seen.push(options.create);
          return Promise.resolve(store);
        },
        out: () => {},
        err: () => {},
      });
    assert.equal(await run("list"), 0);
    assert.equal(await run("list", "--create"), 0);
    assert.deepEqual(seen, [false, true]);
    // Bad usage never opens the store.
    assert.equal(await run("frobnicate"), 2);
    assert.deepEqual(seen, [false, true]);
  });

  it("retries a failed job and purges finished ones", async () => {
    const store = new MemoryStore();
    const clock = new VirtualClock("2030-01-01T00:00:00Z");
    // Manual: jobs run only inside runDue(), so each state holds until the test moves on.
    const s = new Scheduler({ store, clock, runMode: "manual" });
    let runs = 0;
    s.task("flaky", () => {
      if (++runs === 1) throw new Error("first run fails");
      return "ok";
    }, { retries: 0 });
    s.task("report", () => "ok");
    await s.enqueue("flaky", null, { id: "flaky-1" });
    await s.enqueue("report", null, { id: "report-1" });
    s.start();
    await s.runDue();
    store.close = () => Promise.resolve();
    assert.equal((await store.getJob("flaky-1"))!.status, "failed");

    const retried = await cli(store, "retry", "flaky-1");
    assert.equal(retried.code, 0, retried.err);
    assert.equal(retried.out, "Retried flaky-1: pending again");
    const job = await store.getJob("flaky-1");
    assert.equal(job!.status, "pending");
    assert.equal(job!.attempts, 0);
    // A job that is not failed or cancelled is left alone, and the CLI says why.
    const again = await cli(store, "retry", "flaky-1", "--json");
    assert.deepEqual(JSON.parse(again.out), { retried: false, status: "pending" });
    assert.match(
      (await cli(store, "retry", "report-1")).out,
      /Not retried: job report-1 is succeeded/,
    );
    const unknown = await cli(store, "retry", "nope");
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /NotFoundError: Job not found: "nope"/);

    // The re-run succeeds; then purge by status, by task, by age.
    await s.runDue();
    assert.equal((await store.getJob("flaky-1"))!.status, "succeeded");
    assert.equal((await cli(store, "purge", "--status", "failed")).out, "Purged 0 jobs");
    assert.equal((await cli(store, "purge", "--older-than", "P7D")).out, "Purged 0 jobs");
    assert.equal((await cli(store, "purge", "--task", "flaky")).out, "Purged 1 job");
    assert.equal(await store.getJob("flaky-1"), null);
    const all = await cli(store, "purge", "--status", "succeeded,cancelled", "--json");
    assert.deepEqual(JSON.parse(all.out), { purged: 1 });
    assert.equal(await store.getJob("report-1"), null);
    await s.stop();
  });

  it("exits 2 with usage on bad input and 1 on unknown ids, changing nothing", async () => {
    const store = await seeded();
    for (
      const args of [
        [],
        ["frobnicate"],
        ["pause"],
        ["jobs", "--status", "weird"],
        ["next", "daily", "-1"],
        ["next", "daily", "x"],
        ["next", "daily", "1001"],
        ["jobs", "--limit", "1001"],
        ["jobs", "--bogus", "1"],
        ["lock", "on", "extra"],
        ["pause", "daily", "--from", "2030-01-01T00:00:00Z"],
        ["lock", "maybe"],
        ["jobs", "--limit"],
        ["retry"],
        ["purge", "--status", "pending"],
        ["purge", "--status", "failed,running"],
        ["purge", "--older-than", "a week"],
        ["purge", "extra"],
        ["enqueue", "report", "--priority", "1001"],
        ["enqueue", "report", "--after", ""],
      ]
    ) {
      const r = await cli(store, ...args);
      assert.equal(r.code, 2, `args ${args.join(" ")}`);
      assert.match(r.err, /Usage: everywhen/);
    }
    const r = await cli(store, "pause", "nope");
    assert.equal(r.code, 1);
    assert.match(r.err, /NotFoundError: Schedule not found: "nope"/);
    const j = await cli(store, "show", "nope", "--json");
    assert.equal(JSON.parse(j.err).error.name, "NotFoundError");
    assert.equal((await store.getSchedule("daily"))!.paused, false);
    assert.equal(await store.countJobs({}), 1, "nothing purged, nothing enqueued");
    const help = await cli(store, "--help");
    assert.equal(help.code, 0);
    assert.match(help.out, /retry <id>\n\s+run a failed or cancelled job again/);
    assert.match(help.out, /purge \[--status s,s\] \[--task v\] \[--older-than duration\]/);
  });

  it("runs as a real process against a SQLite file", {
    skip: process.env.EVERYWHEN_RUNTIME && process.env.EVERYWHEN_RUNTIME !== "node26"
      ? "the binary is exercised once, from the Node 26 suite"
      : false,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "everywhen-cli-"));
    const bin = fileURLToPath(new URL("../bin/everywhen.ts", import.meta.url));
    const node = process.env.EVERYWHEN_NODE26 ?? process.execPath;
    const exec = (...args: string[]) =>
      new Promise<{ code: number; out: string; err: string }>((resolve) => {
        execFile(node, ["--no-warnings", bin, join(dir, "x.db"), ...args], (e, out, err) => {
          resolve({ code: e ? Number(e.code) : 0, out, err });
        });
      });
    try {
      // A mistyped path is refused, not created as a new empty store.
      const missing = await exec("lock", "on");
      assert.equal(missing.code, 1);
      assert.match(missing.err, /x\.db does not exist .*pass --create/);
      assert.equal(existsSync(join(dir, "x.db")), false, "no file was created");
      const empty = await exec("list", "--create");
      assert.equal(empty.code, 0, empty.err);
      assert.match(empty.out, /No schedules/);
      assert.equal(existsSync(join(dir, "x.db")), true);
      const lock = await exec("lock", "on");
      assert.equal(lock.code, 0);
      assert.match((await exec("lock", "--json")).out, /"locked": true/);
      const bad = await exec("show", "missing");
      assert.equal(bad.code, 1);
      assert.match(bad.err, /Schedule not found/);
      assert.equal((await exec("bogus")).code, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
