/**
 * A binary min-heap of `[time, id]` entries. Stores use it with lazy deletion: an entry may be
 * stale, and the caller checks it against the record before acting on it. That keeps updates
 * O(log n) without an index into the heap.
 * @module
 */

/** One heap entry: a due time, the id of what is due, and a tie-break before the id. */
export type HeapEntry = [time: number, id: string, tie: number];

/**
 * Min-heap ordered by time, then tie-break, then id. Jobs pass their `seq` as the tie-break, so
 * jobs due at one instant come out in creation order (the claim order) and compare as numbers.
 */
export class MinHeap {
  #items: HeapEntry[] = [];

  /** Number of entries, stale ones included. */
  get size(): number {
    return this.#items.length;
  }

  /** @param time Due time. @param id What is due. @param tie Orders entries of one time. */
  push(time: number, id: string, tie = 0): void {
    const items = this.#items;
    const entry: HeapEntry = [time, id, tie];
    // Sift up by moving parents down into the hole; the new entry is written once at the end.
    let i = items.length;
    items.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!less(entry, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = entry;
  }

  /** @returns The smallest entry without removing it. */
  peek(): HeapEntry | undefined {
    return this.#items[0];
  }

  /** @returns The smallest entry, removed. */
  pop(): HeapEntry | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    const n = items.length;
    if (n > 0 && last !== undefined) {
      // Sift the last entry down from the root, moving smaller children up into the hole.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        let c = l;
        let child = items[l]!;
        if (l + 1 < n) {
          const right = items[l + 1]!;
          if (less(right, child)) {
            c = l + 1;
            child = right;
          }
        }
        if (!less(child, last)) break;
        items[i] = child;
        i = c;
      }
      items[i] = last;
    }
    return top;
  }
}

function less(a: HeapEntry, b: HeapEntry): boolean {
  return a[0] < b[0] || (a[0] === b[0] && (a[2] < b[2] || (a[2] === b[2] && a[1] < b[1])));
}
