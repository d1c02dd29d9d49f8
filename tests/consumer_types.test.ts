/**
 * Issue 14, "types that work without special compiler settings": the package as npm ships it,
 * installed into throwaway projects and type-checked the way a new user would. TypeScript 5.9
 * and 6 with `tsc --init`'s defaults (and once more with `lib: ["ES2022", "DOM"]` and
 * `skipLibCheck: false`), Deno with default settings on the sources JSR ships, and a Workers
 * project with `wrangler types`. Offline: the tarball is unpacked into `node_modules/everywhen`
 * and its dependencies are linked from this checkout's install.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const modules = join(root, "node_modules");
const runtime = process.env.EVERYWHEN_RUNTIME;
const deno = process.env.EVERYWHEN_DENO ?? join(modules, ".bin", "deno");
// Packages a consumer's install brings along with everywhen (its dependencies' closure).
const DEPENDENCIES = ["croner", "temporal-polyfill", "temporal-spec", "temporal-utils"];

const skip = runtime && runtime !== "node26"
  ? "packs, installs and type-checks throwaway projects; runs once, from the Node 26 suite"
  : false;

function run(
  cmd: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: 300_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

async function ok(cmd: string, args: string[], cwd: string): Promise<string> {
  const { code, out } = await run(cmd, args, cwd);
  assert.equal(code, 0, `${[cmd, ...args].join(" ")} failed in ${cwd}:\n${out}`);
  return out;
}

/** A consumer's source: full types, not `any` (a misspelt member must be an error). */
const CONSUMER = `import { cron, every, Scheduler, Temporal } from "everywhen";

const scheduler = new Scheduler({ timezone: "Europe/Berlin", keepAlive: false });
const add = scheduler.task("add", (p: { a: number; b: number }) => p.a + p.b);
const next = cron("0 9 * * MON-FRI").next();
const ms: number | undefined = next?.epochMilliseconds;
// @ts-expect-error epochMillis is not a Temporal.Instant member (it would be, were types any)
next?.epochMillis;
const zoned: Temporal.ZonedDateTime = Temporal.Now.zonedDateTimeISO("Asia/Tokyo");
const runs: Temporal.Instant[] = every({ minutes: 5 }).nextRuns(3, zoned.toInstant());
// @ts-expect-error a run is an Instant, not a string
const wrong: string = runs[0];
scheduler.addEventListener("job:succeeded", (e) => console.log(e.detail.jobId), { once: true });
const job = await add.enqueue({ a: 1, b: 2 });
const sum: number = await job.result();
// @ts-expect-error the payload type is inferred from the handler
await add.enqueue({ a: "1" });
await scheduler.stop();
export { ms, runs, sum, wrong };
`;

const WORKER = `import { DurableObject } from "cloudflare:workers";
import { cron, type Temporal } from "everywhen";
import { durableScheduler, schedulerClient } from "everywhen/cloudflare";

export class SchedulerObject extends durableScheduler(DurableObject, (scheduler) => {
  scheduler.task("report", (p: { to: string }) => ({ sentTo: p.to }), { retries: 3 });
}, { timezone: "America/New_York" }) {}

// What a typed binding needs: the class keeps DurableObject's brand.
export type Namespace = DurableObjectNamespace<SchedulerObject>;

export default {
  async fetch(_req: Request, env: Env): Promise<Response> {
    const client = schedulerClient(env.SCHEDULER, "tenant-42");
    await client.schedule({
      id: "daily",
      task: "report",
      trigger: cron("0 9 * * *"),
      payload: { to: "ops" },
    });
    const next: Temporal.Instant | null = cron("0 9 * * *").next();
    return Response.json({ schedules: await client.listSchedules(), next: next?.toString() });
  },
} satisfies ExportedHandler<Env>;
`;

describe("a consumer project type-checks the published package", { skip }, () => {
  let work = "";
  let tarball = "";

  /** A fresh project with the packed package and its dependencies in node_modules. */
  async function project(name: string, files: Record<string, string>): Promise<string> {
    const dir = join(work, name);
    mkdirSync(join(dir, "node_modules", "everywhen"), { recursive: true });
    await ok("tar", ["xzf", tarball, "-C", "node_modules/everywhen", "--strip-components=1"], dir);
    for (const dep of DEPENDENCIES) {
      symlinkSync(join(modules, dep), join(dir, "node_modules", dep), "dir");
    }
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name, private: true, type: "module" }),
    );
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(dir, file, ".."), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    return dir;
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "everywhen-consumer-"));
    await ok(process.execPath, ["scripts/build.mjs"], root);
    const packed = await ok(
      "npm",
      ["pack", "--ignore-scripts", "--silent", "--pack-destination", work],
      root,
    );
    tarball = join(work, packed.trim().split("\n").at(-1)!);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const [label, tsc] of [["5.9", "typescript5"], ["6", "typescript"]] as const) {
    it(`TypeScript ${label}: tsc --init defaults, then lib ES2022 + DOM without skipLibCheck`, async () => {
      const compiler = join(modules, tsc, "bin", "tsc");
      const dir = await project(`ts${label}`, { "index.ts": CONSUMER });
      await ok(process.execPath, [compiler, "--init"], dir);
      writeFileSync(
        join(dir, "tsconfig.strict-lib.json"),
        JSON.stringify({
          extends: "./tsconfig.json",
          compilerOptions: { lib: ["ES2022", "DOM"], skipLibCheck: false },
        }),
      );
      const version = await ok(process.execPath, [compiler, "--version"], dir);
      assert.match(version, new RegExp(`Version ${label.replace(".", "\\.")}`));
      await ok(process.execPath, [compiler, "--noEmit", "-p", "tsconfig.json"], dir);
      await ok(process.execPath, [compiler, "--noEmit", "-p", "tsconfig.strict-lib.json"], dir);
    });
  }

  it("Deno: deno check with default settings on the sources JSR ships", async () => {
    // The package's own deno.json (import map, publish list) as a workspace member next to an
    // app whose workspace root sets no compiler options: Deno's defaults apply to both.
    const dir = join(work, "deno");
    const pkg = join(dir, "everywhen");
    mkdirSync(join(dir, "app"), { recursive: true });
    for (const entry of ["mod.ts", "src", "adapters", "deno.json"]) {
      cpSync(join(root, entry), join(pkg, entry), { recursive: true });
    }
    symlinkSync(modules, join(dir, "node_modules"), "dir");
    writeFileSync(
      join(dir, "deno.json"),
      JSON.stringify({ workspace: ["./everywhen", "./app"], nodeModulesDir: "manual" }),
    );
    writeFileSync(
      join(dir, "app", "deno.json"),
      JSON.stringify({ name: "@consumer/app", version: "0.0.0", exports: "./main.ts" }),
    );
    writeFileSync(
      join(dir, "app", "main.ts"),
      CONSUMER.replaceAll(`from "everywhen"`, `from "@everywhen/everywhen"`) +
        `export * as sqlite from "@everywhen/everywhen/sqlite";\n` +
        `export * as denoAdapter from "@everywhen/everywhen/deno";\n` +
        `export * as hono from "@everywhen/everywhen/hono";\n`,
    );
    await ok(deno, ["check", "app/main.ts"], dir);
  });

  it("Workers: wrangler types and skipLibCheck: false", async () => {
    const dir = await project("workers", {
      "src/index.ts": WORKER,
      "wrangler.jsonc": JSON.stringify({
        name: "consumer",
        main: "src/index.ts",
        compatibility_date: "2026-04-01",
        compatibility_flags: ["nodejs_compat"],
        durable_objects: { bindings: [{ name: "SCHEDULER", class_name: "SchedulerObject" }] },
        migrations: [{ tag: "v1", new_sqlite_classes: ["SchedulerObject"] }],
      }),
      "tsconfig.json": JSON.stringify({
        compilerOptions: {
          target: "es2022",
          lib: ["es2022"],
          module: "es2022",
          moduleResolution: "bundler",
          types: ["./worker-configuration.d.ts"],
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          isolatedModules: true,
        },
        include: ["src"],
      }),
    });
    await ok(process.execPath, [join(modules, "wrangler", "bin", "wrangler.js"), "types"], dir);
    await ok(process.execPath, [join(modules, "typescript", "bin", "tsc"), "-p", "."], dir);
  });
});
