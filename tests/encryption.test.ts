import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { payloadBinding } from "../src/codec.ts";
import { encryptedCodec, generateEncryptionKey } from "../src/encryption.ts";
import { JobFailedError, TamperedRecordError } from "../src/errors.ts";
import { every } from "../src/triggers/mod.ts";
import { harness, waitFor } from "./helpers/harness.ts";

const bind = (id: string) => payloadBinding({ id, task: "t", scheduleId: null });

describe("encryption at rest", () => {
  it("stores payloads and results encrypted and runs jobs normally", async () => {
    const codec = await encryptedCodec({ key: generateEncryptionKey() });
    const h = harness({ codec });
    const t = h.scheduler.task("echo", (p: { secret: string }) => ({ got: p.secret }));
    const job = await t.enqueue({ secret: "hunter2" });
    h.scheduler.start();
    await h.clock.advance(0);
    assert.deepEqual(await job.result(), { got: "hunter2" });
    const raw = await h.store.getJob(job.id);
    assert.ok(raw!.payload.startsWith("ew2:") && !raw!.payload.includes("hunter2"));
    assert.ok(raw!.result!.startsWith("ew2:") && !raw!.result!.includes("hunter2"));
    assert.deepEqual((await job.info())!.payload, { secret: "hunter2" });
    // Scheduled jobs carry the schedule's ciphertext, bound to the schedule.
    await t.schedule({ id: "s", trigger: every("PT1M"), payload: { secret: "swordfish" } });
    await h.clock.advance(60_000);
    await waitFor(() => h.of("job:succeeded").length === 2);
    assert.deepEqual(h.of("job:succeeded").at(-1)!.result, { got: "swordfish" });
    assert.ok(!(await h.store.getSchedule("s"))!.payload.includes("swordfish"));
    await h.scheduler.stop();
  });

  it("refuses a tampered record with an event, fails the job, and keeps the loop running", async () => {
    const codec = await encryptedCodec({ key: generateEncryptionKey() });
    const h = harness({ codec });
    const runs: string[] = [];
    const t = h.scheduler.task("t", (p: string) => {
      runs.push(p);
      return p;
    }, { retries: 3 });
    const bad = await t.enqueue("first", { delay: 1000 });
    const good = await t.enqueue("second", { delay: 1000 });
    // Flip one character of the stored ciphertext.
    const raw = (await h.store.getJob(bad.id))!;
    const last = raw.payload.at(-2) === "A" ? "B" : "A";
    const altered = raw.payload.slice(0, -2) + last + raw.payload.at(-1);
    await h.store.cancelJob(bad.id, 0, null);
    await h.store.insertJob({ ...raw, id: "forged", payload: altered });
    // Copying a valid ciphertext onto another record is refused too (bound to its id).
    await h.store.insertJob({ ...raw, id: "copied" });
    h.scheduler.start();
    await h.clock.advance(1000);
    assert.equal(await good.result(), "second");
    await waitFor(() => h.of("job:failed").length === 2);
    assert.deepEqual(runs, ["second"]);
    for (const id of ["forged", "copied"]) {
      const info = await h.scheduler.getJob(id);
      assert.equal(info!.status, "failed");
      assert.equal(info!.error!.name, "TamperedRecordError");
      assert.equal(info!.attempts, 1, "not retried");
      assert.equal(info!.tampered, true);
      assert.equal(info!.payload, null);
      await assert.rejects(h.scheduler.job(id).result(), JobFailedError);
    }
    const errors = h.of("scheduler:error");
    assert.equal(errors.length, 2);
    assert.ok(errors.every((e) => e.error instanceof TamperedRecordError));
    await h.scheduler.stop();
  });

  it("rotates keys: old records stay readable, new ones use the new key", async () => {
    const oldKey = generateEncryptionKey();
    const newKey = generateEncryptionKey();
    const before = await encryptedCodec({ key: oldKey });
    const after = await encryptedCodec({ key: newKey, oldKeys: [oldKey] });
    const text = await before.encode({ a: 1 }, bind("job-1"));
    assert.deepEqual(await after.decode(text, bind("job-1")), { a: 1 });
    const fresh = await after.encode({ b: 2 }, bind("job-2"));
    assert.notEqual(fresh.split(":")[1], text.split(":")[1], "different key id");
    await assert.rejects(async () => await before.decode(fresh, bind("job-2")), /unknown key id/);
    const withoutOld = await encryptedCodec({ key: newKey });
    await assert.rejects(
      async () => await withoutOld.decode(text, bind("job-1")),
      TamperedRecordError,
    );
  });

  it("refuses plaintext unless allowed, and rejects bad keys", async () => {
    const key = generateEncryptionKey();
    const strict = await encryptedCodec({ key });
    await assert.rejects(
      async () => await strict.decode('{"a":1}', bind("j")),
      /unencrypted payload/,
    );
    const lenient = await encryptedCodec({ key, allowPlaintext: true });
    assert.deepEqual(await lenient.decode('{"a":1}', bind("j")), { a: 1 });
    await assert.rejects(encryptedCodec({ key: "c2hvcnQ=" }), RangeError);
    await assert.rejects(encryptedCodec({ key: "%%%" }), SyntaxError);
    await assert.rejects(encryptedCodec({ key: 42 as never }), TypeError);
    await assert.rejects(encryptedCodec(undefined as never), TypeError);
  });
});
