/**
 * `emperor restart|stop|start NAME` on the emperor's local admin socket: restart reloads
 * a vassal by its rule; in directory mode, stop destroys it and keeps it stopped
 * (STATE_DIR/stopped.json, so through emperor restarts and file changes) until start runs
 * its file again. Under zeus, stop and start belong to zeus (`zeus stop NAME`).
 *
 * @module
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AdminHandler } from "../admin/mod.ts";
import { AdminError, errCode } from "../errors.ts";
import { getLogger } from "../log/mod.ts";
import type { Supervisor } from "./supervisor.ts";

const log = getLogger("emperor", "admin");

/** The file of the vassals kept stopped, in the state dir. */
export const STOPPED_FILE = "stopped.json";

/**
 * Restart, stop and start of one vassal of this emperor.
 *
 * @example
 * ```ts
 * import type { Supervisor } from "./supervisor.ts";
 * declare const sup: Supervisor;
 * const control = new LocalControl(sup, "/var/lib/emperor", "/etc/zog/vassals");
 * control.isStopped("web.toml"); // false
 * ```
 */
export class LocalControl {
  readonly #stopped: Set<string>;

  /**
   * @param dir the vassals directory (directory mode); undefined under zeus
   * @throws {Error} when STATE_DIR/stopped.json exists but cannot be read as a list of names
   */
  constructor(
    private readonly sup: Supervisor,
    private readonly stateDir: string,
    private readonly dir?: string,
  ) {
    this.#stopped = new Set(dir === undefined ? [] : loadStopped(join(stateDir, STOPPED_FILE)));
  }

  /** Whether `name` is kept stopped (the directory monitor does not run it). */
  isStopped = (name: string): boolean => this.#stopped.has(name);

  /** The vassals kept stopped, by name. */
  stopped(): string[] {
    return [...this.#stopped].sort();
  }

  /**
   * Reloads `name` by its reload rule.
   *
   * @throws {AdminError} `no-such-vassal`
   */
  restart(name: string): string {
    if (!this.sup.has(name)) throw new AdminError("no-such-vassal", this.#unknown(name));
    this.sup.reload(name);
    return `restarting ${name}`;
  }

  /**
   * Destroys `name` and keeps it stopped until {@link start}.
   *
   * @throws {AdminError} `failed` under zeus, `no-such-vassal`
   */
  async stop(name: string): Promise<string> {
    const dir = this.#dirMode("stop", name);
    if (this.#stopped.has(name)) return `${name} is already stopped`;
    if (!this.sup.has(name) && this.#file(dir, name) === undefined) throw new AdminError("no-such-vassal", this.#unknown(name));
    this.#stopped.add(name);
    this.#save();
    await this.sup.destroy(name);
    return `stopped ${name}; it stays stopped until emperor start ${name}`;
  }

  /**
   * Runs a stopped `name` again from its file.
   *
   * @throws {AdminError} `failed` under zeus, `no-such-vassal` when its file is gone
   */
  start(name: string): string {
    const dir = this.#dirMode("start", name);
    if (!this.#stopped.has(name)) return `${name} is not stopped`;
    const text = this.#file(dir, name);
    this.#stopped.delete(name);
    this.#save();
    if (text === undefined) throw new AdminError("no-such-vassal", `${name} is no longer in ${dir}: nothing to start`);
    this.sup.apply(name, text);
    return `starting ${name}`;
  }

  /** The admin commands of the local socket (logged with who, what and the outcome). */
  commands(): Record<string, AdminHandler<unknown>> {
    const wrap =
      (what: string, act: (name: string) => string | Promise<string>): AdminHandler<unknown> =>
      async ({ vars, who }) => {
        const name = vars.vassal;
        if (!name) throw new AdminError("bad-request", `${what} needs a vassal name`);
        try {
          const said = await act(name);
          log.info("admin {who}: {what} {name}: {said}", { who, what, name, said });
          return { vassal: name, said };
        } catch (e) {
          log.warn("admin {who}: {what} {name} refused: {reason}", { who, what, name, reason: (e as Error).message });
          throw e;
        }
      };
    return {
      restart: wrap("restart", (n) => this.restart(n)),
      stop: wrap("stop", (n) => this.stop(n)),
      start: wrap("start", (n) => this.start(n)),
    };
  }

  #dirMode(what: string, name: string): string {
    if (this.dir === undefined)
      throw new AdminError(
        "failed",
        `this emperor runs the vassals zeus gives it: zeus ${what} ${name} (zeus keeps it ${what === "stop" ? "stopped" : "running"})`,
      );
    return this.dir;
  }

  #file(dir: string, name: string): string | undefined {
    try {
      return readFileSync(join(dir, name), "utf8");
    } catch (e) {
      if (errCode(e) === "ENOENT") return undefined;
      throw new AdminError("failed", `cannot read ${join(dir, name)}: ${(e as Error).message}`, { cause: e });
    }
  }

  #unknown(name: string): string {
    return `this emperor runs no vassal "${name}" (emperor status lists them)`;
  }

  #save(): void {
    const path = join(this.stateDir, STOPPED_FILE);
    try {
      writeFileSync(`${path}.tmp`, `${JSON.stringify(this.stopped())}\n`);
      renameSync(`${path}.tmp`, path);
    } catch (e) {
      throw new AdminError("failed", `cannot record the stopped vassals in ${path}: ${(e as Error).message}`, { cause: e });
    }
  }
}

/**
 * The names in a stopped.json (none when it does not exist).
 *
 * @throws {Error} when it cannot be read or is not a list of names
 */
function loadStopped(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (errCode(e) === "ENOENT") return [];
    throw new Error(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  let names: unknown;
  try {
    names = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path} is not JSON: ${(e as Error).message}: fix or remove it`, { cause: e });
  }
  if (!Array.isArray(names) || !names.every((n) => typeof n === "string"))
    throw new Error(`${path} is not a list of vassal names: fix or remove it (emperor start NAME rewrites it)`);
  return names;
}
