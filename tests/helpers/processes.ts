/** Spawning worker processes of every runtime for the multi-process tests. */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const WORKER: string = fileURLToPath(new URL("../fixtures/worker.ts", import.meta.url));

export type RuntimeName = "node" | "deno" | "bun";

/** Command and leading arguments for a runtime, from the env vars the test runner sets. */
export function runtimeCommand(name: RuntimeName): [string, string[]] | null {
  const env = process.env;
  if (name === "node") {
    const bin = env.EVERYWHEN_NODE26 ?? env.EVERYWHEN_NODE22;
    return bin ? [bin, ["--no-warnings"]] : null;
  }
  if (name === "deno") return env.EVERYWHEN_DENO ? [env.EVERYWHEN_DENO, ["run", "-A"]] : null;
  return env.EVERYWHEN_BUN ? [env.EVERYWHEN_BUN, []] : null;
}

/** A running worker with its parsed stdout events. */
export interface Worker {
  child: ChildProcess;
  runtime: RuntimeName;
  events: Array<Record<string, unknown>>;
  ready: Promise<void>;
  exited: Promise<number | null>;
}

/** Starts `tests/fixtures/worker.ts` on a runtime. */
export function startWorker(
  runtime: RuntimeName,
  db: string,
  log: string,
  options: Record<string, unknown>,
): Worker {
  const cmd = runtimeCommand(runtime);
  if (!cmd) throw new Error(`No binary for ${runtime}: run through npm test`);
  const child = spawn(cmd[0], [...cmd[1], WORKER, db, log, JSON.stringify(options)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events: Worker["events"] = [];
  let buffer = "";
  let stderr = "";
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        const event = JSON.parse(line);
        events.push(event);
        if (event.event === "ready") onReady();
      } catch {
        stderr += line + "\n";
      }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => {
      if (code !== 0 && code !== null && stderr) process.stderr.write(`[${runtime}] ${stderr}`);
      onReady();
      resolve(code);
    });
  });
  return { child, runtime, events, ready, exited };
}

/** Handler runs recorded in the log file. */
export interface Run {
  jobId: string;
  attempt: number;
  pid: number;
  runtime: string;
  at: number;
}

export function readRuns(log: string): Run[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Skip reason unless this suite is the one that drives the multi-runtime process tests. */
export function processTestSkip(): string | false {
  const rt = process.env.EVERYWHEN_RUNTIME;
  if (!rt) return false;
  if (rt !== "node26") return "spawns every runtime itself; runs once, from the Node 26 suite";
  const missing = (["node", "deno", "bun"] as const).filter((r) => !runtimeCommand(r));
  return missing.length ? `missing binaries for ${missing.join(", ")}` : false;
}
