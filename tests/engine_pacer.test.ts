// The engine's bounded turns (src/engine/_pacer.ts): once a turn's work is spent, a yield lets the
// timers that fell due meanwhile run before the loop goes on. Asserted by order, never by timing.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { systemClock } from "../src/clock.ts";
import { onNextTurn } from "../src/_turns.ts";
import { Pacer, TURN_WORK } from "../src/engine/_pacer.ts";

describe("the engine's pacer", () => {
  const deno = "Deno" in globalThis
    ? "Deno runs an immediate queued by an immediate before timers that are due"
    : false;

  it("lets a timer that fell due during a turn begun in a timer callback run before it resumes", {
    skip: deno,
  }, async () => {
    const order: string[] = await new Promise((done) => {
      setTimeout(async () => {
        const order: string[] = [];
        const pacer = new Pacer(systemClock());
        // A timer due while the turn works: the loop's work must not resume before it runs.
        setTimeout(() => order.push("timer"), 0);
        const until = Date.now() + 5;
        while (Date.now() < until) { /* the turn's work, past the timer's due time */ }
        pacer.spend(TURN_WORK);
        await pacer.pace();
        order.push("resumed");
        done(order);
      }, 0);
    });
    assert.deepEqual(order, ["timer", "resumed"]);
  });

  it("goes on without yielding while the turn has work and time left", async () => {
    const pacer = new Pacer(systemClock());
    pacer.spend(1);
    let turned = false;
    onNextTurn(() => (turned = true));
    await pacer.pace();
    assert.equal(turned, false);
  });
});
