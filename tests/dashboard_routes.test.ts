// What the dashboard relies on without a browser: the route list it feature-detects actions
// from, and sign-in URLs under a mount that strips its prefix (no basePath).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { adminRouter } from "../adapters/hono.ts";
import { MemoryStore, Scheduler } from "../mod.ts";

const TOKEN = "routes-test-token-0123456789";

function app(): { app: Hono; scheduler: Scheduler } {
  const scheduler = new Scheduler({ store: new MemoryStore(), timezone: "UTC" });
  const app = new Hono();
  app.mount("/ops/scheduler", adminRouter(scheduler, { token: TOKEN }).fetch);
  app.route("/admin", adminRouter(scheduler, { token: TOKEN }));
  return { app, scheduler };
}

describe("dashboard support routes", () => {
  it("lists the API's routes, to signed-in clients only", async () => {
    const { app: a } = app();
    assert.equal((await a.request("/admin/api/routes")).status, 401);
    const res = await a.request("/admin/api/routes", {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(res.status, 200);
    const { routes } = await res.json() as { routes: { method: string; path: string }[] };
    const names = routes.map((r) => `${r.method} ${r.path}`);
    for (const route of ["POST /api/jobs", "POST /api/jobs/:id/cancel", "GET /api/routes"]) {
      assert.ok(names.includes(route), `${route} is listed`);
    }
    assert.equal(new Set(names).size, names.length, "each route once");
    assert.ok(names.every((n) => / \/api\//.test(n)), "only API routes");
  });

  it("signs in under a prefix-stripping mount without basePath", async () => {
    const { app: a } = app();
    // A deep link's sign-in page: two segments below the router, whatever the prefix.
    const page = await a.request("/ops/scheduler/api/jobs", { headers: { accept: "text/html" } });
    assert.equal(page.status, 401);
    assert.match(await page.text(), /"up":2/);
    const body = new URLSearchParams({ token: TOKEN });
    const res = await a.request("/ops/scheduler/login", { method: "POST", body });
    assert.equal(res.status, 303);
    // Relative to /ops/scheduler/login: the router's root under the mount, not the app's root.
    assert.equal(res.headers.get("location"), "./");
    const routed = await a.request("/admin/login", {
      method: "POST",
      body: new URLSearchParams({ token: TOKEN }),
    });
    assert.equal(routed.headers.get("location"), "/admin");
  });
});
