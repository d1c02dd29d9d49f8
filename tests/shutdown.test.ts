import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { serveScheduler as serveOnBun } from "../adapters/bun.ts";
import { schedulerMiddleware } from "../adapters/hono.ts";
import { schedulerLifecycle, stopOnSignals } from "../adapters/lifecycle.ts";
import { DEFAULT_GRACE_MS } from "../src/_defaults.ts";
import { deferred, harness } from "./helpers/harness.ts";

function fakeProcess() {
  const listeners = new Map<string, Set<() => void>>();
  const exits: number[] = [];
  return {
    exits,
    count: (signal: string) => listeners.get(signal)?.size ?? 0,
    emit: (signal: string) => [...(listeners.get(signal) ?? [])].forEach((fn) => fn()),
    on(signal: string, fn: () => void) {
      if (!listeners.has(signal)) listeners.set(signal, new Set());
      listeners.get(signal)!.add(fn);
    },
    off(signal: string, fn: () => void) {
      listeners.get(signal)?.delete(fn);
    },
    exit(code = 0) {
      exits.push(code);
    },
  };
}

describe("graceful shutdown on signals (the lifecycle module of every server adapter)", () => {
  it("runs the shutdown once on SIGTERM, then exits 0", async () => {
    const proc = fakeProcess();
    const done = deferred();
    let runs = 0;
    stopOnSignals(proc, async () => {
      runs++;
      await done.promise;
    });
    proc.emit("SIGTERM");
    assert.equal(runs, 1);
    assert.deepEqual(proc.exits, [], "not before the work is done");
    done.resolve();
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(proc.exits, [0]);
    assert.equal(proc.count("SIGTERM"), 0, "listeners removed");
  });

  it("forces exit 1 on a second signal during the shutdown", () => {
    const proc = fakeProcess();
    stopOnSignals(proc, () => new Promise(() => {}), { signals: ["SIGTERM", "SIGINT"] });
    proc.emit("SIGINT");
    proc.emit("SIGINT");
    assert.deepEqual(proc.exits, [1]);
  });

  it("exits 1 when the shutdown fails, and never exits on stop() or with exit: false", async () => {
    const proc = fakeProcess();
    const originalError = console.error;
    console.error = () => {};
    try {
      stopOnSignals(proc, () => Promise.reject(new Error("boom")), { signals: ["SIGTERM"] });
      proc.emit("SIGTERM");
      await new Promise((r) => setTimeout(r, 0));
      assert.deepEqual(proc.exits, [1]);
    } finally {
      console.error = originalError;
    }
    const quiet = fakeProcess();
    let runs = 0;
    const stop = stopOnSignals(quiet, () => Promise.resolve(void runs++), {
      signals: ["SIGTERM"],
    });
    await stop();
    await stop();
    assert.equal(runs, 1);
    assert.deepEqual(quiet.exits, []);
    const noExit = fakeProcess();
    stopOnSignals(noExit, () => Promise.resolve(), { signals: ["SIGTERM"], exit: false });
    noExit.emit("SIGTERM");
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(noExit.exits, []);
  });
});

describe("schedulerLifecycle (the shutdown sequence of every adapter)", () => {
  it("gives running jobs the core's default grace period, 30 s", async () => {
    const h = harness();
    let aborted = false;
    h.scheduler.task("slow", (_: null, ctx) =>
      new Promise((resolve) => {
        ctx.signal.addEventListener("abort", () => {
          aborted = true;
          resolve("aborted");
        });
      }));
    const life = schedulerLifecycle(h.scheduler);
    life.start();
    await h.scheduler.enqueue("slow", null);
    await h.clock.advance(0);
    const stopping = life.stop();
    await h.clock.advance(DEFAULT_GRACE_MS - 1);
    assert.equal(aborted, false, "not aborted before the default grace");
    assert.equal(h.scheduler.state, "stopping");
    await h.clock.advance(1);
    await stopping;
    assert.equal(aborted, true);
    assert.equal(DEFAULT_GRACE_MS, 30_000);
  });

  it("refuses unknown options", () => {
    assert.throws(
      () => schedulerLifecycle(harness().scheduler, { grase: 1 } as never),
      /Unknown option in lifecycle options: "grase" \(did you mean "grace"\?\)/,
    );
    // Checked before anything else, so this holds on every runtime, not only Bun.
    assert.throws(
      () => serveOnBun(harness().scheduler, { fetch: () => new Response(), prot: 1 } as never),
      /Unknown option in serveScheduler options: "prot" \(did you mean "port"\?\)/,
    );
    assert.throws(
      () => schedulerMiddleware(harness().scheduler, { strat: true } as never),
      /"strat" \(did you mean "start"\?\)/,
    );
  });
});
