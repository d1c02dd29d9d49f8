// The admin router's Prometheus endpoint: valid text exposition, authenticated like the rest of
// the router, counters that follow the scheduler's events and gauges that follow the store.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { adminRouter } from "../adapters/hono.ts";
import { VirtualClock } from "../src/clock.ts";
import { NonRetryableError } from "../src/errors.ts";
import { MemoryStore } from "../src/memory_store.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { every } from "../src/triggers/mod.ts";

const TOKEN = "metrics-test-token-0123456789";
const BEARER = { authorization: `Bearer ${TOKEN}` };
const T0 = Date.parse("2026-03-02T09:00:00Z");

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the text exposition format strictly: every line is a HELP, a TYPE or a sample; a
 * family's HELP and TYPE come once, before its samples, which are contiguous; label values
 * use only the three escapes the format defines; no series appears twice.
 */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  assert.ok(text.endsWith("\n"), "the exposition ends with a newline");
  const types = new Map<string, string>();
  const helped = new Set<string>();
  const seen = new Set<string>();
  const done = new Set<string>();
  let current: string | null = null;
  const samples: Sample[] = [];
  const familyOf = (name: string) => {
    const base = name.replace(/_(bucket|sum|count)$/, "");
    return types.get(base) === "histogram" ? base : name;
  };
  for (const line of text.slice(0, -1).split("\n")) {
    const meta = line.match(/^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      assert.ok(!done.has(name), `family ${name} appears twice`);
      if (current !== null && current !== name) done.add(current);
      current = name;
      if (kind === "HELP") {
        assert.ok(!helped.has(name), `two HELP lines for ${name}`);
        assert.doesNotMatch(rest.replace(/\\[\\n]/g, ""), /\\/, `bad escape in HELP of ${name}`);
        helped.add(name);
      } else {
        assert.ok(!types.has(name), `two TYPE lines for ${name}`);
        assert.match(rest, /^(counter|gauge|histogram|summary|untyped)$/);
        types.set(name, rest);
      }
      continue;
    }
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const [, name, , body = ""] = m as unknown as [string, string, string?, string?];
    const fam = familyOf(name);
    assert.equal(fam, current, `sample ${name} outside its family's block`);
    assert.ok(types.has(fam), `sample ${name} before its TYPE`);
    const labels: Record<string, string> = {};
    const rest = body.replace(
      /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)",?/g,
      (_, k: string, v: string) => {
        labels[k] = v.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
        return "";
      },
    );
    assert.equal(rest, "", `malformed labels: ${body}`);
    const value = Number(m[4] === "+Inf" ? Infinity : m[4]);
    assert.ok(!Number.isNaN(value), `not a number: ${m[4]}`);
    const key = `${name}${JSON.stringify(labels)}`;
    assert.ok(!seen.has(key), `series twice: ${key}`);
    seen.add(key);
    samples.push({ name, labels, value });
  }
  return { samples, types };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) &&
    Object.keys(s.labels).length === Object.keys(labels).length
  );
  assert.equal(found.length, 1, `one ${name} ${JSON.stringify(labels)}`);
  return found[0]!.value;
}

function setup() {
  const clock = new VirtualClock(T0);
  const scheduler = new Scheduler({ store: new MemoryStore(), clock });
  const app = new Hono().route("/admin", adminRouter(scheduler, { token: TOKEN }));
  const scrape = async () => {
    const res = await app.request("/admin/metrics", { headers: BEARER });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    return parse(await res.text());
  };
  return { clock, scheduler, app, scrape };
}

describe("admin router /metrics", () => {
  it("answers 401 without credentials or with a wrong token, and accepts a session", async () => {
    const { app } = setup();
    assert.equal((await app.request("/admin/metrics")).status, 401);
    const wrong = await app.request("/admin/metrics", {
      headers: { authorization: "Bearer not-the-token-at-all" },
    });
    assert.equal(wrong.status, 401);
    const login = await app.request("/admin/login", {
      method: "POST",
      body: new URLSearchParams({ token: TOKEN }),
    });
    assert.equal(login.status, 303);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const res = await app.request("/admin/metrics", { headers: { cookie } });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^# HELP everywhen_jobs /m);
  });

  it("counts jobs by status and task, attempts by outcome, durations, and the lock", async () => {
    const { clock, scheduler, scrape } = setup();
    scheduler.task("ok", () => 1);
    scheduler.task("bad", () => {
      throw new NonRetryableError("no");
    });
    scheduler.task("flaky", () => {
      throw new Error("again");
    }, { retries: 1, backoff: { initial: 1000, factor: 1, jitter: "none" } });
    let { samples, types } = await scrape();
    assert.equal(types.get("everywhen_jobs"), "gauge");
    assert.equal(types.get("everywhen_job_attempts_total"), "counter");
    assert.equal(types.get("everywhen_job_duration_seconds"), "histogram");
    assert.equal(value(samples, "everywhen_jobs", { status: "succeeded" }), 0);
    assert.equal(value(samples, "everywhen_store_locked"), 0);
    assert.equal(
      value(samples, "everywhen_job_attempts_total", { task: "ok", outcome: "succeeded" }),
      0,
      "registered tasks appear with zero counts",
    );

    scheduler.start();
    const ok = await scheduler.enqueue("ok", null);
    const bad = await scheduler.enqueue("bad", null);
    const flaky = await scheduler.enqueue("flaky", null);
    await scheduler.enqueue("ok", null, { delay: 60_000 });
    await clock.advance(0);
    await ok.result();
    await assert.rejects(bad.result());
    await clock.advance(1000);
    await assert.rejects(flaky.result());
    await scheduler.setLock(true, "maintenance");

    ({ samples } = await scrape());
    assert.equal(value(samples, "everywhen_jobs", { status: "succeeded" }), 1);
    assert.equal(value(samples, "everywhen_jobs", { status: "failed" }), 2);
    assert.equal(value(samples, "everywhen_jobs", { status: "pending" }), 1);
    assert.equal(value(samples, "everywhen_task_jobs", { task: "ok", status: "pending" }), 1);
    assert.equal(value(samples, "everywhen_task_jobs", { task: "bad", status: "failed" }), 1);
    assert.equal(value(samples, "everywhen_jobs_created_total", { task: "ok" }), 2);
    const attempts = (task: string, outcome: string) =>
      value(samples, "everywhen_job_attempts_total", { task, outcome });
    assert.equal(attempts("ok", "succeeded"), 1);
    assert.equal(attempts("bad", "failed"), 1);
    assert.equal(attempts("flaky", "retrying"), 1);
    assert.equal(attempts("flaky", "failed"), 1);
    const hist = (suffix: string, labels: Record<string, string>) =>
      value(samples, `everywhen_job_duration_seconds${suffix}`, labels);
    assert.equal(hist("_count", { task: "ok", outcome: "succeeded" }), 1);
    assert.equal(hist("_bucket", { task: "ok", outcome: "succeeded", le: "+Inf" }), 1);
    assert.equal(hist("_bucket", { task: "flaky", outcome: "retrying", le: "0.005" }), 1);
    // Buckets are cumulative: each is at least the one before, and +Inf equals the count.
    const buckets = samples.filter((s) =>
      s.name === "everywhen_job_duration_seconds_bucket" && s.labels.task === "ok"
    );
    for (let i = 1; i < buckets.length; i++) {
      assert.ok(buckets[i]!.value >= buckets[i - 1]!.value);
    }
    assert.equal(value(samples, "everywhen_store_locked"), 1);
    await scheduler.stop({ grace: 0 });
  });

  it("counts fires and missed fires by reason", async () => {
    const { clock, scheduler, scrape } = setup();
    scheduler.task("tick", () => null);
    await scheduler.schedule({ id: "minutely", task: "tick", trigger: every("PT1M") });
    scheduler.start();
    await clock.advance(60_000);
    // Ten minutes of downtime: by default one catch-up run, the other fires coalesced.
    clock.jump(10 * 60_000);
    await clock.advance(0);
    const { samples } = await scrape();
    const fires = value(samples, "everywhen_schedule_fires_total", { task: "tick" });
    assert.ok(fires >= 2, `fires: ${fires}`);
    assert.ok(
      value(samples, "everywhen_missed_fires_total", { task: "tick", reason: "coalesced" }) >= 8,
    );
    await scheduler.stop({ grace: 0 });
  });

  it("escapes label values", async () => {
    const { scheduler, scrape } = setup();
    const name = 'say "hi"\\now\nplease';
    scheduler.task(name, () => null);
    const res = await scrape();
    assert.equal(value(res.samples, "everywhen_task_jobs", { task: name, status: "pending" }), 0);
  });
});
