// Stored trigger JSON is decoded once per JSON object, never by content or schedule id.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { anyOf, at, cron, every, triggerFromJSON } from "../src/triggers/mod.ts";
import { storedJSON, storedTrigger, triggerJSONOf } from "../src/triggers/_stored.ts";

const T0 = Date.parse("2030-01-01T00:00:00Z");

describe("stored triggers", () => {
  it("reads back a trigger that fires as the one the JSON was written from, decoded once", () => {
    for (const trigger of [cron("*/5 * * * * *"), every(1000, { startAt: T0 }), at(T0 + 1)]) {
      const json = storedJSON(trigger);
      assert.deepEqual(json, trigger.toJSON());
      const read = storedTrigger(json);
      // Decoded on first read (a schedule that never fired holds only its JSON), then kept.
      assert.notEqual(read, trigger);
      assert.equal(storedTrigger(json), read);
      assert.deepEqual(read.toJSON(), json);
      assert.equal(read.nextMs(T0), trigger.nextMs(T0));
    }
  });

  it("decodes JSON it did not write once, and each new object afresh", () => {
    const json = cron("0 * * * *", { timezone: "Europe/Paris" }).toJSON();
    const first = storedTrigger(json);
    assert.equal(storedTrigger(json), first);
    assert.deepEqual(first.toJSON(), json);
    // Same content, another object (as a store that parses rows returns): decoded again.
    const copy = structuredClone(json);
    assert.notEqual(storedTrigger(copy), first);
    assert.deepEqual(storedTrigger(copy).toJSON(), json);
  });

  it("reads one frozen object per stored text, so a row's trigger is decoded once", () => {
    const text = JSON.stringify(every(1000, { startAt: T0 }).toJSON());
    const json = triggerJSONOf(text);
    assert.equal(triggerJSONOf(text), json, "the same text, the same object");
    assert.ok(Object.isFrozen(json));
    assert.equal(storedTrigger(triggerJSONOf(text)), storedTrigger(json));
    const other = JSON.stringify(every(2000, { startAt: T0 }).toJSON());
    assert.notEqual(triggerJSONOf(other), json);
    assert.equal(storedTrigger(triggerJSONOf(other)).nextMs(T0), T0 + 2000);
    // Bounded: past the texts it keeps, it starts afresh, and still reads every text right.
    for (let i = 0; i < 5000; i++) triggerJSONOf(JSON.stringify(at(T0 + i).toJSON()));
    assert.deepEqual(triggerJSONOf(text), json);
    assert.throws(() => triggerJSONOf("{"), SyntaxError);
  });

  it("never answers for changed JSON with the trigger of the old one", () => {
    const old = storedJSON(cron("* * * * * *", { timezone: "UTC" }));
    const changed = storedJSON(cron("*/10 * * * * *", { timezone: "UTC" }));
    assert.equal(storedTrigger(old).nextMs(T0), T0 + 1000);
    assert.equal(storedTrigger(changed).nextMs(T0), T0 + 10_000);
    // A trigger rewritten field by field is a new object too.
    const edited = { ...old, expression: "*/10 * * * * *" };
    assert.equal(storedTrigger(edited).nextMs(T0), T0 + 10_000);
  });

  it("freezes the JSON it writes, nested triggers included, so it cannot change under the cache", () => {
    const json = storedJSON(anyOf([at(T0), cron("0 0 * * *", { timezone: "UTC" })])) as {
      triggers: { at?: string }[];
    };
    assert.ok(Object.isFrozen(json) && Object.isFrozen(json.triggers[0]));
    assert.throws(() => {
      json.triggers[0]!.at = "2031-01-01T00:00:00Z";
    }, TypeError);
    assert.equal(storedTrigger(json as never).nextMs(T0 - 1), T0);
  });

  it("throws what triggerFromJSON throws for JSON this version cannot read", () => {
    const bad = { v: 1, type: "cron", expression: "61 * * * *" } as never;
    assert.throws(() => triggerFromJSON(bad), SyntaxError);
    assert.throws(() => storedTrigger(bad), SyntaxError);
  });
});
