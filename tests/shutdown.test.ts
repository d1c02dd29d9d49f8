import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { shutdownOnSignals } from "../src/_shutdown.ts";
import { deferred } from "./helpers/harness.ts";

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

describe("graceful shutdown on signals (Node and Bun adapters)", () => {
  it("runs the shutdown once on SIGTERM, then exits 0", async () => {
    const proc = fakeProcess();
    const done = deferred();
    let runs = 0;
    shutdownOnSignals(proc, ["SIGTERM", "SIGINT"], async () => {
      runs++;
      await done.promise;
    }, true);
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
    shutdownOnSignals(proc, ["SIGTERM", "SIGINT"], () => new Promise(() => {}), true);
    proc.emit("SIGINT");
    proc.emit("SIGINT");
    assert.deepEqual(proc.exits, [1]);
  });

  it("exits 1 when the shutdown fails, and never exits on stop() or with exit: false", async () => {
    const proc = fakeProcess();
    const originalError = console.error;
    console.error = () => {};
    try {
      shutdownOnSignals(proc, ["SIGTERM"], () => Promise.reject(new Error("boom")), true);
      proc.emit("SIGTERM");
      await new Promise((r) => setTimeout(r, 0));
      assert.deepEqual(proc.exits, [1]);
    } finally {
      console.error = originalError;
    }
    const quiet = fakeProcess();
    let runs = 0;
    const { stop } = shutdownOnSignals(
      quiet,
      ["SIGTERM"],
      () => Promise.resolve(void runs++),
      true,
    );
    await stop();
    await stop();
    assert.equal(runs, 1);
    assert.deepEqual(quiet.exits, []);
    const noExit = fakeProcess();
    shutdownOnSignals(noExit, ["SIGTERM"], () => Promise.resolve(), false);
    noExit.emit("SIGTERM");
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(noExit.exits, []);
  });
});
