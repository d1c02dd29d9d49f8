// Hardening of the Hono admin router (issue 11, items 1-4): body limits before authentication,
// no URL built from the request path, revocable and expiring sessions, Secure cookies, sign-in
// throttling and token rules. Through app.fetch with bodies that count what the server pulled.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { adminRouter, DEFAULT_BODY_LIMIT } from "../adapters/hono.ts";
import { harness } from "./helpers/harness.ts";

const TOKEN = "test-token-0123456789abcdef";
const AUTH = { authorization: `Bearer ${TOKEN}` };

function mounted(at: string, options: Parameters<typeof adminRouter>[1] = { token: TOKEN }) {
  const h = harness();
  h.scheduler.task("report", (p: unknown) => p);
  const app = new Hono();
  app.route(at, adminRouter(h.scheduler, options));
  return { h, app };
}

/**
 * A request whose body streams `total` bytes in 64 KiB chunks (one buffer reused, so the test
 * allocates almost nothing) and counts how many bytes the server pulled.
 */
function streamed(url: string, total: number, headers: Record<string, string> = {}) {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  const counter = { pulled: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= total) return controller.close();
      counter.pulled += chunk.byteLength;
      controller.enqueue(chunk.slice());
    },
  }, { highWaterMark: 0 });
  const request = new Request(url, {
    method: "POST",
    headers,
    body,
    duplex: "half",
  } as RequestInit);
  return { request, counter };
}

const form = (token: string) => new URLSearchParams({ token });

async function signIn(app: Hono, base = "/admin", url = "http://localhost"): Promise<string> {
  const res = await app.request(`${url}${base}/login`, { method: "POST", body: form(TOKEN) });
  assert.equal(res.status, 303);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

describe("admin router: request body limit", () => {
  it("refuses a 64 MB sign-in before authenticating, reading no more than the limit", async () => {
    const { h, app } = mounted("/admin");
    const { request, counter } = streamed("http://localhost/admin/login", 64 * 1024 * 1024, {
      "content-type": "application/x-www-form-urlencoded",
    });
    const res = await app.fetch(request);
    assert.equal(res.status, 413);
    assert.match((await res.json() as { error: { message: string } }).error.message, /limit/);
    assert.ok(
      counter.pulled <= DEFAULT_BODY_LIMIT + 2 * 64 * 1024,
      `the server stopped reading near the limit (pulled ${counter.pulled} bytes)`,
    );
    await h.scheduler.stop();
  });

  it("refuses a declared Content-Length over the limit without reading the body", async () => {
    const { h, app } = mounted("/admin");
    const { request, counter } = streamed("http://localhost/admin/api/jobs", 64 * 1024 * 1024, {
      ...AUTH,
      "content-type": "application/json",
      "content-length": String(64 * 1024 * 1024),
    });
    assert.equal((await app.fetch(request)).status, 413);
    assert.equal(counter.pulled, 0);
    await h.scheduler.stop();
  });

  it("refuses an authenticated large enqueue and stores nothing; the limit is configurable", async () => {
    const { h, app } = mounted("/admin", { token: TOKEN, bodyLimit: 1000 });
    const payload = JSON.stringify({ task: "report", payload: "x".repeat(2000) });
    const res = await app.request("/admin/api/jobs", {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json" },
      body: payload,
    });
    assert.equal(res.status, 413);
    assert.equal(await h.store.countJobs(), 0);
    const small = await app.request("/admin/api/jobs", {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json" },
      body: JSON.stringify({ task: "report", payload: "x" }),
    });
    assert.ok(small.status < 300, `a small enqueue passes (${small.status})`);
    assert.throws(() => adminRouter(h.scheduler, { token: TOKEN, bodyLimit: -1 }), RangeError);
    await h.scheduler.stop();
  });
});

describe("admin router: URLs come from the router, never from the request path", () => {
  it("does not post the sign-in form to another host at the root mount", async () => {
    const { h, app } = mounted("/");
    const res = await app.request("//evil.example/", { headers: { accept: "text/html" } });
    assert.equal(res.status, 401);
    const html = await res.text();
    assert.doesNotMatch(html, /evil\.example/);
    assert.match(html, /<form[^>]+action="\/login"/);
    // Signed in, the trailing-slash redirect does not lead there either.
    const cookie = await signIn(app, "");
    const again = await app.request("//evil.example/", { headers: { cookie } });
    assert.ok(!(again.headers.get("location") ?? "").includes("evil"), "no open redirect");
    await h.scheduler.stop();
  });

  it("posts a sign-in reached from a deep link to the router's own /login", async () => {
    const { h, app } = mounted("/admin");
    const res = await app.request("/admin/api/jobs", { headers: { accept: "text/html" } });
    assert.equal(res.status, 401);
    assert.match(await res.text(), /<form[^>]+action="\/admin\/login"/);
    await h.scheduler.stop();
  });

  it("uses basePath under a mount that strips its prefix", async () => {
    const h = harness();
    const app = new Hono();
    app.mount("/ops", adminRouter(h.scheduler, { token: TOKEN, basePath: "/ops" }).fetch);
    const res = await app.request("/ops/api/jobs", { headers: { accept: "text/html" } });
    assert.match(await res.text(), /<form[^>]+action="\/ops\/login"/);
    assert.throws(() => adminRouter(h.scheduler, { token: TOKEN, basePath: "//x" }), TypeError);
    await h.scheduler.stop();
  });
});

describe("admin router: sessions", () => {
  it("revokes a session on sign-out, in every process sharing the store", async () => {
    const { h, app } = mounted("/admin");
    // A second process: another scheduler and router on the same store.
    const other = harness({}, { clock: h.clock, store: h.store });
    const app2 = new Hono();
    app2.route("/admin", adminRouter(other.scheduler, { token: TOKEN }));

    const cookie = await signIn(app);
    for (const a of [app, app2]) {
      assert.equal((await a.request("/admin/api/status", { headers: { cookie } })).status, 200);
    }
    const out = await app.request("/admin/logout", { method: "POST", headers: { cookie } });
    assert.equal(out.status, 303);
    assert.equal(out.headers.get("location"), "/admin");
    for (const a of [app, app2]) {
      assert.equal((await a.request("/admin/api/status", { headers: { cookie } })).status, 401);
      const events = await a.request("/admin/api/events", { headers: { cookie } });
      assert.equal(events.status, 401, "the event stream refuses the captured cookie too");
    }
    await h.scheduler.stop();
    await other.scheduler.stop();
  });

  it("ends an open event stream once its session is revoked", { timeout: 30_000 }, async () => {
    const { h, app } = mounted("/admin");
    const cookie = await signIn(app);
    const res = await app.request("/admin/api/events", { headers: { cookie } });
    assert.equal(res.status, 200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!seen.includes("event: hello")) seen += (await reader.read()).value ?? "";
    await app.request("/admin/logout", { method: "POST", headers: { cookie } });
    // The stream re-checks its session at most once a second, before it writes.
    await new Promise((r) => setTimeout(r, 1100));
    await h.scheduler.enqueue("report", "after sign-out");
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += value;
    }
    assert.doesNotMatch(seen, /job:created/, "nothing is sent after the sign-out");
    await h.scheduler.stop();
  });

  it("expires sessions after sessionTtl", async () => {
    const { h, app } = mounted("/admin", { token: TOKEN, sessionTtl: 1000 });
    const res = await app.request("/admin/login", { method: "POST", body: form(TOKEN) });
    assert.match(res.headers.get("set-cookie")!, /Max-Age=1\b/);
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    assert.equal((await app.request("/admin/api/status", { headers: { cookie } })).status, 200);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await app.request("/admin/api/status", { headers: { cookie } })).status, 401);
    await h.scheduler.stop();
  });

  it("marks the cookie Secure over TLS, and behind a proxy only when trusted", async () => {
    const login = async (app: Hono, url: string, headers: Record<string, string> = {}) =>
      (await app.request(url, { method: "POST", body: form(TOKEN), headers })).headers.get(
        "set-cookie",
      )!;
    const { h, app } = mounted("/admin");
    assert.match(await login(app, "https://example.com/admin/login"), /;\s*Secure/);
    assert.doesNotMatch(await login(app, "http://example.com/admin/login"), /Secure/);
    const proxied = { "x-forwarded-proto": "https" };
    assert.doesNotMatch(await login(app, "http://internal/admin/login", proxied), /Secure/);
    const trusted = mounted("/admin", { token: TOKEN, trustProxy: true });
    assert.match(await login(trusted.app, "http://internal/admin/login", proxied), /;\s*Secure/);
    await h.scheduler.stop();
    await trusted.h.scheduler.stop();
  });

  it("throttles failed sign-ins per client", async () => {
    const { h, app } = mounted("/admin", { token: TOKEN, trustProxy: true });
    const from = (ip: string) => ({ "x-forwarded-for": ip });
    for (let i = 0; i < 10; i++) {
      const res = await app.request("/admin/login", {
        method: "POST",
        body: form(`wrong-token-${i}-0123456789`),
        headers: from("203.0.113.7"),
      });
      assert.equal(res.status, 401);
    }
    const blocked = await app.request("/admin/login", {
      method: "POST",
      body: form(TOKEN),
      headers: from("203.0.113.7"),
    });
    assert.equal(blocked.status, 429, "even the right token waits out the window");
    assert.ok(Number(blocked.headers.get("retry-after")) > 0);
    assert.equal(blocked.headers.get("set-cookie"), null);
    const json = await app.request("/admin/login", {
      method: "POST",
      body: JSON.stringify({ token: TOKEN }),
      headers: { ...from("203.0.113.7"), "content-type": "application/json" },
    });
    assert.equal(json.status, 429);
    const otherClient = await app.request("/admin/login", {
      method: "POST",
      body: form(TOKEN),
      headers: from("198.51.100.2"),
    });
    assert.equal(otherClient.status, 303);
    await h.scheduler.stop();
  });
});

describe("admin router: token rules and options", () => {
  it("refuses tokens that are blank, short, or that Bearer cannot carry", () => {
    const h = harness();
    assert.throws(() => adminRouter(h.scheduler, { token: " ".repeat(16) }), TypeError);
    assert.throws(() => adminRouter(h.scheduler, { token: "a token with spaces" }), TypeError);
    assert.throws(() => adminRouter(h.scheduler, { token: "tab\tinside-0123456789" }), TypeError);
    assert.throws(() => adminRouter(h.scheduler, { token: "héllo-0123456789abc" }), TypeError);
    assert.throws(() => adminRouter(h.scheduler, { token: "0123456789abcde" }), RangeError);
    assert.throws(() => adminRouter(h.scheduler, { token: "x".repeat(4097) }), RangeError);
  });

  it("accepts every valid token as Bearer", async () => {
    let visible = "";
    for (let code = 0x21; code <= 0x7e; code++) visible += String.fromCharCode(code);
    for (const token of [visible, "0123456789abcdef", "=+/~._-0123456789AB"]) {
      const { h, app } = mounted("/admin", { token });
      const res = await app.request("/admin/api/status", {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200, JSON.stringify(token));
      await h.scheduler.stop();
    }
  });

  it("refuses unknown option keys, naming the closest one", () => {
    const h = harness();
    assert.throws(
      () => adminRouter(h.scheduler, { token: TOKEN, bodylimit: 5 } as never),
      /Unknown option in admin router options: "bodylimit" \(did you mean "bodyLimit"\?\)/,
    );
    assert.throws(
      () => adminRouter(h.scheduler, { token: TOKEN, trustProxy: "yes" as never }),
      TypeError,
    );
  });
});
