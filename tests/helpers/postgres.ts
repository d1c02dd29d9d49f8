/**
 * A throwaway PostgreSQL server for the tests: `initdb` into a temporary directory, listening on
 * 127.0.0.1 at a free port (and a private socket directory), stopped when the process exits.
 * As root, the server runs as the `postgres` user (PostgreSQL refuses root) through `runuser`.
 *
 * Binaries: `EVERYWHEN_PG_BIN`, else the newest `/usr/lib/postgresql/<v>/bin`, else `PATH`.
 * When no server can be started, `startPostgres()` returns a skip reason — and in CI
 * (`CI=true`) the suites turn that reason into a failure, never a silent pass.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";

/** A running server, or why there is none. */
export interface TestPostgres {
  /** Connection string for the `postgres` database as superuser; `null` when skipped. */
  url: string | null;
  /** Why no server runs (`false` when one does), for `describe(..., { skip })`. */
  skip: string | false;
  /** Stops the server (fast shutdown: open connections are closed). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

function binDir(): string | null {
  const env = process.env.EVERYWHEN_PG_BIN;
  if (env) return env;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => +b - +a);
    for (const v of versions) {
      if (existsSync(join(root, v, "bin", "postgres"))) {
        return join(root, v, "bin");
      }
    }
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const isRoot = (): boolean => typeof process.getuid === "function" && process.getuid() === 0;

/** Starts a throwaway server, or explains why it cannot. */
export async function startPostgres(): Promise<TestPostgres> {
  const none = (skip: string): TestPostgres => ({
    url: null,
    skip,
    stop: async () => {},
    start: async () => {},
    destroy: async () => {},
  });
  const dir = binDir();
  const bin = (name: string): string => (dir ? join(dir, name) : name);
  const root = isRoot();
  const asUser = (cmd: string, args: string[]): [string, string[]] =>
    root ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  const base = mkdtempSync(join(tmpdir(), "everywhen-pg-"));
  const data = join(base, "data");
  const sockets = join(base, "sockets");
  try {
    execFileSync("mkdir", ["-p", sockets]);
    if (root) execFileSync("chown", ["-R", "postgres", base]);
    chmodSync(base, 0o755);
    const [cmd, args] = asUser(bin("initdb"), [
      "-D",
      data,
      "-U",
      "postgres",
      "--auth=trust",
      "--no-sync",
      "-E",
      "UTF8",
      "--locale=C",
    ]);
    execFileSync(cmd, args, { stdio: "pipe" });
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    const message = (error as { stderr?: Buffer }).stderr?.toString().trim() ||
      (error as Error).message;
    return none(`cannot initialise a PostgreSQL data directory: ${message.split("\n")[0]}`);
  }
  const port = await freePort();
  let child: ChildProcess | null = null;
  let log = "";
  const launch = async (): Promise<void> => {
    const [cmd, args] = asUser(bin("postgres"), [
      "-D",
      data,
      "-p",
      String(port),
      "-k",
      sockets,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "max_connections=200",
    ]);
    const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    c.stdout!.on("data", (b: Buffer) => (log += b));
    c.stderr!.on("data", (b: Buffer) => (log += b));
    const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (/ready to accept connections/.test(log)) return;
      if (c.exitCode !== null) break;
      await Promise.race([exited, new Promise((r) => setTimeout(r, 50))]);
    }
    throw new Error(`PostgreSQL did not start: ${log.trim().split("\n").slice(-3).join(" | ")}`);
  };
  const halt = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
    // Signal the postmaster itself (runuser does not forward signals): SIGINT is a "fast"
    // shutdown that closes open connections.
    signal("SIGINT");
    await exited;
  };
  const signal = (name: "SIGINT" | "SIGQUIT"): void => {
    try {
      const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
      if (pid > 0) process.kill(pid, name);
    } catch {
      child?.kill(name);
    }
  };
  try {
    log = "";
    await launch();
  } catch (error) {
    await halt();
    rmSync(base, { recursive: true, force: true });
    return none((error as Error).message);
  }
  const onExit = (): void => {
    const c = child as ChildProcess | null;
    if (c && c.exitCode === null) signal("SIGQUIT");
  };
  process.once("exit", onExit);
  // A suite killed by a timeout must not leave its server behind.
  const onSignal = (name: NodeJS.Signals): void => {
    onExit();
    process.exit(name === "SIGINT" ? 130 : 143);
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    skip: false,
    stop: halt,
    start: async () => {
      log = "";
      await launch();
    },
    destroy: async () => {
      process.off("exit", onExit);
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      await halt();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/**
 * In CI a missing server is a failure: registers one failing test carrying the reason.
 * @param pg The server, or its skip reason.
 */
export function failInCi(pg: TestPostgres): void {
  if (pg.skip && process.env.CI === "true") {
    test("PostgreSQL server for the tests", () => {
      throw new Error(`No PostgreSQL server (required in CI): ${pg.skip}`);
    });
  }
}
