/**
 * The engine: one loop that fires due schedules and claims and runs due jobs, woken by a single
 * Waker. Each pass renews leases, cleans up, honours the store-wide lock and manual-mode budgets,
 * fires, claims, and polls results of jobs run elsewhere; then it arms the waker for the next
 * instant something is due. A claimed job flows one way: runner → outcome writer → store →
 * result waiters. Work goes in bounded turns, yielding to the event loop between them (see
 * `_pacer.ts`).
 * @module
 */

import type { Clock } from "../clock.ts";
import type { Codec } from "../codec.ts";
import { JobCancelledError } from "../errors.ts";
import type { JobRecord, Store } from "../store/store.ts";
import type { Waker } from "../waker.ts";
import { instantFromMs } from "../time.ts";
import { Budgets } from "./_budgets.ts";
import { type ClaimGroup, claimGroups, claimLimit } from "./_claims.ts";
import { type FiredBatch, fireDue } from "./_firing.ts";
import { LeaseKeeper } from "./_leases.ts";
import { sendDeadLetter } from "./_dead_letter.ts";
import { OutcomeWriter } from "./_outcomes.ts";
import { Pacer } from "./_pacer.ts";
import type { ResultWaiters } from "./_results.ts";
import { runJob } from "./_runner.ts";
import { RunningJob } from "./_running.ts";
import { StartShare } from "./_start_share.ts";
import type { EventSink } from "./_sink.ts";
import type { TaskEntry } from "./_tasks.ts";

/** The store meta key of the store-wide lock. */
export const LOCK_KEY = "lock";

/** Lifecycle state of a scheduler. */
export type SchedulerState = "idle" | "started" | "stopping" | "stopped";

/** What the engine needs. */
export interface EngineDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly codec: Codec;
  readonly owner: string;
  readonly random: () => number;
  readonly events: EventSink;
  readonly results: ResultWaiters;
  /** The tasks this process can run (the registry adds to it). */
  readonly tasks: ReadonlyMap<string, TaskEntry>;
  readonly concurrency: number;
  readonly roles: { readonly schedules: boolean; readonly jobs: boolean };
  readonly pollInterval: number;
  readonly leaseMs: number;
  readonly manual: boolean;
  /**
   * Slots of `concurrency` that other work holds or waits for (`scheduler.spawn`), and its
   * notice that a job freed one.
   */
  readonly slots?: { reserved(): number; freed(): void };
  /** Told the store-wide lock's reason (or `null`) each pass reads it, e.g. to log a change. */
  readonly lockSeen?: (reason: string | null) => void;
}

/**
 * Most due schedules one fire step takes. A step is one store transaction, which on SQLite holds
 * the thread with its planning: with 256, 10,000 schedules due every second left event-loop gaps
 * of 50-63 ms; with 128, 35-40 ms, at the same fires/s.
 */
const FIRE_BATCH = 128;
/** Most batches of fires in flight at once, on a store that runs steps in parallel. */
const MAX_FIRE_LANES = 2;
const CLEANUP_EVERY = 60_000;

/** The scheduling loop of one scheduler. */
export class Engine {
  #d: EngineDeps;
  #waker!: Waker;
  #state: SchedulerState = "idle";
  #paused = false;
  #running = new Map<string, RunningJob>();
  /** Slots reserved by the claim or fire in flight (what it may start), until it returns. */
  #claiming = 0;
  /**
   * Tasks whose latest claim filled its limit, so ready jobs may still wait: a fire does not
   * start their jobs at once, which would put them ahead of those.
   */
  #backlogged = new Set<string>();
  #share: StartShare;
  #budgets = new Budgets();
  #leases: LeaseKeeper;
  #outcomes: OutcomeWriter;
  #pacer: Pacer;
  #ticking: Promise<void> | null = null;
  #again = false;
  #nextCleanupAt = 0;
  #nextPollAt = 0;
  #unwatch: (() => void) | null = null;
  /** The clock reading the latest pass worked with. */
  #passNow = 0;

  /** @param deps Store, clock, limits and sinks. */
  constructor(deps: EngineDeps) {
    this.#d = deps;
    this.#pacer = new Pacer(deps.clock);
    this.#share = new StartShare(deps.store.shared);
    this.#leases = new LeaseKeeper({ store: deps.store, owner: deps.owner, leaseMs: deps.leaseMs });
    this.#outcomes = new OutcomeWriter({
      store: deps.store,
      owner: deps.owner,
      events: deps.events,
      results: deps.results,
      failedForGood: async (job, error, at) => {
        const letter = await sendDeadLetter(deps, job, error, at);
        if (letter === null) return;
        deps.events.emit("job:created", () => ({
          jobId: letter.id,
          task: letter.task,
          scheduleId: null,
          runAt: instantFromMs(letter.runAt),
        }));
        this.kick();
      },
      endedBadly: async () => {
        if (deps.results.size > 0) await deps.results.poll((id) => this.#running.has(id));
      },
    });
  }

  /** Sets the waker (built after the engine, since it calls `kick`). */
  set waker(waker: Waker) {
    this.#waker = waker;
  }

  /** The lifecycle state. */
  get state(): SchedulerState {
    return this.#state;
  }

  /** Whether `pause()` is in effect. */
  get paused(): boolean {
    return this.#paused;
  }

  /** The jobs running in this process. */
  get running(): ReadonlyMap<string, RunningJob> {
    return this.#running;
  }

  /**
   * Slots of `concurrency` that jobs hold: running ones, and those a claim in flight may bring
   * back. Counting the claim stops a spawn from taking a slot the claim is about to fill.
   */
  get busySlots(): number {
    return this.#running.size + this.#claiming;
  }

  /** Starts the loop. */
  start(): void {
    this.#state = "started";
    this.#unwatch = this.#d.store.watch?.(() => this.kick()) ?? null;
    this.kick();
  }

  /** Halts (`true`) or resumes (`false`) firing and claiming; running jobs continue. */
  setPaused(paused: boolean): void {
    this.#paused = paused;
    if (!paused) this.kick();
  }

  /**
   * Stops the loop: nothing new starts; running jobs get `grace` ms, then are aborted.
   * Resolves once every outcome is recorded.
   */
  async stop(grace: number): Promise<void> {
    this.#state = "stopping";
    this.#unwatch?.();
    this.#unwatch = null;
    this.#waker.disarm();
    this.#pacer.release();
    await this.#ticking;
    if (this.#running.size > 0) {
      let timer: unknown;
      const expired = new Promise<void>((r) => (timer = this.#d.clock.setTimer(r, grace)));
      await Promise.race([this.#allDone(), expired]);
      this.#d.clock.clearTimer(timer);
      for (const [id, run] of this.#running) {
        run.abort(new JobCancelledError(id, { cause: "scheduler stopped" }));
      }
      await this.#allDone();
    }
    this.#state = "stopped";
  }

  /**
   * Runs everything due now (within `maxJobs`, until `signal` aborts) and waits until the loop
   * is idle and the jobs it started have finished.
   */
  async runDue(maxJobs: number, signal: AbortSignal | undefined): Promise<void> {
    const close = this.#budgets.open(maxJobs, signal);
    try {
      this.kick();
      for (;;) {
        await this.#ticking;
        if (this.#running.size === 0 && !this.#ticking) break;
        await this.#allDone();
      }
    } finally {
      close();
    }
  }

  /** Something changed (a write, a finished job, the waker): run a pass soon. */
  kick(): void {
    if (this.#state !== "started" && this.#state !== "stopping") return;
    if (this.#d.manual && this.#budgets.runs === 0 && this.#running.size === 0) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = this.#loop().finally(() => {
      this.#ticking = null;
      // A kick between the loop's last look at #again and here (a job that finished on a
      // microtask as the loop went idle) found it ticking: run it now rather than lose it.
      if (this.#again && this.#state === "started") this.kick();
    });
  }

  async #loop(): Promise<void> {
    // Let the caller's synchronous burst (e.g. many enqueues) finish before one pass handles it.
    await Promise.resolve();
    do {
      do {
        this.#again = false;
        try {
          await this.#pass();
        } catch (error) {
          this.#d.events.reportError(error, "scheduler loop");
        }
      } while (this.#again && await this.#paced());
      try {
        await this.#arm();
      } catch (error) {
        this.#d.events.reportError(error, "arming the waker");
        this.#waker.arm(this.#d.clock.now() + this.#d.pollInterval);
      }
      // A kick that arrived while arming (an enqueue, a finished job) must not be lost.
    } while (this.#again && await this.#paced());
  }

  /** Yields if this turn's work is done; @returns whether the loop may go on. */
  async #paced(): Promise<boolean> {
    if (this.#state !== "started") return false;
    await this.#pacer.pace();
    return this.#state === "started";
  }

  async #pass(): Promise<void> {
    const d = this.#d;
    const now = d.clock.now();
    this.#passNow = now;
    this.#pacer.spend(1);
    await this.#leases.renewDue(now, this.#running);
    if (this.#state !== "started" || this.#paused) return;
    if (now >= this.#nextCleanupAt) {
      this.#nextCleanupAt = now + CLEANUP_EVERY;
      await d.store.cleanup(now);
    }
    const lock = await d.store.getMeta(LOCK_KEY);
    d.lockSeen?.(lock);
    if (lock !== null) return;
    if (this.#budgets.halted(d.manual)) return;
    // Claims first: jobs already waiting start before the fires' jobs, which start at once only
    // into the slots the claims left.
    if (d.roles.jobs) await this.#claim(now);
    if (d.roles.schedules) await this.#fireDue(now);
    if (d.store.shared && d.results.size > 0 && now >= this.#nextPollAt) {
      this.#nextPollAt = now + d.pollInterval;
      await d.results.poll((id) => this.#running.has(id));
    }
  }

  async #fireDue(now: number): Promise<void> {
    const d = this.#d;
    const deps = {
      store: d.store,
      tasks: d.tasks,
      owner: d.owner,
      leaseMs: d.leaseMs,
      random: d.random,
      events: d.events,
    };
    // A store that runs steps in parallel (a PostgreSQL pool) fires two batches at once once a
    // first batch came back full: the database works on one while this process plans the other.
    const lanes = Math.min(MAX_FIRE_LANES, d.store.parallel ?? 1);
    for (let width = 1;; width = lanes) {
      // One room for all lanes: its slots are counted in one place, whichever lane fills them.
      const room = this.#startRoom(now);
      this.#claiming += room.slots;
      // Settled, never rejected: a lane's failure is rethrown once the others' jobs started.
      const results = await Promise.allSettled(
        Array.from(
          { length: width },
          () => fireDue({ ...deps, startNow: room.startNow }, now, FIRE_BATCH),
        ),
      );
      const { created, started, full } = await this.#startFired(results, room.slots, now);
      if (created > started) {
        this.#again = true;
        // Start the batch's other jobs before firing the next batch (in a turn of their own if
        // the fires used this one up).
        if (d.roles.jobs && await this.#paced()) {
          this.#share.learn(room.declined(), await this.#claim(now));
        }
      }
      if (!full || !(await this.#paced())) return;
    }
  }

  /**
   * Starts the jobs the lanes wrote running (also when another lane failed: nobody else would
   * run them before their lease ended), then rethrows a lane's failure.
   * @returns What the lanes did: jobs created and started, and whether every lane was full.
   */
  async #startFired(
    results: PromiseSettledResult<FiredBatch>[],
    slots: number,
    now: number,
  ): Promise<{ created: number; started: number; full: boolean }> {
    const d = this.#d;
    let taken = 0;
    let created = 0;
    let full = true;
    const started: JobRecord[] = [];
    for (const r of results) {
      if (r.status === "rejected") continue;
      taken += r.value.taken;
      created += r.value.created;
      started.push(...r.value.started);
      full &&= r.value.taken === FIRE_BATCH;
    }
    // The jobs written running keep their slots reserved until they start.
    this.#claiming -= slots - started.length;
    this.#pacer.spend(taken);
    this.#budgets.spend(started.length);
    if (started.length < slots) d.slots?.freed();
    await this.#startPaced(started, now);
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    return { created, started: started.length, full };
  }

  /**
   * The slots a fire may fill by starting its jobs at once, and the rule that picks those jobs:
   * due now (not delayed by jitter), of a task registered here with room under its
   * `maxRunning` and no claim backlog, with no concurrency or rate key (claims count those),
   * within free concurrency and the open `runDue` budgets, and on a shared store within this
   * process's share (`_start_share.ts`); `declined` counts the eligible jobs the share left.
   */
  #startRoom(now: number): {
    slots: number;
    startNow: (job: JobRecord) => boolean;
    declined: () => number;
  } {
    const d = this.#d;
    const slots = d.roles.jobs ? claimLimit(this.#freeSlots(), Infinity, this.#budgets.left()) : 0;
    let declined = 0;
    if (slots === 0) return { slots, startNow: () => false, declined: () => declined };
    const taken = new Map<TaskEntry, number>();
    let left = slots;
    const startNow = (job: JobRecord): boolean => {
      if (left === 0 || job.runAt > now || job.concurrencyKey !== null || job.rateKey !== null) {
        return false;
      }
      const task = d.tasks.get(job.task);
      if (!task || this.#backlogged.has(task.name)) return false;
      const n = taken.get(task) ?? 0;
      if (task.running + n >= task.maxRunning) return false;
      if (!this.#share.take()) {
        declined++;
        return false;
      }
      taken.set(task, n + 1);
      left--;
      return true;
    };
    return { slots, startNow, declined: () => declined };
  }

  /** @returns The number of jobs claimed. */
  async #claim(now: number): Promise<number> {
    let claimed = 0;
    // Groups are computed once per pass; a limited task's cap is its room at the pass's start.
    for (const group of claimGroups(this.#d.tasks.values())) {
      claimed += await this.#claimFor(now, group);
    }
    return claimed;
  }

  async #claimFor(now: number, { tasks, cap }: ClaimGroup): Promise<number> {
    const d = this.#d;
    if (this.#budgets.halted(d.manual)) return 0;
    const limit = claimLimit(this.#freeSlots(), cap, this.#budgets.left());
    if (limit === 0) return 0;
    let jobs: JobRecord[];
    this.#claiming += limit;
    try {
      jobs = await d.store.claimJobs(now, d.owner, d.leaseMs, limit, { tasks });
    } catch (error) {
      this.#claiming -= limit;
      throw error;
    }
    // The claimed jobs keep their slots reserved until they start.
    this.#claiming -= limit - jobs.length;
    this.#budgets.spend(jobs.length);
    for (const task of tasks) {
      if (jobs.length === limit) this.#backlogged.add(task);
      else this.#backlogged.delete(task);
    }
    // Slots the claim reserved and did not fill: spawns waiting for them may start.
    if (jobs.length < limit) d.slots?.freed();
    if (jobs.length === limit && limit < cap) this.#again = true;
    await this.#startPaced(jobs, now);
    return jobs.length;
  }

  /**
   * Starts jobs this process holds (claimed, or written running by its fires) in bounded turns:
   * a claimed page of 1,000 started and finished at once held the event loop for 45-90 ms on
   * SQLite, and a fire step with its jobs' starts and finishes up to 60. Jobs waiting for their
   * turn hold their lease and slot; a stop releases the pacer, so they start at once and get the
   * stop's grace like the others.
   */
  async #startPaced(jobs: JobRecord[], now: number): Promise<void> {
    for (const job of jobs) {
      if (this.#pacer.spent) await this.#pacer.pace();
      this.#pacer.spend(1);
      this.#claiming--;
      this.#start(job, this.#d.tasks.get(job.task)!, now);
    }
  }

  /** Slots of `concurrency` that no running job and no spawned work holds or waits for. */
  #freeSlots(): number {
    const d = this.#d;
    return d.concurrency - this.#running.size - (d.slots?.reserved() ?? 0);
  }

  #start(job: JobRecord, task: TaskEntry, now: number): void {
    const run = new RunningJob(job);
    // The claim's lease, should the store not report it on the record.
    if (job.leaseUntil === null) run.leaseUntil = now + this.#d.leaseMs;
    task.running++;
    this.#running.set(job.id, run);
    // Per start, not per claim: the jobs that ran before this one in a paced page may all have
    // finished, and the keeper gone idle, by the time it starts.
    this.#leases.claimed(now);
    run.done = this.#execute(task, run);
  }

  async #execute(task: TaskEntry, run: RunningJob): Promise<void> {
    const d = this.#d;
    try {
      await this.#outcomes.record(run.job, await runJob(this.#d, task, run));
    } catch (error) {
      this.#d.events.reportError(error, `recording the outcome of job ${run.job.id}`);
    } finally {
      task.running--;
      this.#running.delete(run.job.id);
      if (this.#running.size === 0) this.#leases.idle();
      d.slots?.freed();
      this.kick();
    }
  }

  async #arm(): Promise<void> {
    if (this.#state !== "started" && this.#state !== "stopping") return;
    const d = this.#d;
    const now = d.clock.now();
    let at = this.#leases.nextRenewAt;
    // Whether the process should stay alive for this wake-up (keepAlive): only for work ahead
    // (a due fire or job, a running job, an awaited result, a shared store to poll), never for
    // housekeeping such as clean-up, so an idle script can exit.
    let work = this.#running.size > 0 || d.results.size > 0;
    // In manual mode the platform's own alarm wakes runDue(); timers only renew leases.
    if (this.#state === "started" && !this.#paused && !d.manual) {
      const due = await d.store.nextWakeup();
      work ||= due !== null || d.store.shared;
      // Due at or before the instant the pass worked with, yet still there: the pass could not
      // take it (unknown task, full concurrency, lock), so look again soon instead of spinning.
      // Anything that fell due while the pass ran is armed for at once.
      if (due !== null) at = Math.min(at, due <= this.#passNow ? now + d.pollInterval : due);
      at = Math.min(at, this.#nextCleanupAt);
      if (d.store.shared) at = Math.min(at, now + d.pollInterval);
    }
    if (at === Infinity) this.#waker.disarm();
    else this.#waker.arm(at, { keepAlive: work });
  }

  #allDone(): Promise<unknown> {
    return Promise.all([...this.#running.values()].map((r) => r.done));
  }
}
