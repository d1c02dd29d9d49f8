/**
 * Runs `tests/cloudflare/worker.ts` in real workerd: bundles it with esbuild (temporal-polyfill
 * included: workerd has no Temporal) and starts Miniflare with a SQLite-backed Durable Object
 * whose storage persists in a directory, so a test can dispose the runtime and start it again.
 */
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * A fixture Worker of `tests/cloudflare/`, bundled into one ES module.
 * @param entry The fixture's file name. @default "worker.ts"
 */
export async function bundleWorker(entry = "worker.ts"): Promise<string> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [`${root}tests/cloudflare/${entry}`],
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser", "import"],
    target: "es2022",
    external: ["cloudflare:workers"],
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

/**
 * Builds `examples/cloudflare` exactly as `wrangler deploy --dry-run` would, offline.
 * @param outdir Where wrangler writes `worker.js`.
 * @returns wrangler's exit code and output.
 */
export async function buildExample(outdir: string): Promise<{ code: number; out: string }> {
  const { execFile } = await import("node:child_process");
  const node = process.env.EVERYWHEN_NODE26 ?? process.execPath;
  const args = [
    `${root}node_modules/wrangler/bin/wrangler.js`,
    "deploy",
    "--dry-run",
    "--config",
    `${root}examples/cloudflare/wrangler.toml`,
    "--outdir",
    outdir,
  ];
  return await new Promise((resolve) => {
    execFile(node, args, {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
    }, (error, stdout, stderr) =>
      resolve({
        code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
        out: stdout + stderr,
      }));
  });
}

/**
 * Serves one bundled Worker module with a SQLite Durable Object class in workerd.
 * @param script The module.
 * @param className The Durable Object class bound as `SCHEDULER`.
 * @returns A fetch into the Worker and a disposer.
 */
export async function serveBundle(script: string, className: string): Promise<{
  fetch(path: string, init?: RequestInit): Promise<{ status: number; body: unknown }>;
  dispose(): Promise<void>;
}> {
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: "2025-09-01",
    durableObjects: { SCHEDULER: { className, useSQLite: true } },
  });
  await mf.ready;
  return {
    async fetch(path, init) {
      const res = await mf.dispatchFetch(`http://worker${path}`, init as never);
      return { status: res.status, body: await res.json() };
    },
    dispose: () => mf.dispose(),
  };
}

/** What the tests need from a running runtime. */
export interface Runtime {
  /** Calls a `schedulerClient` method on the object `name` from inside the Worker. */
  call<T = unknown>(name: string, method: string, args?: unknown[], trigger?: number): Promise<T>;
  /** Runs many client calls, one after another, from one Worker request. */
  batch(
    calls: { name: string; method: string; args: unknown[]; trigger?: number }[],
  ): Promise<void>;
  /** GETs a fixture route. */
  get<T = unknown>(path: string): Promise<T>;
  /** Fires the Worker's `scheduled` handler as a Cron Trigger would. */
  scheduled(cron: string, scheduledTime: Date): Promise<{ outcome: string }>;
  /** Stops workerd (storage stays in the directory). */
  dispose(): Promise<void>;
}

/**
 * Starts workerd with the bundled Worker.
 * @param script The bundle.
 * @param persist Directory for Durable Object storage.
 */
export async function startRuntime(script: string, persist: string): Promise<Runtime> {
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: "2025-09-01",
    durableObjects: { SCHEDULER: { className: "TestScheduler", useSQLite: true } },
    durableObjectsPersist: persist,
  });
  await mf.ready;
  const json = async <T>(res: Response): Promise<T> => {
    const body = await res.json() as T & { thrown?: { name: string; message: string } };
    if (body && typeof body === "object" && "thrown" in body && body.thrown) {
      const e = new Error(body.thrown.message);
      e.name = body.thrown.name;
      throw e;
    }
    return body;
  };
  return {
    async call<T>(name: string, method: string, args: unknown[] = [], trigger?: number) {
      const res = await mf.dispatchFetch("http://worker/call", {
        method: "POST",
        body: JSON.stringify({ name, method, args, trigger }),
      });
      return await json<T>(res as unknown as Response);
    },
    async batch(calls) {
      await json(
        await mf.dispatchFetch("http://worker/batch", {
          method: "POST",
          body: JSON.stringify(calls),
        }) as unknown as Response,
      );
    },
    async get<T>(path: string) {
      return await json<T>(await mf.dispatchFetch(`http://worker${path}`) as unknown as Response);
    },
    async scheduled(cron: string, scheduledTime: Date) {
      const worker = await mf.getWorker() as unknown as {
        scheduled(options: { cron: string; scheduledTime: Date }): Promise<{ outcome: string }>;
      };
      return await worker.scheduled({ cron, scheduledTime });
    },
    dispose: () => mf.dispose(),
  };
}
