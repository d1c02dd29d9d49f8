import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Executor, ExecutorJob } from "../src/engine/executor.ts";
import {
  checkHandlerModule,
  checkWorkerPoolOptions,
  executorHandler,
  noWorkers,
} from "../src/engine/handler_module.ts";
import type { WorkerContext } from "../src/engine/_worker_serve.ts";
import type { JsonValue } from "../src/json.ts";
import { NonRetryableError } from "../src/errors.ts";
import { workerExecutor } from "../adapters/workers.ts";
import { Temporal } from "../src/temporal.ts";
import type { TaskContext } from "../src/types.ts";

const fixture = (file: string): string =>
  new URL(`./fixtures/workers/${file}`, import.meta.url).href;

/** Runs `body` with a pool of `export` from `file`, and always closes the pool. */
async function withPool(
  file: string,
  name: string,
  options: { workers?: number; abortGrace?: number },
  body: (pool: Executor) => Promise<void>,
): Promise<void> {
  const url = file.startsWith("data:") ? file : fixture(file);
  const pool = workerExecutor("t", { url, export: name }, {
    workers: options.workers ?? 1,
    abortGrace: options.abortGrace ?? 5000,
  });
  try {
    await body(pool);
  } finally {
    await pool.close(0);
  }
}

// Checked by the compiler: the worker's context and the in-process one must not drift apart.
const toWorkerContext = (ctx: TaskContext): WorkerContext => ctx;
const toTaskContext = (ctx: WorkerContext): TaskContext => ctx;
void [toWorkerContext, toTaskContext];

function job(payload: JsonValue, jobId = "j1"): ExecutorJob {
  return { jobId, task: "t", scheduleId: null, attempt: 1, scheduledAt: 0, payload };
}

function hooks(signal = new AbortController().signal, progress: JsonValue[] = []) {
  return { signal, progress: (value: JsonValue) => void progress.push(value) };
}

describe("handler module descriptor", () => {
  it("accepts a URL or an absolute URL string, with `default` as the default export", () => {
    const url = new URL("file:///app/resize.ts");
    assert.deepEqual(checkHandlerModule({ module: url }, "resize"), {
      url: url.href,
      export: "default",
    });
    assert.deepEqual(checkHandlerModule({ module: url.href, export: "run" }, "resize"), {
      url: url.href,
      export: "run",
    });
  });

  it("refuses a relative path, an empty export and unknown keys", () => {
    assert.throws(
      () => checkHandlerModule({ module: "./resize.ts" }, "resize"),
      { name: "TypeError", message: /"module" must be a URL .*import\.meta\.url/ },
    );
    assert.throws(
      () => checkHandlerModule({ module: "file:///a.ts", export: "" }, "resize"),
      { name: "TypeError", message: /"export" must be a non-empty string/ },
    );
    assert.throws(
      () => checkHandlerModule({ module: "file:///a.ts", exprot: "x" } as never, "resize"),
      { name: "TypeError", message: /Unknown option .*"exprot" \(did you mean "export"\?\)/ },
    );
  });

  it("checks the pool options, and refuses workers where there are no threads", () => {
    assert.throws(() => checkWorkerPoolOptions({ workers: 0 }), RangeError);
    assert.throws(() => checkWorkerPoolOptions({ workers: 2, wrokers: 1 } as never), TypeError);
    assert.deepEqual(checkWorkerPoolOptions({ workers: 2 }), { workers: 2, abortGrace: 5000 });
    assert.throws(
      () => noWorkers("resize", { url: "file:///a.ts", export: "default" }, { workers: 1 }),
      { name: "TypeError", message: /Cannot run task "resize" in workers: .*no threads/ },
    );
  });
});

describe("worker pool", () => {
  it("runs as an ordinary handler through executorHandler(), context forwarded", async () => {
    await withPool("handlers.ts", "echo", {}, async (pool) => {
      const progress: JsonValue[] = [];
      const ctx: TaskContext = {
        signal: new AbortController().signal,
        jobId: "j9",
        scheduleId: "s9",
        scheduledAt: Temporal.Instant.fromEpochMilliseconds(1000),
        attempt: 3,
        progress: (value) => Promise.resolve(void progress.push(value)),
      };
      assert.deepEqual(await executorHandler("t", pool)({ a: 1 }, ctx), {
        payload: { a: 1 },
        jobId: "j9",
        attempt: 3,
        scheduleId: "s9",
        scheduledAt: "1970-01-01T00:00:01Z",
      });
      assert.deepEqual(progress, ["echoed"]);
    });
  });

  it("runs the handler in a worker: payload and context in, JSON result out", async () => {
    await withPool("handlers.ts", "echo", {}, async (pool) => {
      const result = await pool.run(
        { ...job({ n: [1, "two"] }, "job-7"), attempt: 2, scheduleId: "s" },
        hooks(),
      );
      assert.deepEqual(result, {
        payload: { n: [1, "two"] },
        jobId: "job-7",
        attempt: 2,
        scheduleId: "s",
        scheduledAt: "1970-01-01T00:00:00Z",
      });
    });
  });

  it("rejects with the handler's error: name, message, stack, NonRetryableError kept", async () => {
    await withPool("handlers.ts", "fail", {}, async (pool) => {
      const error = await pool.run(job({ name: "QuotaError" }), hooks()).catch((e) => e);
      assert.equal(error.name, "QuotaError");
      assert.equal(error.message, "Handler failed");
      assert.match(error.stack, /handlers\.ts/);
      await assert.rejects(
        pool.run(job({ name: "NonRetryableError" }), hooks()),
        (e) => e instanceof NonRetryableError && e.message === "Do not retry me",
      );
    });
  });

  it("refuses a result that is not JSON", async () => {
    await withPool("handlers.ts", "notJson", {}, async (pool) => {
      await assert.rejects(pool.run(job(null), hooks()), { name: "TypeError", message: /result/ });
    });
  });

  it("forwards ctx.progress() to the main thread in order", async () => {
    await withPool("handlers.ts", "steps", {}, async (pool) => {
      const progress: JsonValue[] = [];
      assert.equal(await pool.run(job(null), hooks(undefined, progress)), "done");
      assert.deepEqual(progress, [{ step: 1 }, { step: 2 }, { step: 3 }]);
    });
  });

  it("forwards an abort to ctx.signal with its reason", async () => {
    await withPool("handlers.ts", "waitForAbort", {}, async (pool) => {
      const controller = new AbortController();
      const running = pool.run(job(null), hooks(controller.signal));
      setTimeout(() => controller.abort(new DOMException("Job timed out", "TimeoutError")), 50);
      await assert.rejects(running, { name: "TimeoutError", message: "Job timed out" });
    });
  });

  it("terminates a worker that ignores its abort past the grace, then runs the next job", async () => {
    await withPool("handlers.ts", "spin", { abortGrace: 100 }, async (pool) => {
      const controller = new AbortController();
      const reason = new DOMException("Job timed out", "TimeoutError");
      const running = pool.run(job({ ms: 600_000 }), hooks(controller.signal));
      setTimeout(() => controller.abort(reason), 50);
      await assert.rejects(running, (e) => e === reason);
      assert.equal(await pool.run(job({ ms: 1 }, "j2"), hooks()), 1);
    });
  });

  it("fails the attempt when the worker exits, closes or throws, and recovers", async () => {
    await withPool("crash.ts", "default", {}, async (pool) => {
      const before = await pool.run(job({ how: "none" }), hooks());
      const cases = [
        ["exit", /exited with code 3 during job j1 \(attempt 1\)/],
        ["close", /exited with code 0 during job j1/],
        ["uncaught", /threw an uncaught .*Thrown from a timer/],
      ] as const;
      for (const [how, message] of cases) {
        const error = await pool.run(job({ how }), hooks()).catch((e) => e);
        assert.ok(error instanceof Error, `${how}: ${error}`);
        assert.match(error.message, message);
        assert.match(error.message, /The worker running task "t" \(module file:.*crash\.ts\)/);
      }
      const after = await pool.run(job({ how: "none" }), hooks());
      assert.notEqual(after, before, "the worker was replaced");
    });
  });

  it("gives a clear error, with the module URL, when the module does not load", async () => {
    const cases = [
      ["throws_at_load.ts", "default", /Broken at load/],
      ["exits_at_load.ts", "default", /the worker exited with code 7 while loading it/],
      ["handlers.ts", "nope", /no function export "nope"/],
      ["missing.ts", "default", /missing\.ts|not found|Cannot find/i],
      [
        "data:text/javascript,export default function (",
        "default",
        /SyntaxError|Unexpected|expected/i,
      ],
    ] as const;
    const firstUses: string[] = ["throws_at_load.ts", "exits_at_load.ts"];
    for (const [file, name, cause] of cases) {
      await withPool(file, name, {}, async (pool) => {
        const url = file.startsWith("data:") ? file : fixture(file);
        const prefix = `Cannot load handler module ${url} (export "${name}") for task "t": `;
        const check = await pool.check().catch((e) => e);
        assert.ok(check instanceof Error && check.message.startsWith(prefix), `${check}`);
        assert.match(check.message, cause);
        if (!firstUses.includes(file)) return; // each worker start costs seconds on deno test
        const error = await pool.run(job(null), hooks()).catch((e) => e);
        assert.ok(error instanceof Error && error.message.startsWith(prefix), `${error}`);
      });
    }
    await withPool("handlers.ts", "echo", {}, (pool) => pool.check());
  });

  it("starts at most `workers` workers and queues the rest", async () => {
    await withPool("handlers.ts", "hold", { workers: 2 }, async (pool) => {
      const started: JsonValue[] = [];
      const controllers = [0, 1, 2].map(() => new AbortController());
      const runs = controllers.map((c, i) =>
        pool.run(job(null, `j${i}`), hooks(c.signal, started))
      );
      while (started.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      controllers[0]!.abort();
      controllers[1]!.abort();
      while (started.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
      controllers[2]!.abort();
      const ids = new Set(await Promise.all(runs));
      assert.equal(ids.size, 2);
      assert.deepEqual(new Set(started), ids);
    });
  });

  it("close() waits up to its grace, then terminates and refuses new attempts", async () => {
    const pool = workerExecutor("t", { url: fixture("handlers.ts"), export: "spin" }, {
      workers: 1,
    });
    assert.equal(await pool.run(job({ ms: 1 }), hooks()), 1);
    const running = pool.run(job({ ms: 600_000 }), hooks());
    await pool.close(50);
    await assert.rejects(running, { message: /worker pool of task "t" was closed/ });
    await assert.rejects(pool.run(job({ ms: 1 }), hooks()), { message: /is closed/ });
  });

  it("keeps the main event loop serving while a CPU-bound handler runs", async () => {
    await withPool("handlers.ts", "spin", {}, async (pool) => {
      await pool.check(); // worker start-up is not what this test measures
      let last = performance.now();
      let worst = 0;
      const ticker = setInterval(() => {
        const now = performance.now();
        worst = Math.max(worst, now - last);
        last = now;
      }, 10);
      try {
        assert.equal(await pool.run(job({ ms: 1200 }), hooks()), 1200);
      } finally {
        clearInterval(ticker);
      }
      // In-process the loop would stall for the whole >= 1.2 s of CPU work; the real figure is
      // in bench/worker_stall.ts. The bound leaves room for a loaded machine.
      assert.ok(worst < 1000, `worst main-loop gap ${worst.toFixed(0)} ms`);
    });
  });
});
