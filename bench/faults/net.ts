/**
 * The fault suite's network: one network namespace per node, each joined to a bridge in the
 * host's namespace by a veth pair, on a /24 of its own (so two runs at once do not meet).
 * Partitions are nftables drop rules on each node's input (silent, as a cut cable is);
 * loss, delay, reordering and duplication are `tc netem` when the kernel has it (loss falls
 * back to an nftables random drop when it has not). Needs root, `ip`, `tc` and `nft`.
 *
 * @module
 */
import { spawnSync } from "node:child_process";

/**
 * Runs a command, throwing with its stderr when it fails.
 *
 * @throws {Error} naming the command and what it said
 * @example
 * ```ts
 * sh("ip", ["netns", "list"]);
 * ```
 */
export function sh(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...(input !== undefined ? { input } : {}) });
  if (r.error) throw new Error(`${cmd} ${args.join(" ")}: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * Why the suite cannot run here (not root, a tool missing, namespaces refused), or undefined.
 *
 * @example
 * ```ts
 * const why = missingForNet();
 * if (why) console.log(`skipping: ${why}`);
 * ```
 */
export function missingForNet(): string | undefined {
  if (process.getuid?.() !== 0) return "not root (network namespaces need root)";
  for (const tool of ["ip", "tc", "nft"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed (apt-get install iproute2 nftables)`;
  }
  const probe = `zfprobe${process.pid}`;
  const made = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (made.status !== 0) return `cannot make a network namespace: ${made.stderr.trim()}`;
  spawnSync("ip", ["netns", "del", probe]);
  return undefined;
}

/**
 * Namespaces, veths and a bridge for `names.length` nodes.
 *
 * @example
 * ```ts
 * const net = Topology.create(["MV", "PA", "G", "LA", "S"]);
 * net.partition([["MV", "PA"], ["G", "LA", "S"]]);
 * net.heal();
 * net.destroy();
 * ```
 */
export class Topology {
  /** Pairs cut now ("A B", sorted). */
  readonly #cut = new Set<string>();
  #netem = new Set<string>();
  #nftLoss = new Set<string>();

  private constructor(
    readonly id: string,
    readonly subnet: string,
    readonly names: readonly string[],
  ) {}

  /**
   * Makes the bridge `${id}b` at SUBNET.254 and one namespace `${id}n${i}` per node at SUBNET.(i+1).
   *
   * @throws {Error} when a step fails (what was made is removed again)
   */
  static create(names: readonly string[]): Topology {
    const r = Math.floor(Math.random() * 36 ** 4);
    const id = `zf${r.toString(36).padStart(4, "0")}`;
    const subnet = `10.${200 + (r % 50)}.${Math.floor(r / 50) % 250}`;
    const t = new Topology(id, subnet, names);
    try {
      sh("ip", ["link", "add", t.bridge, "type", "bridge"]);
      sh("ip", ["link", "set", t.bridge, "up"]);
      sh("ip", ["addr", "add", `${subnet}.254/24`, "dev", t.bridge]);
      names.forEach((_, i) => t.#addNode(i));
    } catch (e) {
      t.destroy();
      throw e;
    }
    return t;
  }

  get bridge(): string {
    return `${this.id}b`;
  }

  /** Node `name`'s namespace. */
  ns(name: string): string {
    return `${this.id}n${this.#index(name)}`;
  }

  /** Node `name`'s address. */
  host(name: string): string {
    return `${this.subnet}.${this.#index(name) + 1}`;
  }

  #index(name: string): number {
    const i = this.names.indexOf(name);
    if (i < 0) throw new Error(`no node ${name} in ${this.names.join(", ")}`);
    return i;
  }

  #addNode(i: number): void {
    const ns = `${this.id}n${i}`;
    sh("ip", ["netns", "add", ns]);
    sh("ip", ["link", "add", `${this.id}v${i}`, "type", "veth", "peer", "name", "eth0", "netns", ns]);
    sh("ip", ["link", "set", `${this.id}v${i}`, "master", this.bridge, "up"]);
    sh("ip", ["-n", ns, "addr", "add", `${this.subnet}.${i + 1}/24`, "dev", "eth0"]);
    sh("ip", ["-n", ns, "link", "set", "eth0", "up"]);
    sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
    const nft = (...a: string[]) => sh("ip", ["netns", "exec", ns, "nft", ...a]);
    nft("add", "table", "inet", "zf");
    nft("add", "chain", "inet", "zf", "cut", "{ type filter hook input priority 0; }");
    nft("add", "chain", "inet", "zf", "loss", "{ type filter hook input priority 1; }");
  }

  /** The command line that runs `argv` inside node `name`'s namespace. */
  wrap(name: string, argv: string[]): string[] {
    return ["ip", "netns", "exec", this.ns(name), ...argv];
  }

  /** Cuts `a` from `b` both ways (packets dropped silently). */
  cut(a: string, b: string): void {
    const key = [a, b].sort().join(" ");
    if (this.#cut.has(key)) return;
    this.#cut.add(key);
    this.#drop(a, b);
    this.#drop(b, a);
  }

  #drop(at: string, from: string): void {
    sh("ip", ["netns", "exec", this.ns(at), "nft", "add", "rule", "inet", "zf", "cut", "ip", "saddr", this.host(from), "drop"]);
  }

  /**
   * Nodes in different groups cannot reach each other; a node in two groups (the bridge of
   * a bridge partition) reaches both, and a node of no group keeps every link.
   */
  partition(groups: string[][]): void {
    for (const [gi, g] of groups.entries())
      for (const h of groups.slice(gi + 1)) for (const a of g) for (const b of h) if (!h.includes(a) && !g.includes(b)) this.cut(a, b);
  }

  /** Every cut mended. */
  heal(): void {
    for (const name of this.names) sh("ip", ["netns", "exec", this.ns(name), "nft", "flush", "chain", "inet", "zf", "cut"]);
    this.#cut.clear();
  }

  /** Whether this kernel has `tc netem` (a throwaway qdisc on the bridge side of node 0). */
  hasNetem(): boolean {
    const dev = `${this.id}v0`;
    const ok = spawnSync("tc", ["qdisc", "add", "dev", dev, "root", "netem", "delay", "1ms"]).status === 0;
    if (ok) spawnSync("tc", ["qdisc", "del", "dev", dev, "root"]);
    return ok;
  }

  /**
   * `tc netem SPEC` on node `name`'s way out (e.g. "loss 20% delay 100ms 50ms").
   *
   * @throws {Error} when the kernel has no netem (see {@link hasNetem})
   */
  netem(name: string, spec: string): void {
    sh("ip", ["netns", "exec", this.ns(name), "tc", "qdisc", "replace", "dev", "eth0", "root", "netem", ...spec.split(/\s+/)]);
    this.#netem.add(name);
  }

  /** Drops `pct`% of the packets node `name` receives (nftables, where netem is missing). */
  nftLoss(name: string, pct: number): void {
    const rule = ["numgen", "random", "mod", "100", "<", String(pct), "drop"];
    sh("ip", ["netns", "exec", this.ns(name), "nft", "add", "rule", "inet", "zf", "loss", ...rule]);
    this.#nftLoss.add(name);
  }

  /** Every netem qdisc and loss rule removed. */
  clearShaping(): void {
    for (const name of this.#netem) spawnSync("ip", ["netns", "exec", this.ns(name), "tc", "qdisc", "del", "dev", "eth0", "root"]);
    for (const name of this.#nftLoss) sh("ip", ["netns", "exec", this.ns(name), "nft", "flush", "chain", "inet", "zf", "loss"]);
    this.#netem.clear();
    this.#nftLoss.clear();
  }

  /** Removes the namespaces (their veths go with them) and the bridge; never throws. */
  destroy(): void {
    this.names.forEach((_, i) => spawnSync("ip", ["netns", "del", `${this.id}n${i}`]));
    spawnSync("ip", ["link", "del", this.bridge]);
  }
}
