/**
 * A vassal's copies by emperor node, in the order they were added: the part of a `Map`
 * the coordinator uses, held in an array. A vassal has a few copies; a `Map` of one entry
 * took 256 bytes (its table is made for eight), which at 100 000 vassals was a quarter of
 * what zeus kept of each. Beyond {@link INDEX_FROM} copies (a vassal on every emperor) a
 * `Map` indexes them, so that finding one stays O(1).
 *
 * @module
 */
import type { Copy } from "./records.ts";

/** What the coordinator asks of a vassal's copies (a `Map<string, Copy>` is one too). */
export interface CopiesOn {
  readonly size: number;
  get(node: string): Copy | undefined;
  has(node: string): boolean;
  set(node: string, c: Copy): unknown;
  delete(node: string): boolean;
  keys(): IterableIterator<string>;
  values(): IterableIterator<Copy>;
}

/** Copies beyond which lookups go through a `Map`. */
export const INDEX_FROM = 8;

/**
 * The copies of one vassal, keyed by node (each copy's own `node`). Its iterators are the
 * array's (the fastest to walk: zeus walks every copy of 100 000 vassals for each status),
 * and a delete makes a new array, so a walk that deletes as it goes never skips a copy: it
 * goes through the copies as they were when it began (and any added meanwhile).
 *
 * @example
 * ```ts
 * const copies = new CopyList();
 * copies.set("e1", { node: "e1", state: "offered", pid: 0, restarts: 0 });
 * copies.get("e1")?.state; // "offered"
 * [...copies.keys()]; // ["e1"]
 * ```
 */
export class CopyList implements CopiesOn {
  /**
   * No copy, the one copy (no array: most vassals have one copy, and an array of one took
   * 64 bytes more of each at 100 000), or two or more in an array.
   */
  #copies: Copy | Copy[] | undefined;
  #index: Map<string, Copy> | undefined;

  get size(): number {
    const c = this.#copies;
    return c === undefined ? 0 : Array.isArray(c) ? c.length : 1;
  }

  get(node: string): Copy | undefined {
    if (this.#index) return this.#index.get(node);
    const copies = this.#copies;
    if (!Array.isArray(copies)) return copies?.node === node ? copies : undefined;
    for (const c of copies) if (c.node === node) return c;
    return undefined;
  }

  has(node: string): boolean {
    return this.get(node) !== undefined;
  }

  /**
   * Adds or replaces the copy on `node`.
   *
   * @throws {RangeError} when `c.node` is not `node`: copies are found by their own node
   */
  set(node: string, c: Copy): this {
    if (c.node !== node) throw new RangeError(`a copy on "${c.node}" cannot be kept under node "${node}": they must be the same`);
    const copies = this.#copies;
    const old = this.get(node);
    if (copies === undefined || copies === old) this.#copies = c;
    else if (!Array.isArray(copies)) this.#copies = [copies, c];
    else if (old) copies[copies.indexOf(old)] = c;
    else copies.push(c);
    const list = this.#copies;
    if (this.#index) this.#index.set(node, c);
    else if (Array.isArray(list) && list.length > INDEX_FROM) this.#index = new Map(list.map((x) => [x.node, x]));
    return this;
  }

  delete(node: string): boolean {
    const c = this.get(node);
    if (!c) return false;
    const copies = this.#copies;
    if (!Array.isArray(copies)) this.#copies = undefined;
    else {
      // A new array, not a splice: a walk of the old one goes on undisturbed.
      const rest = copies.filter((x) => x !== c);
      this.#copies = rest.length === 1 ? rest[0] : rest;
    }
    this.#index?.delete(node);
    if (this.#index && this.size <= INDEX_FROM / 2) this.#index = undefined;
    return true;
  }

  /** The copies, in the order they were added; deleting while going through them skips none. */
  values(): IterableIterator<Copy> {
    const c = this.#copies;
    return (c === undefined ? NONE : Array.isArray(c) ? c : [c]).values();
  }

  /** The nodes, in the order their copies were added. */
  keys(): IterableIterator<string> {
    const c = this.#copies;
    return (c === undefined ? [] : Array.isArray(c) ? c.map((x) => x.node) : [c.node]).values();
  }
}

/** The copies of a list of none. */
const NONE: readonly Copy[] = [];
