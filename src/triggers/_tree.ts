/**
 * Depth and size of `anyOf`/`allOf` trees, checked against the limits when a combinator is made.
 * @module
 */

import { MAX_TRIGGER_DEPTH, MAX_TRIGGER_NODES } from "./limits.ts";
import type { Trigger } from "./types.ts";

/** Depth and size of a trigger tree. */
export interface TreeSize {
  /** Nesting of combinators: 0 for a plain trigger. */
  readonly depth: number;
  /** Triggers in the tree, itself included. */
  readonly nodes: number;
}

/** Key under which the built-in combinators keep their {@linkcode TreeSize}. */
export const TREE: unique symbol = Symbol("everywhen.triggerTree");

/**
 * The size of a combinator over `children`, refused past the limits.
 * @param children The child triggers.
 * @param fn The function name for messages, e.g. `"anyOf()"`.
 * @returns The combinator's size.
 * @throws {RangeError} When the tree is too deep or too large.
 */
export function treeOf(children: readonly Trigger[], fn: string): TreeSize {
  let depth = 0;
  let nodes = 1;
  for (const child of children) {
    const size = sizeOf(child);
    depth = Math.max(depth, size.depth);
    nodes += size.nodes;
  }
  checkTree(depth + 1, nodes, fn);
  return { depth: depth + 1, nodes };
}

/**
 * Throws when a depth or a count of triggers is past the limits.
 * @param depth Nesting of combinators.
 * @param nodes Triggers counted so far.
 * @param where Where, for the message (a function name or a JSON path).
 */
export function checkTree(depth: number, nodes: number, where: string): void {
  if (depth > MAX_TRIGGER_DEPTH) {
    throw new RangeError(
      `Invalid trigger at ${where}: anyOf/allOf nested deeper than ${MAX_TRIGGER_DEPTH} levels`,
    );
  }
  if (nodes > MAX_TRIGGER_NODES) {
    throw new RangeError(
      `Invalid trigger at ${where}: more than ${MAX_TRIGGER_NODES} triggers in one tree`,
    );
  }
}

function sizeOf(trigger: Trigger): TreeSize {
  const own = (trigger as { [TREE]?: TreeSize })[TREE];
  if (own !== undefined) return own;
  if (trigger.type !== "anyOf" && trigger.type !== "allOf") return { depth: 0, nodes: 1 };
  // A combinator from another copy of this module: measure its JSON without recursion.
  let depth = 0;
  let nodes = 0;
  const stack: [unknown, number][] = [[trigger.toJSON(), 0]];
  while (stack.length > 0) {
    const [json, level] = stack.pop() as [unknown, number];
    nodes++;
    const children = (json as { triggers?: unknown }).triggers;
    if (!Array.isArray(children)) continue;
    depth = Math.max(depth, level + 1);
    checkTree(depth, nodes + children.length, `a foreign ${trigger.type}()`);
    for (const child of children) stack.push([child, level + 1]);
  }
  return { depth, nodes };
}
