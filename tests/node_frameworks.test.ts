// The documented Express and Fastify examples (examples/node/*.ts), each run as its own Node
// process on a free port and exercised over real HTTP: the enqueue route, the admin API with the
// token, the sign-in form and the dashboard, /metrics, and a graceful SIGTERM.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const isNode = !("Deno" in globalThis) && !("Bun" in globalThis);
const skip = isNode ? false : "the Express and Fastify examples are documented for Node";
const TOKEN = "frameworks-test-token-0123456789";
const BEARER = { authorization: `Bearer ${TOKEN}` };

for (const framework of ["express", "fastify"]) {
  describe(`examples/node/${framework}.ts`, { skip }, () => {
    it("enqueues from a route and serves the admin router under /admin", async () => {
      const dir = mkdtempSync(join(tmpdir(), `everywhen-${framework}-`));
      const file = fileURLToPath(new URL(`../examples/node/${framework}.ts`, import.meta.url));
      const child = spawn(process.execPath, ["--no-warnings", file], {
        env: { ...process.env, ADMIN_TOKEN: TOKEN, PORT: "0", EVERYWHEN_DB: join(dir, "x.db") },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      const { promise: listening, resolve, reject } = Promise.withResolvers<string>();
      const read = (chunk: Buffer) => {
        out += chunk.toString();
        const m = out.match(/listening on (http:\/\/\S+)/);
        if (m) resolve(m[1]!.replace(/\/$/, ""));
      };
      child.stdout.on("data", read);
      child.stderr.on("data", read);
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      void exited.then(() => reject(new Error(`${framework} exited early:\n${out}`)));
      try {
        const origin = await listening;
        const admin = `${origin}/admin`;

        const signup = await fetch(`${origin}/signup`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "ada@example.com" }),
        });
        assert.equal(signup.status, 202, await signup.clone().text());
        const { job } = await signup.json() as { job: string };
        await waitFor(async () => {
          const res = await fetch(`${admin}/api/jobs/${encodeURIComponent(job)}`, {
            headers: BEARER,
          });
          assert.equal(res.status, 200, await res.clone().text());
          const body = await res.json() as { status?: string; job?: { status: string } };
          return (body.job?.status ?? body.status) === "succeeded";
        }, "the enqueued job to succeed");

        assert.equal((await fetch(`${admin}/api/status`)).status, 401, "no token, no API");
        // A JSON body reaches the router through the framework unread.
        const created = await fetch(`${admin}/api/jobs`, {
          method: "POST",
          headers: { ...BEARER, "content-type": "application/json" },
          body: JSON.stringify({ task: "send-welcome", payload: { to: "bob@example.com" } }),
        });
        assert.equal(created.status, 201, await created.clone().text());

        const form = await fetch(admin, { headers: { accept: "text/html" } });
        assert.equal(form.status, 401);
        assert.match(await form.text(), /action="\/admin\/login"/);
        const login = await fetch(`${admin}/login`, {
          method: "POST",
          body: new URLSearchParams({ token: TOKEN }),
          redirect: "manual",
        });
        assert.equal(login.status, 303, await login.clone().text());
        assert.equal(login.headers.get("location"), "/admin");
        const cookie = login.headers.get("set-cookie")!;
        assert.match(cookie, /Path=\/admin/);
        const page = await fetch(admin, { headers: { cookie: cookie.split(";")[0]! } });
        assert.equal(page.status, 200);
        assert.match(await page.text(), /<html/i);

        const metrics = await fetch(`${admin}/metrics`, { headers: BEARER });
        assert.equal(metrics.status, 200);
        assert.match(await metrics.text(), /^everywhen_jobs\{status="succeeded"\} [12]$/m);

        child.kill("SIGTERM");
        assert.equal(await exited, 0, out);
      } finally {
        child.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
