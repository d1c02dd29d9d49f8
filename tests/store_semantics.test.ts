import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compareClaims, rateDelayedUntil } from "../src/store/semantics.ts";
import { ClaimQueue } from "../src/store/_claim_queue.ts";
import { MinHeap } from "../src/store/_heap.ts";

const NOW = Date.parse("2030-01-01T00:00:00Z");

describe("store semantics: the rate-limit window", () => {
  it("lets a job start while fewer than limit starts fall in the window", () => {
    assert.equal(rateDelayedUntil([NOW - 2000, NOW - 500], NOW, 2, 1000), null);
  });

  it("delays a job until the oldest start in the window leaves it", () => {
    assert.equal(rateDelayedUntil([NOW - 900, NOW - 100], NOW, 2, 1000), NOW - 900 + 1000);
  });

  it("counts a start stamped after now (a process whose clock runs ahead) as made now", () => {
    // Before: a start 50 ms in the future was ignored, so a window of 1 let a second start in.
    assert.equal(rateDelayedUntil([NOW + 50], NOW, 1, 1000), NOW + 1000);
  });
});

describe("MemoryStore's claim queue", () => {
  it("takes ready jobs in claim order, whatever order they arrive in and however often refreshed", () => {
    // A small deterministic generator: the same cases on every runtime.
    let state = 12345;
    const rand = (n: number) => (state = (state * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 50; round++) {
      const queue = new ClaimQueue();
      const now = 1_000_000;
      const later = now + 1_000;
      const starvationMs = 500;
      const live = new Map<string, { id: string; priority: number; runAt: number; seq: number }>();
      for (let i = 0; i < 60; i++) {
        const id = `j${rand(40)}`;
        // Mostly in order (runs), some out of order, a few levels, some starved, some refreshed,
        // and some not ready until `later`.
        const runAt = i % 5 === 0
          ? now + 1 + rand(900)
          : now - (i % 7 === 0 ? 600 + rand(300) : 100 - i);
        const job = { id, priority: [0, 0, 0, 5, -2][rand(5)]!, runAt, seq: i + 1 };
        live.set(id, job);
        queue.add({ ...job, readyAt: runAt, stamp: 0 });
      }
      // At `now` only the ready jobs come out, in claim order; the rest come out at `later`.
      for (const at of [now, later]) {
        const due = [...live.values()].filter((j) => j.runAt <= at);
        const expected = due.sort((a, b) => compareClaims(a, b, at, starvationMs));
        const taken: string[] = [];
        for (let e = queue.take(at, starvationMs); e; e = queue.take(at, starvationMs)) {
          // Only the last add of an id is live; the store re-checks the job, as here.
          if (live.get(e.id)?.seq === e.seq) taken.push(e.id);
        }
        assert.deepEqual(taken, expected.map((j) => j.id), `round ${round} at ${at}`);
        for (const j of due) live.delete(j.id);
      }
    }
  });
});

describe("MemoryStore's run heap", () => {
  it("pops in comparator order whatever the arrival order, with a sorted run and a heap", () => {
    // A seeded mix: mostly ascending arrivals (the run), some out of order (the heap), pops
    // interleaved, equal keys included.
    let seed = 7;
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 20; round++) {
      const heap = new MinHeap();
      const model: [number, string, number][] = [];
      let t = 0;
      for (let step = 0; step < 500; step++) {
        if (random() < 0.3 && model.length > 0) {
          model.sort((a, b) => a[0] - b[0] || a[2] - b[2] || (a[1] < b[1] ? -1 : 1));
          assert.deepEqual(heap.pop(), model.shift());
        } else {
          t += random() < 0.8 ? Math.floor(random() * 3) : -Math.floor(random() * 20);
          const entry: [number, string, number] = [t, `j${step}`, Math.floor(random() * 3)];
          model.push(entry);
          heap.push(...entry);
        }
        assert.equal(heap.size, model.length);
      }
      model.sort((a, b) => a[0] - b[0] || a[2] - b[2] || (a[1] < b[1] ? -1 : 1));
      for (const entry of model) assert.deepEqual(heap.pop(), entry);
      assert.equal(heap.pop(), undefined);
    }
  });
});
