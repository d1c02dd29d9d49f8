/**
 * The store conformance suite: one set of tests that every Store must pass unchanged.
 * Call `storeConformance(name, factory)` from a `*.test.ts` file.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConflictError } from "../src/errors.ts";
import type { FiredSchedule, PlannedFire, Store } from "../src/store/store.ts";
import { firePlan } from "./store_fire_plans.ts";
import { jobRecord, scheduleRecord } from "./helpers/records.ts";

export { jobRecord, scheduleRecord };
import { queueConformance } from "./store_conformance_queue.ts";

const T0 = Date.parse("2030-01-01T00:00:00Z");
const LEASE = 30_000;

const tasks = { tasks: ["t", "u"] };

/**
 * Registers the conformance tests for one store.
 * @param name Shown in test names.
 * @param factory Makes a fresh, empty store.
 * @param options `skip`: why the store cannot run here; the suite is then registered and shown
 * as skipped with that reason, never silently left out.
 */
export function storeConformance(
  name: string,
  factory: () => Promise<Store>,
  options: { skip?: string | false } = {},
): void {
  describe(`Store conformance: ${name}`, { skip: options.skip ?? false }, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
    });

    describe("schedules", () => {
      it("inserts, reads back a copy, lists by id and filters", async () => {
        assert.equal(await store.putSchedule(scheduleRecord("b"), "error"), "inserted");
        assert.equal(
          await store.putSchedule(scheduleRecord("a", { paused: true }), "error"),
          "inserted",
        );
        await store.putSchedule(scheduleRecord("c", { task: "u" }), "error");
        const a = await store.getSchedule("a");
        assert.deepEqual(a, scheduleRecord("a", { paused: true }));
        a!.paused = false;
        assert.equal((await store.getSchedule("a"))!.paused, true, "returned records are copies");
        assert.deepEqual((await store.listSchedules()).map((s) => s.id), ["a", "b", "c"]);
        assert.deepEqual((await store.listSchedules({ paused: true })).map((s) => s.id), ["a"]);
        assert.deepEqual((await store.listSchedules({ task: "u" })).map((s) => s.id), ["c"]);
        assert.deepEqual((await store.listSchedules({ offset: 1, limit: 1 })).map((s) => s.id), [
          "b",
        ]);
        assert.equal(await store.getSchedule("zzz"), null);
      });

      it("honours ifExists: error changes nothing, keep keeps, replace replaces", async () => {
        await store.putSchedule(scheduleRecord("s", { payload: '"v1"' }), "error");
        await assert.rejects(
          store.putSchedule(scheduleRecord("s", { payload: '"v2"' }), "error"),
          (e: unknown) =>
            e instanceof ConflictError && /already exists/.test(e.message) && e.scheduleId === "s",
        );
        assert.equal((await store.getSchedule("s"))!.payload, '"v1"');
        assert.equal(
          await store.putSchedule(scheduleRecord("s", { payload: '"v2"' }), "keep"),
          "kept",
        );
        assert.equal((await store.getSchedule("s"))!.payload, '"v1"');
        assert.equal(
          await store.putSchedule(scheduleRecord("s", { payload: '"v3"' }), "replace"),
          "replaced",
        );
        assert.equal((await store.getSchedule("s"))!.payload, '"v3"');
      });

      it("removes schedules and keeps their jobs", async () => {
        await store.putSchedule(scheduleRecord("s"), "error");
        await store.insertJob(jobRecord("s@1", { scheduleId: "s" }));
        assert.equal(await store.removeSchedule("s"), true);
        assert.equal(await store.removeSchedule("s"), false);
        assert.equal(await store.getSchedule("s"), null);
        assert.notEqual(await store.getJob("s@1"), null);
      });

      it("claims only due, unpaused schedules, earliest first, up to the limit", async () => {
        await store.putSchedule(scheduleRecord("late", { nextRunAt: T0 + 10 }), "error");
        await store.putSchedule(scheduleRecord("early", { nextRunAt: T0 - 10 }), "error");
        await store.putSchedule(scheduleRecord("mid", { nextRunAt: T0 }), "error");
        await store.putSchedule(
          scheduleRecord("paused", { nextRunAt: T0 - 20, paused: true }),
          "error",
        );
        await store.putSchedule(scheduleRecord("done", { nextRunAt: null }), "error");
        await store.putSchedule(scheduleRecord("future", { nextRunAt: T0 + 1000 }), "error");
        const first = await store.claimDueSchedules(T0 + 10, "A", LEASE, 2);
        assert.deepEqual(first.map((c) => c.record.id), ["early", "mid"]);
        const second = await store.claimDueSchedules(T0 + 10, "A", LEASE, 10);
        assert.deepEqual(second.map((c) => c.record.id), ["late"]);
        assert.deepEqual(await store.claimDueSchedules(T0 + 10, "B", LEASE, 10), []);
      });

      it("lets one of two racing owners claim a due schedule", async () => {
        for (let i = 0; i < 20; i++) {
          await store.putSchedule(scheduleRecord(`s${i}`, { nextRunAt: T0 + i }), "error");
        }
        const [a, b] = await Promise.all([
          store.claimDueSchedules(T0 + 100, "A", LEASE, 15),
          store.claimDueSchedules(T0 + 100, "B", LEASE, 15),
        ]);
        const ids = [...a, ...b].map((c) => c.record.id).sort();
        assert.equal(ids.length, 20);
        assert.equal(new Set(ids).size, 20, "no schedule claimed twice");
      });

      it("re-offers a schedule whose lease expired", async () => {
        await store.putSchedule(scheduleRecord("s"), "error");
        assert.equal((await store.claimDueSchedules(T0, "A", LEASE, 10)).length, 1);
        assert.equal((await store.claimDueSchedules(T0 + LEASE - 1, "B", LEASE, 10)).length, 0);
        const again = await store.claimDueSchedules(T0 + LEASE + 1, "B", LEASE, 10);
        assert.deepEqual(again.map((c) => c.record.id), ["s"]);
        assert.equal(
          await store.releaseSchedule("s", "A", { nextRunAt: T0 + 5, lastRunAt: T0, jobs: [] }),
          null,
        );
      });

      it("releases atomically: inserts jobs if absent, advances, drops the lease", async () => {
        await store.putSchedule(scheduleRecord("s"), "error");
        await store.insertJob(jobRecord("s@1", { scheduleId: "s", payload: '"old"' }));
        const [claimed] = await store.claimDueSchedules(T0, "A", LEASE, 10);
        assert.equal(claimed!.activeJobs, 1);
        const inserted = await store.releaseSchedule("s", "A", {
          nextRunAt: T0 + 60_000,
          lastRunAt: T0,
          jobs: [
            jobRecord("s@1", { scheduleId: "s", payload: '"new"' }),
            jobRecord("s@2", { scheduleId: "s" }),
          ],
        });
        assert.deepEqual(inserted, ["s@2"]);
        assert.equal((await store.getJob("s@1"))!.payload, '"old"', "existing job untouched");
        const s = await store.getSchedule("s");
        assert.equal(s!.nextRunAt, T0 + 60_000);
        assert.equal(s!.lastRunAt, T0);
        assert.deepEqual(await store.claimDueSchedules(T0 + 1000, "B", LEASE, 10), []);
        const next = await store.claimDueSchedules(T0 + 60_000, "B", LEASE, 10);
        assert.equal(next[0]!.activeJobs, 2);
      });

      it("releases a batch of fires made at once, each on its own terms", async () => {
        // A scheduler releases a whole claimed batch without awaiting each release: stores may
        // write them together, and every release must still be judged alone.
        for (const id of ["a", "b", "c", "d"]) await store.putSchedule(scheduleRecord(id), "error");
        await store.insertJob(jobRecord("b@1", { scheduleId: "b", payload: '"old"' }));
        const claimed = await store.claimDueSchedules(T0, "A", LEASE, 10);
        assert.deepEqual(claimed.map((c) => [c.record.id, c.activeJobs]), [
          ["a", 0],
          ["b", 1],
          ["c", 0],
          ["d", 0],
        ]);
        // c's lease is taken over by B before A releases it.
        await store.updateSchedule(scheduleRecord("c", { nextRunAt: T0 + 7 }));
        const job = (id: string) => jobRecord(id, { scheduleId: id.split("@")[0]! });
        const results = await Promise.all([
          store.releaseSchedule("a", "A", {
            nextRunAt: T0 + 10,
            lastRunAt: T0,
            jobs: [job("a@1")],
          }),
          store.releaseSchedule("b", "A", {
            nextRunAt: null,
            lastRunAt: T0,
            jobs: [job("b@1"), job("b@2")],
          }),
          store.releaseSchedule("c", "A", {
            nextRunAt: T0 + 30,
            lastRunAt: T0,
            jobs: [job("c@1")],
          }),
          store.releaseSchedule("d", "B", {
            nextRunAt: T0 + 40,
            lastRunAt: T0,
            jobs: [job("d@1")],
          }),
        ]);
        assert.deepEqual(results, [["a@1"], ["b@2"], null, null]);
        assert.equal((await store.getJob("b@1"))!.payload, '"old"', "existing job untouched");
        assert.equal(await store.getJob("c@1"), null);
        assert.equal(await store.getJob("d@1"), null);
        const next = async (id: string) => (await store.getSchedule(id))!.nextRunAt;
        assert.deepEqual(await Promise.all(["a", "b", "c", "d"].map(next)), [
          T0 + 10,
          null,
          T0 + 7,
          T0,
        ]);
        assert.equal((await store.getSchedule("a"))!.lastRunAt, T0);
        // a is released; d is still A's until its lease ends.
        assert.deepEqual(
          (await store.claimDueSchedules(T0 + 10, "B", LEASE, 10)).map((c) => c.record.id),
          ["c", "a"],
        );
      });

      describe("firing in one step (fireDueSchedules, where a store has it)", () => {
        const job = (id: string) => jobRecord(id, { scheduleId: id.split("@")[0]! });
        /** Two jobs per schedule and a next run a minute on. */
        const twoJobs = (throwOn?: string) =>
          firePlan({ jobs: 2, nextRunAt: T0 + 60_000, lastRunAt: T0, throwOn }, jobRecord);
        /** Per schedule taken: its id, its active jobs, and what it inserted or that it threw. */
        const outcome = (fired: FiredSchedule<PlannedFire>[]) =>
          fired.map((f) => [
            f.claimed.record.id,
            f.claimed.activeJobs,
            "error" in f ? "threw" : f.inserted,
          ]);

        it("plans and releases due schedules, earliest first, leaving no lease", async (t) => {
          if (!store.fireDueSchedules) return t.skip("no fireDueSchedules");
          await store.putSchedule(scheduleRecord("late", { nextRunAt: T0 + 10 }), "error");
          await store.putSchedule(scheduleRecord("early", { nextRunAt: T0 - 10 }), "error");
          await store.putSchedule(scheduleRecord("mid", { nextRunAt: T0 }), "error");
          await store.putSchedule(
            scheduleRecord("paused", { nextRunAt: T0, paused: true }),
            "error",
          );
          await store.putSchedule(scheduleRecord("future", { nextRunAt: T0 + 1000 }), "error");
          await store.insertJob(jobRecord("mid@1", { scheduleId: "mid", payload: '"old"' }));
          const fired = await store.fireDueSchedules(T0 + 10, "A", LEASE, 2, twoJobs());
          assert.deepEqual(outcome(fired), [
            ["early", 0, ["early@1", "early@2"]],
            ["mid", 1, ["mid@2"]],
          ]);
          assert.equal((await store.getJob("mid@1"))!.payload, '"old"', "existing job untouched");
          for (const id of ["early", "mid"]) {
            const s = (await store.getSchedule(id))!;
            assert.deepEqual([s.nextRunAt, s.lastRunAt], [T0 + 60_000, T0]);
          }
          // No lease left behind: the next fire is anyone's as soon as it is due.
          const rest = await store.claimDueSchedules(T0 + 60_000, "B", LEASE, 10);
          assert.deepEqual(rest.map((c) => c.record.id), ["late", "future", "early", "mid"]);
        });

        it("skips schedules another owner holds and takes them once the lease ends", async (t) => {
          if (!store.fireDueSchedules) return t.skip("no fireDueSchedules");
          await store.putSchedule(scheduleRecord("s"), "error");
          await store.claimDueSchedules(T0, "A", LEASE, 10);
          assert.deepEqual(await store.fireDueSchedules(T0 + 1, "B", LEASE, 10, twoJobs()), []);
          const fired = await store.fireDueSchedules(T0 + LEASE + 1, "B", LEASE, 10, twoJobs());
          assert.deepEqual(outcome(fired), [["s", 0, ["s@1", "s@2"]]]);
          const late = { nextRunAt: T0 + 5, lastRunAt: T0, jobs: [job("s@9")] };
          assert.equal(await store.releaseSchedule("s", "A", late), null, "A's lease is gone");
          assert.equal(await store.getJob("s@9"), null);
        });

        it("leases a schedule whose plan throws and writes the others", async (t) => {
          if (!store.fireDueSchedules) return t.skip("no fireDueSchedules");
          for (const id of ["a", "b", "c"]) await store.putSchedule(scheduleRecord(id), "error");
          const fired = await store.fireDueSchedules(T0, "A", LEASE, 10, twoJobs("b"));
          assert.deepEqual(outcome(fired), [
            ["a", 0, ["a@1", "a@2"]],
            ["b", 0, "threw"],
            ["c", 0, ["c@1", "c@2"]],
          ]);
          assert.equal((await store.getSchedule("b"))!.nextRunAt, T0, "b is not advanced");
          assert.equal(await store.getJob("b@1"), null);
          assert.deepEqual(await store.claimDueSchedules(T0 + LEASE - 1, "B", LEASE, 10), []);
          const again = await store.claimDueSchedules(T0 + LEASE + 1, "B", LEASE, 10);
          assert.deepEqual(again.map((c) => c.record.id), ["b"]);
        });

        it("never fires one schedule twice when steps and claims race", async (t) => {
          if (!store.fireDueSchedules) return t.skip("no fireDueSchedules");
          for (let i = 0; i < 30; i++) {
            await store.putSchedule(scheduleRecord(`s${i}`, { nextRunAt: T0 + i }), "error");
          }
          const [a, b, c] = await Promise.all([
            store.fireDueSchedules(T0 + 100, "A", LEASE, 12, twoJobs()),
            store.fireDueSchedules(T0 + 100, "B", LEASE, 12, twoJobs()),
            store.claimDueSchedules(T0 + 100, "C", LEASE, 12),
          ]);
          const ids = [...a, ...b].map((f) => f.claimed.record.id).concat(
            c.map((x) => x.record.id),
          );
          assert.equal(ids.length, 30);
          assert.equal(new Set(ids).size, 30, "no schedule taken twice");
          const jobs = await store.listJobs({ limit: 1000 });
          assert.equal(jobs.length, 2 * (a.length + b.length));
        });
      });

      describe("a fire's job written running, started at once by the firing process", () => {
        const held = { owner: "A", leaseUntil: T0 + LEASE, startedAt: T0 };
        const runningPlan = firePlan(
          { jobs: 1, nextRunAt: T0 + 60_000, lastRunAt: T0, running: held },
          jobRecord,
        );
        const outcome = {
          status: "succeeded" as const,
          result: "1",
          error: null,
          finishedAt: T0 + 5,
          expiresAt: T0 + 60_000,
        };

        /** The job is A's until its lease ends: no claim takes it, A renews and finishes it. */
        async function assertHeld(id: string, scheduleId: string): Promise<void> {
          const job = (await store.getJob(id))!;
          assert.deepEqual(
            [job.status, job.attempts, job.leaseOwner, job.leaseUntil, job.startedAt],
            ["running", 1, "A", T0 + LEASE, T0],
          );
          assert.deepEqual(await store.claimJobs(T0 + 1, "B", LEASE, 10, tasks), []);
          const next = await store.claimDueSchedules(T0 + 60_000, "B", LEASE, 10);
          assert.deepEqual(next.map((c) => [c.record.id, c.activeJobs]), [[scheduleId, 1]]);
          const renewal = await store.renewJobs([id], "A", T0 + 2 * LEASE);
          assert.deepEqual(renewal, { lost: [], cancelRequested: [] });
          assert.deepEqual(await store.claimJobs(T0 + LEASE + 1, "B", LEASE, 10, tasks), []);
        }

        it("through a release: held by its owner, claimable again only once the lease ends", async () => {
          await store.putSchedule(scheduleRecord("s"), "error");
          await store.claimDueSchedules(T0, "A", LEASE, 10);
          const release = runningPlan({ record: (await store.getSchedule("s"))!, activeJobs: 0 });
          assert.deepEqual(await store.releaseSchedule("s", "A", release.release), ["s@1"]);
          await assertHeld("s@1", "s");
          // A crashed runner: once the renewed lease ends, another process runs it again.
          const again = await store.claimJobs(T0 + 2 * LEASE + 1, "B", LEASE, 10, tasks);
          assert.deepEqual(again.map((j) => [j.id, j.attempts, j.leaseOwner]), [["s@1", 2, "B"]]);
        });

        it("with no lease (a sole writer's): taken by no claim, finished or renewed by its owner", async () => {
          const leaseless = firePlan({
            jobs: 1,
            nextRunAt: T0 + 60_000,
            lastRunAt: T0,
            running: { owner: "A", leaseUntil: null, startedAt: T0 },
          }, jobRecord);
          for (const id of ["s", "t"]) {
            await store.putSchedule(scheduleRecord(id), "error");
            await store.claimDueSchedules(T0, "A", LEASE, 10);
            const fire = leaseless({ record: (await store.getSchedule(id))!, activeJobs: 0 });
            assert.deepEqual(await store.releaseSchedule(id, "A", fire.release), [`${id}@1`]);
          }
          const job = (await store.getJob("s@1"))!;
          assert.deepEqual([job.status, job.leaseOwner, job.leaseUntil], ["running", "A", null]);
          // However late: no lease ends, so no claim takes it.
          assert.deepEqual(await store.claimJobs(T0 + 100 * LEASE, "B", LEASE, 10, tasks), []);
          assert.equal(await store.finishJob("s@1", "B", outcome), false, "not B's to finish");
          assert.equal(await store.finishJob("s@1", "A", outcome), true);
          // A renewal gives it a lease like any other job's, which can then end.
          const renewal = await store.renewJobs(["t@1"], "A", T0 + 2 * LEASE);
          assert.deepEqual(renewal, { lost: [], cancelRequested: [] });
          assert.equal((await store.getJob("t@1"))!.leaseUntil, T0 + 2 * LEASE);
          const again = await store.claimJobs(T0 + 2 * LEASE + 1, "B", LEASE, 10, tasks);
          assert.deepEqual(again.map((j) => [j.id, j.attempts, j.leaseOwner]), [["t@1", 2, "B"]]);
        });

        it("through fireDueSchedules: held by its owner, finished by it", async (t) => {
          if (!store.fireDueSchedules) return t.skip("no fireDueSchedules");
          await store.putSchedule(scheduleRecord("s"), "error");
          const fired = await store.fireDueSchedules(T0, "A", LEASE, 10, runningPlan);
          assert.deepEqual(fired.map((f) => "inserted" in f && f.inserted), [["s@1"]]);
          await assertHeld("s@1", "s");
          assert.equal(await store.finishJob("s@1", "A", outcome), true);
          assert.deepEqual(await store.countJobs({ status: "succeeded" }), 1);
          assert.deepEqual(await store.claimJobs(T0 + 3 * LEASE, "B", LEASE, 10, tasks), []);
        });
      });

      it("counts only pending and running jobs as a schedule's active jobs", async () => {
        await store.putSchedule(scheduleRecord("s"), "error");
        await store.insertJob(jobRecord("p1", { scheduleId: "s" }));
        await store.insertJob(jobRecord("p2", { scheduleId: "s", runAt: T0 + 99_999 }));
        await store.insertJob(
          jobRecord("done", {
            scheduleId: "s",
            status: "succeeded",
            finishedAt: T0,
            expiresAt: null,
          }),
        );
        await store.insertJob(jobRecord("other", { scheduleId: "x" }));
        await store.claimJobs(T0, "A", LEASE, 1, tasks);
        const [claimed] = await store.claimDueSchedules(T0, "A", LEASE, 10);
        assert.equal(claimed!.activeJobs, 2);
      });

      it("refuses a release by a non-owner and writes nothing", async () => {
        await store.putSchedule(scheduleRecord("s"), "error");
        await store.claimDueSchedules(T0, "A", LEASE, 10);
        const r = await store.releaseSchedule("s", "B", {
          nextRunAt: T0 + 1,
          lastRunAt: T0,
          jobs: [jobRecord("s@x", { scheduleId: "s" })],
        });
        assert.equal(r, null);
        assert.equal(await store.getJob("s@x"), null);
        assert.equal((await store.getSchedule("s"))!.nextRunAt, T0);
      });

      it("drops the lease when a schedule is updated, so a stale release is refused", async () => {
        await store.putSchedule(scheduleRecord("s"), "error");
        await store.claimDueSchedules(T0, "A", LEASE, 10);
        const updated = await store.updateSchedule(scheduleRecord("s", { nextRunAt: T0 + 500 }));
        assert.equal(updated!.nextRunAt, T0 + 500);
        assert.equal(
          await store.releaseSchedule("s", "A", { nextRunAt: T0 + 9, lastRunAt: T0, jobs: [] }),
          null,
        );
        assert.equal((await store.getSchedule("s"))!.nextRunAt, T0 + 500);
        assert.equal((await store.claimDueSchedules(T0 + 500, "B", LEASE, 10)).length, 1);
        assert.equal(await store.updateSchedule(scheduleRecord("nope")), null);
      });
    });

    describe("jobs", () => {
      it("inserts if absent and returns copies", async () => {
        assert.equal(await store.insertJob(jobRecord("j")), "inserted");
        assert.equal(await store.insertJob(jobRecord("j", { payload: '"x"' })), "kept");
        const j = await store.getJob("j");
        assert.deepEqual(j, jobRecord("j", { seq: j!.seq }));
        j!.status = "failed";
        assert.equal((await store.getJob("j"))!.status, "pending");
        assert.equal(await store.getJob("missing"), null);
      });

      it("claims due jobs of known tasks, earliest first, once", async () => {
        await store.insertJob(jobRecord("later", { runAt: T0 + 5 }));
        await store.insertJob(jobRecord("first", { runAt: T0 - 5 }));
        await store.insertJob(jobRecord("future", { runAt: T0 + 1000 }));
        await store.insertJob(jobRecord("other-task", { runAt: T0 - 9, task: "zzz" }));
        const claimed = await store.claimJobs(T0 + 5, "A", LEASE, 10, tasks);
        assert.deepEqual(claimed.map((j) => j.id), ["first", "later"]);
        for (const j of claimed) {
          assert.equal(j.status, "running");
          assert.equal(j.attempts, 1);
          assert.equal(j.leaseOwner, "A");
          assert.equal(j.leaseUntil, T0 + 5 + LEASE);
          assert.equal(j.startedAt, T0 + 5);
        }
        assert.deepEqual(await store.claimJobs(T0 + 5, "B", LEASE, 10, tasks), []);
        assert.equal((await store.getJob("other-task"))!.status, "pending");
        const limited = await store.claimJobs(T0 + 2000, "B", LEASE, 1, { tasks: ["t", "zzz"] });
        assert.deepEqual(limited.map((j) => j.id), ["other-task"]);
      });

      it("lets racing owners claim each job once", async () => {
        for (let i = 0; i < 30; i++) await store.insertJob(jobRecord(`j${i}`, { runAt: T0 - i }));
        const [a, b, c] = await Promise.all(
          ["A", "B", "C"].map((o) => store.claimJobs(T0, o, LEASE, 12, tasks)),
        );
        const ids = [...a!, ...b!, ...c!].map((j) => j.id);
        assert.equal(ids.length, 30);
        assert.equal(new Set(ids).size, 30);
      });

      it("re-runs a job whose runner lost its lease, with attempt + 1", async () => {
        await store.insertJob(jobRecord("j"));
        await store.claimJobs(T0, "A", LEASE, 10, tasks);
        assert.deepEqual(await store.claimJobs(T0 + LEASE - 1, "B", LEASE, 10, tasks), []);
        const [again] = await store.claimJobs(T0 + LEASE + 1, "B", LEASE, 10, tasks);
        assert.equal(again!.id, "j");
        assert.equal(again!.attempts, 2);
        assert.equal(again!.leaseOwner, "B");
        assert.equal(
          await store.finishJob("j", "A", {
            status: "succeeded",
            result: "1",
            error: null,
            finishedAt: T0,
            expiresAt: null,
          }),
          false,
          "the old owner cannot finish it",
        );
        const renewal = await store.renewJobs(["j"], "A", T0 + 99_999);
        assert.deepEqual(renewal.lost, ["j"]);
      });

      it("renews leases and reports requested cancellations", async () => {
        await store.insertJob(jobRecord("j"));
        await store.insertJob(jobRecord("k"));
        await store.claimJobs(T0, "A", LEASE, 10, tasks);
        const cancelled = await store.cancelJob("k", T0 + 1, T0 + 100);
        assert.equal(cancelled!.status, "running");
        assert.equal(cancelled!.cancelRequested, true);
        const renewal = await store.renewJobs(["j", "k", "nope"], "A", T0 + LEASE * 2);
        assert.deepEqual(renewal.lost, ["nope"]);
        assert.deepEqual(renewal.cancelRequested, ["k"]);
        assert.equal((await store.getJob("j"))!.leaseUntil, T0 + LEASE * 2);
        assert.deepEqual(await store.claimJobs(T0 + LEASE + 1, "B", LEASE, 10, tasks), []);
      });

      it("respects concurrency keys across claims", async () => {
        for (let i = 0; i < 4; i++) {
          await store.insertJob(
            jobRecord(`q${i}`, { runAt: T0 + i, concurrencyKey: "k", concurrencyLimit: 2 }),
          );
        }
        await store.insertJob(jobRecord("free", { runAt: T0 + 9 }));
        const first = await store.claimJobs(T0 + 10, "A", LEASE, 10, tasks);
        assert.deepEqual(first.map((j) => j.id), ["q0", "q1", "free"]);
        assert.deepEqual(await store.claimJobs(T0 + 10, "B", LEASE, 10, tasks), []);
        await store.finishJob("q0", "A", {
          status: "succeeded",
          result: "1",
          error: null,
          finishedAt: T0 + 11,
          expiresAt: null,
        });
        const next = await store.claimJobs(T0 + 12, "B", LEASE, 10, tasks);
        assert.deepEqual(next.map((j) => j.id), ["q2"]);
      });

      it("finishes, retries and cancels", async () => {
        await store.insertJob(jobRecord("ok"));
        await store.insertJob(jobRecord("retry"));
        await store.insertJob(jobRecord("wait", { runAt: T0 + 10_000 }));
        await store.claimJobs(T0, "A", LEASE, 10, tasks);
        assert.equal(await store.setProgress("ok", "A", '{"p":50}'), true);
        assert.equal(await store.setProgress("ok", "B", '{"p":60}'), false);
        assert.equal(
          await store.finishJob("ok", "A", {
            status: "succeeded",
            result: '"r"',
            error: null,
            finishedAt: T0 + 1,
            expiresAt: T0 + 100,
          }),
          true,
        );
        const ok = await store.getJob("ok");
        assert.equal(ok!.status, "succeeded");
        assert.equal(ok!.result, '"r"');
        assert.equal(ok!.progress, '{"p":50}');
        assert.equal(ok!.finishedAt, T0 + 1);
        assert.equal(ok!.leaseOwner, null);
        const err = { name: "Error", message: "boom" };
        assert.equal(await store.retryJob("retry", "A", T0 + 500, err), true);
        const r = await store.getJob("retry");
        assert.equal(r!.status, "pending");
        assert.equal(r!.runAt, T0 + 500);
        assert.deepEqual(r!.error, err);
        assert.deepEqual(await store.claimJobs(T0 + 499, "A", LEASE, 10, tasks), []);
        const [again] = await store.claimJobs(T0 + 500, "A", LEASE, 10, tasks);
        assert.equal(again!.attempts, 2);
        const c = await store.cancelJob("wait", T0 + 2, T0 + 50);
        assert.equal(c!.status, "cancelled");
        assert.equal(c!.finishedAt, T0 + 2);
        assert.deepEqual(await store.claimJobs(T0 + 20_000, "A", LEASE, 10, tasks), []);
        assert.equal((await store.cancelJob("ok", T0 + 3, null))!.status, "succeeded");
        assert.equal(await store.cancelJob("missing", T0, null), null);
      });

      it("finishes many held jobs in one step (optional finishJobs)", async (t) => {
        if (!store.finishJobs) return t.skip(`${name} has no finishJobs`);
        for (const id of ["a", "b", "c", "d"]) await store.insertJob(jobRecord(id));
        await store.insertJob(jobRecord("theirs"));
        await store.claimJobs(T0, "A", LEASE, 4, { tasks: ["t"] });
        await store.claimJobs(T0, "B", LEASE, 1, { tasks: ["t"] });
        const ok = { status: "succeeded" as const, error: null, finishedAt: T0 + 5 };
        const done = await store.finishJobs("A", [
          { id: "a", outcome: { ...ok, result: '{"r":"a"}', expiresAt: T0 + 100 } },
          {
            id: "b",
            outcome: {
              status: "failed",
              result: null,
              error: { name: "TypeError", message: "bad" },
              finishedAt: T0 + 5,
              expiresAt: null,
            },
          },
          { id: "c", outcome: { ...ok, result: "1", expiresAt: T0 + 5 } }, // zero retention
          { id: "theirs", outcome: { ...ok, result: "1", expiresAt: null } }, // held by B
        ]);
        assert.deepEqual([...done].sort(), ["a", "b", "c"]);
        const a = await store.getJob("a");
        assert.equal(a!.status, "succeeded");
        assert.equal(a!.result, '{"r":"a"}');
        assert.equal(a!.expiresAt, T0 + 100);
        assert.equal(a!.leaseOwner, null);
        const b = await store.getJob("b");
        assert.equal(b!.status, "failed");
        assert.deepEqual(b!.error, { name: "TypeError", message: "bad" });
        assert.equal(await store.getJob("c"), null, "dropped at once");
        assert.equal((await store.getJob("d"))!.status, "running", "not in the batch");
        assert.equal((await store.getJob("theirs"))!.status, "running", "another owner's job");
        assert.deepEqual(await store.finishJobs("A", []), []);
      });

      it("cleans up expired finished jobs and drops zero-retention ones at once", async () => {
        await store.insertJob(jobRecord("keep"));
        await store.insertJob(jobRecord("expire"));
        await store.insertJob(jobRecord("zero"));
        await store.insertJob(jobRecord("pending", { runAt: T0 + 1000 }));
        await store.claimJobs(T0, "A", LEASE, 3, tasks);
        const done = (expiresAt: number | null) => ({
          status: "succeeded" as const,
          result: "1",
          error: null,
          finishedAt: T0 + 10,
          expiresAt,
        });
        await store.finishJob("keep", "A", done(null));
        await store.finishJob("expire", "A", done(T0 + 100));
        await store.finishJob("zero", "A", done(T0 + 10));
        assert.equal(await store.getJob("zero"), null);
        assert.equal(await store.cleanup(T0 + 99), 0);
        assert.equal(await store.cleanup(T0 + 100), 1);
        assert.equal(await store.getJob("expire"), null);
        assert.notEqual(await store.getJob("keep"), null);
        assert.notEqual(await store.getJob("pending"), null);
      });

      it("lists newest first with filters and paging, and counts", async () => {
        await store.insertJob(jobRecord("a", { createdAt: T0 + 1, task: "u" }));
        await store.insertJob(jobRecord("b", { createdAt: T0 + 2, scheduleId: "s" }));
        await store.insertJob(jobRecord("c", { createdAt: T0 + 3, scheduleId: "s" }));
        await store.claimJobs(T0, "A", LEASE, 1, { tasks: ["u"] });
        assert.deepEqual((await store.listJobs()).map((j) => j.id), ["c", "b", "a"]);
        assert.deepEqual((await store.listJobs({ status: "running" })).map((j) => j.id), ["a"]);
        assert.deepEqual((await store.listJobs({ status: ["pending"] })).map((j) => j.id), [
          "c",
          "b",
        ]);
        assert.deepEqual((await store.listJobs({ scheduleId: "s", limit: 1 })).map((j) => j.id), [
          "c",
        ]);
        assert.deepEqual((await store.listJobs({ offset: 1, limit: 1 })).map((j) => j.id), ["b"]);
        assert.deepEqual((await store.listJobs({ task: "u" })).map((j) => j.id), ["a"]);
        assert.equal(await store.countJobs(), 3);
        assert.equal(await store.countJobs({ status: "pending" }), 2);
        assert.equal(await store.countJobs({ task: "t", status: ["pending", "running"] }), 2);
      });
    });

    describe("wake-ups and meta", () => {
      it("reports the earliest due instant across schedules, jobs and leases", async () => {
        assert.equal(await store.nextWakeup(), null);
        await store.putSchedule(
          scheduleRecord("p", { nextRunAt: T0 - 100, paused: true }),
          "error",
        );
        assert.equal(await store.nextWakeup(), null, "paused schedules do not wake");
        await store.putSchedule(scheduleRecord("s", { nextRunAt: T0 + 300 }), "error");
        assert.equal(await store.nextWakeup(), T0 + 300);
        await store.insertJob(jobRecord("j", { runAt: T0 + 200 }));
        assert.equal(await store.nextWakeup(), T0 + 200);
        await store.claimJobs(T0 + 200, "A", 50, 10, tasks);
        assert.equal(await store.nextWakeup(), T0 + 250, "a running job's lease expiry");
        await store.claimDueSchedules(T0 + 300, "A", 1000, 10);
        await store.finishJob("j", "A", {
          status: "succeeded",
          result: "1",
          error: null,
          finishedAt: T0 + 301,
          expiresAt: null,
        });
        assert.equal(
          await store.nextWakeup(),
          T0 + 1300,
          "a leased schedule wakes at lease expiry",
        );
      });

      it("stores meta values", async () => {
        assert.equal(await store.getMeta("lock"), null);
        await store.setMeta("lock", "maintenance");
        assert.equal(await store.getMeta("lock"), "maintenance");
        await store.setMeta("lock", null);
        assert.equal(await store.getMeta("lock"), null);
      });
    });

    queueConformance(() => store);
  });
}
