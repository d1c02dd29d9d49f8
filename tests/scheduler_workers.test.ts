// Worker tasks through the Scheduler (issue 13 part 1): result, progress, timeout with an ignored
// signal, crash then retry, a module that does not load, and the refusals. Kept to a few worker
// starts: under `deno test` each worker type-checks its module graph as it starts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { workerExecutor } from "../adapters/workers.ts";
import { noWorkers } from "../src/engine/handler_module.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import type { JsonValue } from "../src/json.ts";

const fixture = (file: string): URL => new URL(`./fixtures/workers/${file}`, import.meta.url);
const tasks = fixture("scheduler_tasks.ts");

describe("worker tasks through the scheduler", () => {
  it(
    "runs in a worker: result, progress events, retry after a crash, timeout past an ignored signal",
    {
      timeout: 120_000,
    },
    async () => {
      const scheduler = new Scheduler({ executor: workerExecutor, logger: null });
      const progress: JsonValue[] = [];
      scheduler.on("job:progress", (d) => progress.push(d.progress));
      const double = scheduler.task<{ n: number }, number>("double", {
        module: tasks,
        export: "double",
      }, { workers: 2 });
      scheduler.task("crash", { module: tasks.href, export: "crashFirst" }, {
        workers: 1,
        retries: 1,
        backoff: { initial: 1, max: 1 },
      });
      scheduler.task("spin", { module: tasks, export: "spin" }, {
        workers: 1,
        timeout: 100,
        abortGrace: 50,
      });
      scheduler.start();
      try {
        assert.equal(await (await double.enqueue({ n: 21 })).result(), 42);
        assert.deepEqual(progress, [{ step: 1 }, { step: 2 }]);

        const crashed = await scheduler.enqueue("crash", null);
        assert.equal(await crashed.result(), "survived at attempt 2");
        const first = (await scheduler.getJob(crashed.id))!;
        assert.equal(first.attempts, 2);

        const spun = await scheduler.enqueue("spin", { ms: 60_000 });
        await assert.rejects(spun.result(), (error: Error) => {
          assert.match(error.message, /timed out after 100 ms/);
          return true;
        });
        assert.equal((await scheduler.getJob(spun.id))!.error?.name, "TimeoutError");
      } finally {
        await scheduler.stop({ grace: 1000 });
      }
    },
  );

  it(
    "fails a job whose module does not load with a clear error, and reports it at start when asked",
    {
      timeout: 120_000,
    },
    async () => {
      const scheduler = new Scheduler({ executor: workerExecutor, logger: null });
      const errors: string[] = [];
      scheduler.on(
        "scheduler:error",
        (d) => errors.push(`${d.context}: ${(d.error as Error).message}`),
      );
      scheduler.task("broken", { module: fixture("throws_at_load.ts") }, { workers: 1 });
      scheduler.start({ checkWorkers: true });
      try {
        const job = await scheduler.enqueue("broken", null);
        await assert.rejects(job.result(), /Cannot load handler module .*throws_at_load\.ts/);
        assert.equal(errors.length, 1);
        assert.match(errors[0]!, /^loading the handler module of task "broken": Cannot load/);
      } finally {
        await scheduler.stop({ grace: 0 });
      }
    },
  );

  it("refuses what cannot run in workers, in words", () => {
    const plain = new Scheduler({ logger: null });
    assert.throws(
      () => plain.task("t", { module: tasks }, { workers: 2 }),
      { name: "TypeError", message: /no executor \(pass executor: workerExecutor from/ },
    );
    assert.throws(
      () => plain.task("f", () => 1, { workers: 2 }),
      { name: "TypeError", message: /"workers" and "abortGrace" need a handler module/ },
    );
    assert.throws(
      () => plain.task("w", { module: tasks }, { wokers: 2 } as never),
      { name: "TypeError", message: /"wokers" \(did you mean "workers"\?\)/ },
    );
    const workerd = new Scheduler({ executor: noWorkers, logger: null });
    assert.throws(
      () => workerd.task("resize", { module: tasks }, { workers: 1 }),
      {
        name: "TypeError",
        message: /Cannot run task "resize" in workers: this runtime has no threads/,
      },
    );
    // The refused registrations left no task behind.
    return plain.listTasks().then((names) => assert.deepEqual(names, []));
  });

  it("caps maxRunning at workers", async () => {
    const made: number[] = [];
    const scheduler = new Scheduler({
      logger: null,
      executor: (_task, _module, options) => {
        made.push(options.workers);
        return {
          run: () => Promise.resolve(null),
          check: () => Promise.resolve(),
          close: () => Promise.resolve(),
        };
      },
    });
    scheduler.task("a", { module: tasks }, { workers: 3, maxRunning: 10 });
    assert.deepEqual(made, [3]);
    const h = await scheduler.enqueue("a", null);
    scheduler.start();
    assert.equal(await h.result(), null);
    await scheduler.stop();
  });
});
