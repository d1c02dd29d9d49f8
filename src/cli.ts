/**
 * The admin command line, runtime-agnostic: `runCli(args, io)` parses the arguments, acts on a
 * store through a (never started) Scheduler, and writes to the given streams. The `everywhen`
 * binary (`bin/everywhen.ts`) only supplies the arguments, the store and the streams.
 * @module
 */

import type { Codec } from "./codec.ts";
import { NotFoundError } from "./errors.ts";
import { Scheduler } from "./scheduler.ts";
import type { JobStatus, Store } from "./store/store.ts";
import type { JobInfo, ScheduleInfo } from "./types.ts";

/** What the CLI needs from its host. */
export interface CliIo {
  /** Opens the store at the path given on the command line. */
  openStore(path: string): Promise<Store>;
  out(text: string): void;
  err(text: string): void;
  /** Codec for encrypted stores. @default JSON */
  codec?: Codec;
}

/** Usage text. */
export const USAGE: string = `Usage: everywhen <store-file> <command> [options]

Commands:
  list                      schedules with state and next run
  show <id>                 one schedule in full
  pause <id>                pause a schedule (stays paused across restarts)
  resume <id>               resume a schedule from now
  run <id>                  create a job for the schedule now (a worker runs it)
  remove <id>               remove a schedule (its jobs are kept)
  jobs [--status s] [--task t] [--schedule id] [--limit n]
                            recent jobs, newest first
  job <id>                  one job with result, error and attempts
  next <id> [n]             the next n fire instants (default 5)
  lock on|off [--reason r]  store-wide kill switch: every scheduler on the store halts while on
  lock                      show the lock

Options:
  --json                    machine-readable output
  -h, --help                this text`;

const STATUSES: JobStatus[] = ["pending", "running", "succeeded", "failed", "cancelled"];

class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Runs one CLI invocation.
 * @param argv Arguments after the program name.
 * @param io Store opener and output streams.
 * @returns The process exit code: 0 success, 1 failure (e.g. unknown id), 2 bad usage.
 * @example
 * ```ts
 * import { MemoryStore } from "../mod.ts";
 * import { runCli } from "./cli.ts";
 * const store = new MemoryStore();
 * await runCli(["x.db", "list"], { openStore: () => Promise.resolve(store), out: console.log, err: console.error });
 * ```
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.out(USAGE);
    return 0;
  }
  let store: Store | undefined;
  try {
    store = await io.openStore(parsed.file);
    const scheduler = new Scheduler({
      store,
      roles: { schedules: false, jobs: false },
      ...(io.codec ? { codec: io.codec } : {}),
    });
    const result = await execute(scheduler, parsed);
    io.out(parsed.json ? JSON.stringify(result.data, null, 2) : result.text);
    return 0;
  } catch (error) {
    const e = error as Error;
    if (e instanceof UsageError) {
      io.err(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(
      parsed.json
        ? JSON.stringify({ error: { name: e.name, message: e.message } })
        : `${e.name}: ${e.message}`,
    );
    return 1;
  } finally {
    await store?.close();
  }
}

interface Parsed {
  help: boolean;
  json: boolean;
  file: string;
  command: string;
  args: string[];
  flags: Map<string, string>;
}

function parse(argv: string[]): Parsed {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  let json = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") json = true;
    else if (a === "-h" || a === "--help") help = true;
    else if (a.startsWith("--")) {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`Missing value for ${a}`);
      flags.set(a.slice(2), value);
    } else positional.push(a);
  }
  const [file, command, ...args] = positional;
  if (help) return { help, json, file: "", command: "", args: [], flags };
  if (!file) throw new UsageError("Missing store file");
  if (!command) throw new UsageError("Missing command");
  return { help, json, file, command, args, flags };
}

async function execute(s: Scheduler, p: Parsed): Promise<{ text: string; data: unknown }> {
  const need = (what: string): string => {
    const v = p.args[0];
    if (!v) throw new UsageError(`Missing ${what} for ${p.command}`);
    return v;
  };
  switch (p.command) {
    case "list": {
      const list = await s.listSchedules();
      return {
        data: list.map(scheduleJson),
        text: list.length ? table(list.map(scheduleRow)) : "No schedules",
      };
    }
    case "show": {
      const info = await s.getSchedule(need("schedule id"));
      if (!info) throw new NotFoundError("schedule", p.args[0]!);
      return { data: scheduleJson(info), text: JSON.stringify(scheduleJson(info), null, 2) };
    }
    case "pause":
    case "resume": {
      const id = need("schedule id");
      const info = p.command === "pause" ? await s.pauseSchedule(id) : await s.resumeSchedule(id);
      return {
        data: scheduleJson(info),
        text: `${p.command === "pause" ? "Paused" : "Resumed"} ${id}`,
      };
    }
    case "run": {
      const job = await s.runNow(need("schedule id"));
      return { data: { jobId: job.id }, text: `Created job ${job.id}` };
    }
    case "remove": {
      const id = need("schedule id");
      if (!(await s.removeSchedule(id))) throw new NotFoundError("schedule", id);
      return { data: { removed: id }, text: `Removed ${id}` };
    }
    case "jobs": {
      const status = p.flags.get("status");
      if (status !== undefined && !STATUSES.includes(status as JobStatus)) {
        throw new UsageError(`Invalid --status: ${status} (one of ${STATUSES.join(", ")})`);
      }
      const limit = Number(p.flags.get("limit") ?? 20);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new UsageError("Invalid --limit: expected a positive integer");
      }
      const jobs = await s.listJobs({
        limit,
        ...(status ? { status: status as JobStatus } : {}),
        ...(p.flags.has("task") ? { task: p.flags.get("task")! } : {}),
        ...(p.flags.has("schedule") ? { scheduleId: p.flags.get("schedule")! } : {}),
      });
      return { data: jobs.map(jobJson), text: jobs.length ? table(jobs.map(jobRow)) : "No jobs" };
    }
    case "job": {
      const job = await s.getJob(need("job id"));
      if (!job) throw new NotFoundError("job", p.args[0]!);
      return { data: jobJson(job), text: JSON.stringify(jobJson(job), null, 2) };
    }
    case "next": {
      const id = need("schedule id");
      const n = Number(p.args[1] ?? 5);
      if (!Number.isInteger(n) || n < 1 || n > 1000) {
        throw new UsageError("Invalid count: expected 1 to 1000");
      }
      const info = await s.getSchedule(id);
      if (!info) throw new NotFoundError("schedule", id);
      const runs = (await s.nextRuns(id, n)).map(String);
      const zone = zoneOf(info);
      const local = zone ? runs.map((r) => `${r}  (${localTime(r, zone)})`) : runs;
      return { data: runs, text: local.join("\n") };
    }
    case "lock": {
      const mode = p.args[0];
      if (mode === undefined) {
        const reason = await s.getLock();
        return {
          data: { locked: reason !== null, reason },
          text: reason === null ? "Unlocked" : `Locked: ${reason}`,
        };
      }
      if (mode !== "on" && mode !== "off") throw new UsageError("lock takes on or off");
      await s.setLock(mode === "on", p.flags.get("reason") ?? "locked by the everywhen CLI");
      return {
        data: { locked: mode === "on" },
        text: mode === "on" ? "Locked: every scheduler on this store halts" : "Unlocked",
      };
    }
    default:
      throw new UsageError(`Unknown command: ${p.command}`);
  }
}

function zoneOf(info: ScheduleInfo): string | undefined {
  const json = info.trigger.toJSON() as { timezone?: string };
  return typeof json.timezone === "string" ? json.timezone : undefined;
}

function localTime(iso: string, zone: string): string {
  return new Date(iso).toLocaleString("sv-SE", { timeZone: zone, hour12: false }) + ` ${zone}`;
}

function scheduleJson(s: ScheduleInfo): Record<string, unknown> {
  return {
    ...s,
    trigger: s.trigger.toJSON(),
    nextRunAt: str(s.nextRunAt),
    lastRunAt: str(s.lastRunAt),
    createdAt: String(s.createdAt),
    updatedAt: String(s.updatedAt),
  };
}

function jobJson(j: JobInfo): Record<string, unknown> {
  return {
    ...j,
    scheduledAt: String(j.scheduledAt),
    runAt: String(j.runAt),
    createdAt: String(j.createdAt),
    startedAt: str(j.startedAt),
    finishedAt: str(j.finishedAt),
    expiresAt: str(j.expiresAt),
  };
}

function scheduleRow(s: ScheduleInfo): Record<string, string> {
  const t = s.trigger.toJSON() as { type: string; expression?: string };
  return {
    id: s.id,
    task: s.task,
    trigger: t.expression ? `${t.type} ${t.expression}` : t.type,
    state: s.paused ? "paused" : "active",
    "next run": str(s.nextRunAt) ?? "-",
  };
}

function jobRow(j: JobInfo): Record<string, string> {
  return {
    id: j.id,
    task: j.task,
    status: j.status,
    attempts: String(j.attempts),
    "run at": String(j.runAt),
    error: j.error ? `${j.error.name}: ${j.error.message}`.slice(0, 60) : "",
  };
}

function str(v: { toString(): string } | null): string | null {
  return v === null ? null : v.toString();
}

function table(rows: Record<string, string>[]): string {
  const cols = Object.keys(rows[0]!);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...rows.map((r) => line(cols.map((c) => r[c]!)))]
    .join("\n");
}
