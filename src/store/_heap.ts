/**
 * Priority queues for `MemoryStore`. Most entries arrive in order: jobs enqueued with one delay
 * fall due in creation order, every lease of one store ends `leaseMs` after its claim, schedules
 * fire in due order. {@linkcode RunHeap} appends those to a sorted run in O(1) and keeps a binary
 * heap only for the others, so a steady stream costs no sifting at all.
 *
 * {@linkcode MinHeap} is a `RunHeap` of `[time, id]` entries for lazy deletion: an entry may be
 * stale, and the caller checks it against the record before acting on it. That keeps updates
 * cheap without an index into the queue.
 * @module
 */

/** A sorted run of in-order arrivals and a binary heap for the rest, ordered by `compare`. */
export class RunHeap<T> {
  #run: T[] = [];
  #head = 0;
  #heap: T[] = [];
  readonly #compare: (a: T, b: T) => number;

  /** @param compare Negative when `a` comes first; ties come out in arrival order on the run. */
  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  /** Number of entries, stale ones included. */
  get size(): number {
    return this.#run.length - this.#head + this.#heap.length;
  }

  push(item: T): void {
    const run = this.#run;
    if (this.#head === run.length || this.#compare(item, run[run.length - 1]!) >= 0) {
      run.push(item);
    } else {
      this.#heapPush(item);
    }
  }

  /** @returns The first entry without removing it. */
  peek(): T | undefined {
    const run = this.#run[this.#head];
    const heap = this.#heap[0];
    if (run === undefined) return heap;
    return heap !== undefined && this.#compare(heap, run) < 0 ? heap : run;
  }

  /** @returns The first entry, removed. */
  pop(): T | undefined {
    const run = this.#run[this.#head];
    const heap = this.#heap[0];
    if (run === undefined || (heap !== undefined && this.#compare(heap, run) < 0)) {
      return this.#heapPop();
    }
    this.#head++;
    // Drop the taken prefix now and then: amortised O(1), and the array never holds it long.
    if (this.#head === this.#run.length) {
      this.#run = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#run.length) {
      this.#run = this.#run.slice(this.#head);
      this.#head = 0;
    }
    return run;
  }

  #heapPush(item: T): void {
    const items = this.#heap;
    // Sift up by moving parents down into the hole; the new entry is written once at the end.
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (this.#compare(item, p) >= 0) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  #heapPop(): T | undefined {
    const items = this.#heap;
    const top = items[0];
    const last = items.pop();
    const n = items.length;
    if (n === 0 || last === undefined) return top;
    // Sift the last entry down from the root, moving smaller children up into the hole.
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const c = l + 1 < n && this.#compare(items[l + 1]!, items[l]!) < 0 ? l + 1 : l;
      const child = items[c]!;
      if (this.#compare(child, last) >= 0) break;
      items[i] = child;
      i = c;
    }
    items[i] = last;
    return top;
  }
}

/** One entry: a due time, the id of what is due, and a tie-break before the id. */
export type HeapEntry = [time: number, id: string, tie: number];

/**
 * Ordered by time, then tie-break, then id. Jobs pass their `seq` as the tie-break, so jobs due
 * at one instant come out in creation order (the claim order) and compare as numbers.
 */
function compareEntries(a: HeapEntry, b: HeapEntry): number {
  return a[0] - b[0] || a[2] - b[2] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
}

/** Entries by time, then tie-break, then id. */
export class MinHeap {
  #queue = new RunHeap<HeapEntry>(compareEntries);

  /** Number of entries, stale ones included. */
  get size(): number {
    return this.#queue.size;
  }

  /** @param time Due time. @param id What is due. @param tie Orders entries of one time. */
  push(time: number, id: string, tie = 0): void {
    this.#queue.push([time, id, tie]);
  }

  /** @returns The smallest entry without removing it. */
  peek(): HeapEntry | undefined {
    return this.#queue.peek();
  }

  /** @returns The smallest entry, removed. */
  pop(): HeapEntry | undefined {
    return this.#queue.pop();
  }
}
