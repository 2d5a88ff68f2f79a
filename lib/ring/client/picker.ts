/**
 * Which server the next message goes to: random (the default), round robin, or one
 * specific host. Pure: the caller says which servers are down right now.
 *
 * @module
 */
import type { Random } from "./content.ts";

/** How servers are chosen (`sprog` default, `-r/--roundRobin`, `-s/--specificHost`). */
export type PickPolicy = { kind: "random" } | { kind: "roundRobin" } | { kind: "specific"; index: number };

/**
 * Chooses servers by policy. Random and round robin skip servers that are down (failover);
 * a specific server is never swapped for another.
 *
 * @example
 * ```ts
 * const p = new ServerPicker(5, { kind: "roundRobin" });
 * p.pick(() => false); // 0
 * p.pick((i) => i === 1); // 2: server 1 is down, so the next one
 * ```
 */
export class ServerPicker {
  #next = 0;

  /**
   * @param count how many servers there are (at least 1)
   * @param policy how to choose
   * @param random uniform floats in [0, 1), for the random policy
   * @throws {RangeError} on no servers or a specific index out of range
   */
  constructor(
    readonly count: number,
    readonly policy: PickPolicy,
    readonly random: Random = Math.random,
  ) {
    if (count < 1) throw new RangeError("no servers to send to");
    if (policy.kind === "specific" && (policy.index < 0 || policy.index >= count)) {
      throw new RangeError(`specific server ${policy.index} is not one of the ${count} servers`);
    }
  }

  /**
   * Whether {@link pick} would find a server now (without moving the rotation).
   *
   * @param isDown whether server `i` is down now
   */
  anyEligible(isDown: (i: number) => boolean): boolean {
    if (this.policy.kind === "specific") return !isDown(this.policy.index);
    for (let i = 0; i < this.count; i++) if (!isDown(i)) return true;
    return false;
  }

  /**
   * The server for the next message, or undefined when every eligible server is down.
   *
   * @param isDown whether server `i` is down now
   */
  pick(isDown: (i: number) => boolean): number | undefined {
    switch (this.policy.kind) {
      case "specific":
        return isDown(this.policy.index) ? undefined : this.policy.index;
      case "roundRobin": {
        for (let k = 0; k < this.count; k++) {
          const i = (this.#next + k) % this.count;
          if (!isDown(i)) {
            this.#next = (i + 1) % this.count;
            return i;
          }
        }
        return undefined;
      }
      case "random": {
        const up: number[] = [];
        for (let i = 0; i < this.count; i++) if (!isDown(i)) up.push(i);
        if (up.length === 0) return undefined;
        return up[Math.min(up.length - 1, Math.floor(this.random() * up.length))];
      }
    }
  }
}
