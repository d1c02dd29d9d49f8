/**
 * The admin command line, runtime-agnostic: `runCli(args, io)` parses the arguments, acts on a
 * store through a (never started) Scheduler, and writes to the given streams. Its commands are
 * the admin operations that have one (`src/admin/operations.ts`), with the same input checks as
 * the HTTP API and the Workers client. The `everywhen` binary (`bin/everywhen.ts`) only supplies
 * the arguments, the store opener and the streams.
 * @module
 */

import { checkInput, type FieldType, fromText } from "./admin/input.ts";
import { inputName, type Operation, OPERATIONS, runOperation } from "./admin/operations.ts";
import { instantText, plain, scheduleState } from "./admin/plain.ts";
import type { Codec } from "./codec.ts";
import { NotFoundError } from "./errors.ts";
import { Scheduler } from "./scheduler/scheduler.ts";
import type { Store } from "./store/store.ts";
import type { Temporal } from "./temporal.ts";
import type { JobHandle, JobInfo, ScheduleInfo } from "./types.ts";

/** What the CLI needs from its host. */
export interface CliIo {
  /**
   * Opens the store named on the command line (a path or a store URL).
   * @param url The store argument.
   * @param options `create`: whether a store that does not exist may be created (`--create`).
   */
  openStore(url: string, options: { create: boolean }): Promise<Store>;
  /** Writes a line to standard output. */
  out(text: string): void;
  /** Writes a line to standard error. */
  err(text: string): void;
  /** Codec for encrypted stores (from `EVERYWHEN_ENCRYPTION_KEY`). @default JSON */
  codec?: Codec;
}

/** What an encrypted record shows when the CLI has no key. */
export const ENCRYPTED_NOTE = "encrypted: set EVERYWHEN_ENCRYPTION_KEY";

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (flag: string): string =>
  flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const COMMANDS = OPERATIONS.filter((op) => op.cli !== null);

const PLACEHOLDER: Partial<Record<FieldType, string>> = {
  integer: "n",
  boolean: "true|false",
  statuses: "s,s",
  ids: "id,id",
  duration: "duration",
};

function usageLine(op: Operation): string {
  const cli = op.cli!;
  const words = cli.args.map((a) => {
    const field = op.fields[a]!;
    const name = field.type === "boolean" ? "on|off" : `<${a}>`;
    return field.required ? name : `[${name.replace(/[<>]/g, "")}]`;
  });
  const flags = Object.keys(op.fields).filter((f) => !cli.args.includes(f))
    .map((f) => `[--${kebab(f)} ${PLACEHOLDER[op.fields[f]!.type] ?? "v"}]`);
  return [cli.command, ...words, ...flags].join(" ");
}

/** Usage text, derived from the operation table. */
export const USAGE: string = `Usage: everywhen <store> <command> [options]

<store> is a store URL: an SQLite file path or sqlite:<path>, or postgres://user:pass@host/db.

Commands:
${COMMANDS.map((op) => `  ${usageLine(op)}\n      ${op.summary}`).join("\n")}

Options:
  --create                  create the store if it does not exist (else a missing file is an error)
  --json                    machine-readable output
  -h, --help                this text`;

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
  let call: { op: Operation; input: Record<string, unknown> };
  try {
    parsed = parse(argv);
    if (parsed.help) {
      io.out(USAGE);
      return 0;
    }
    call = resolve(parsed);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  let store: Store | undefined;
  try {
    store = await io.openStore(parsed.file, { create: parsed.create });
    const scheduler = new Scheduler({
      store,
      roles: { schedules: false, jobs: false },
      ...(io.codec ? { codec: io.codec } : {}),
    });
    const result = await runOperation(scheduler, call.op, call.input);
    const shown = await present(scheduler, call.op, call.input, result, !io.codec);
    io.out(parsed.json ? JSON.stringify(shown.data, null, 2) : shown.text);
    return 0;
  } catch (error) {
    const e = error as Error;
    // Input the scheduler refuses (a bad duration, a malformed trigger) is bad usage too.
    const usage = e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError;
    io.err(
      parsed.json
        ? JSON.stringify({ error: { name: e.name, message: e.message } })
        : `${e.name}: ${e.message}`,
    );
    return usage && store !== undefined ? 2 : 1;
  } finally {
    await store?.close();
  }
}

interface Parsed {
  help: boolean;
  json: boolean;
  create: boolean;
  file: string;
  command: string;
  words: string[];
  flags: Map<string, string>;
}

function parse(argv: string[]): Parsed {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  const switches = { json: false, help: false, create: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") switches.json = true;
    else if (a === "--create") switches.create = true;
    else if (a === "-h" || a === "--help") switches.help = true;
    else if (a.startsWith("--")) {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`Missing value for ${a}`);
      flags.set(a.slice(2), value);
    } else positional.push(a);
  }
  const [file = "", command = "", ...words] = positional;
  if (!switches.help) {
    if (!file) throw new UsageError("Missing store");
    if (!command) throw new UsageError("Missing command");
  }
  return { ...switches, file, command, words, flags };
}

/** Finds the operation a command line names and builds its checked input. */
function resolve(p: Parsed): { op: Operation; input: Record<string, unknown> } {
  const candidates = COMMANDS.filter((op) => op.cli!.command === p.command);
  if (candidates.length === 0) throw new UsageError(`Unknown command: ${p.command}`);
  // `lock` and `lock on|off` are two operations told apart by their words.
  const op = candidates.find((o) => {
    const args = o.cli!.args;
    const required = args.filter((a) => o.fields[a]!.required).length;
    return p.words.length >= required && p.words.length <= args.length;
  });
  if (!op) {
    const cli = candidates[0]!.cli!;
    throw new UsageError(
      p.words.length < cli.args.length
        ? `Missing ${cli.args[p.words.length]} for ${p.command}`
        : `Too many arguments for ${p.command}`,
    );
  }
  const raw: Record<string, unknown> = { ...op.cli!.defaults };
  op.cli!.args.forEach((name, i) => {
    const word = p.words[i];
    if (word !== undefined) raw[name] = fromText(name, op.fields[name]!, word);
  });
  for (const [flag, text] of p.flags) {
    const name = camel(flag);
    const field = op.fields[name];
    if (!field || op.cli!.args.includes(name)) {
      throw new UsageError(`Unknown option for ${p.command}: --${flag}`);
    }
    raw[name] = fromText(name, field, text);
  }
  try {
    // Checked before the store is opened, so bad usage touches nothing (runOperation checks
    // again, as on every surface).
    return { op, input: checkInput(op.fields, raw, inputName(op)) };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The text and JSON an operation's result prints as. */
async function present(
  scheduler: Scheduler,
  op: Operation,
  input: Record<string, unknown>,
  result: unknown,
  keyless: boolean,
): Promise<{ text: string; data: unknown }> {
  const id = input.id as string;
  const record = (r: ScheduleInfo | JobInfo) => shownRecord(r, keyless);
  switch (op.name) {
    case "listSchedules": {
      const list = result as ScheduleInfo[];
      return {
        data: list.map(record),
        text: list.length ? table(list.map(scheduleRow)) : "No schedules",
      };
    }
    case "getSchedule":
    case "getJob": {
      if (result === null) throw new NotFoundError(op.name === "getJob" ? "job" : "schedule", id);
      const data = record(result as ScheduleInfo | JobInfo);
      return { data, text: JSON.stringify(data, null, 2) };
    }
    case "pauseSchedule":
    case "resumeSchedule":
      return {
        data: record(result as ScheduleInfo),
        text: `${op.name === "pauseSchedule" ? "Paused" : "Resumed"} ${id}`,
      };
    case "removeSchedule":
      return { data: { removed: id }, text: `Removed ${id}` };
    case "runNow":
    case "enqueue": {
      const jobId = (result as JobHandle).id;
      return { data: { jobId }, text: `Created job ${jobId}` };
    }
    case "nextRuns": {
      const runs = (result as Temporal.Instant[]).map(instantText);
      const info = await scheduler.getSchedule(id);
      const zone = info ? zoneOf(info) : undefined;
      const text = zone ? runs.map((r) => `${r}  (${localTime(r, zone)})`) : runs;
      return { data: runs, text: text.join("\n") };
    }
    case "listJobs": {
      const jobs = result as JobInfo[];
      return { data: jobs.map(record), text: jobs.length ? table(jobs.map(jobRow)) : "No jobs" };
    }
    case "countJobs":
      return { data: { count: result }, text: String(result) };
    case "cancelJob":
      return {
        data: { cancelled: result },
        text: result ? `Cancelled ${id}` : `Not cancelled: job ${id} has already finished`,
      };
    case "retryJob": {
      if (result) return { data: { retried: true }, text: `Retried ${id}: pending again` };
      const status = (await scheduler.getJob(id))?.status ?? "gone";
      return {
        data: { retried: false, status },
        text: `Not retried: job ${id} is ${status} (only failed or cancelled jobs run again)`,
      };
    }
    case "purgeJobs":
      return {
        data: { purged: result },
        text: `Purged ${result} ${result === 1 ? "job" : "jobs"}`,
      };
    case "getLock": {
      const reason = result as string | null;
      return {
        data: { locked: reason !== null, reason },
        text: reason === null ? "Unlocked" : `Locked: ${reason}`,
      };
    }
    case "setLock":
      return {
        data: { locked: input.locked },
        text: input.locked ? "Locked: every scheduler on this store halts" : "Unlocked",
      };
    default: {
      const data = plain(result);
      return { data, text: JSON.stringify(data, null, 2) };
    }
  }
}

/** A record as printed: without a key, encrypted fields say so instead of "tampered". */
function shownRecord(r: ScheduleInfo | JobInfo, keyless: boolean): Record<string, unknown> {
  const { tampered, ...rest } = plain(r) as Record<string, unknown>;
  // With the plain JSON codec, the only text that does not decode is ciphertext.
  return keyless && tampered ? { ...rest, encrypted: ENCRYPTED_NOTE } : { ...rest, tampered };
}

function zoneOf(info: ScheduleInfo): string | undefined {
  const json = info.trigger.toJSON() as { timezone?: string };
  return typeof json.timezone === "string" ? json.timezone : undefined;
}

function localTime(iso: string, zone: string): string {
  return new Date(iso).toLocaleString("sv-SE", { timeZone: zone, hour12: false }) + ` ${zone}`;
}

function scheduleRow(s: ScheduleInfo): Record<string, string> {
  const t = s.trigger.toJSON() as { type: string; expression?: string };
  return {
    id: s.id,
    task: s.task,
    trigger: t.expression ? `${t.type} ${t.expression}` : t.type,
    state: scheduleState(s),
    "next run": s.nextRunAt ? instantText(s.nextRunAt) : "-",
  };
}

function jobRow(j: JobInfo): Record<string, string> {
  return {
    id: j.id,
    task: j.task,
    status: j.status,
    attempts: j.maxAttempts === null ? String(j.attempts) : `${j.attempts}/${j.maxAttempts}`,
    "run at": instantText(j.runAt),
    error: j.error ? `${j.error.name}: ${j.error.message}`.slice(0, 60) : "",
  };
}

function table(rows: Record<string, string>[]): string {
  const cols = Object.keys(rows[0]!);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...rows.map((r) => line(cols.map((c) => r[c]!)))]
    .join("\n");
}
