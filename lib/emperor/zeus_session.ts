/**
 * The emperor's side of the Zeus protocol (sans I/O): turns zeus's messages into
 * supervisor calls and supervisor events into messages for zeus. It outlives connections:
 * {@link ZeusSession.attach} on each new one sends I_AM_ALIVE and the vassal report.
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";
import { getLogger } from "../log/mod.ts";
import { ConfigAssembler, reportMessages, type ZeusMessage } from "../zeus_protocol/mod.ts";
import { TermKeeper } from "./fence.ts";
import type { Supervisor, SupervisorEvent, VassalStatus } from "./supervisor.ts";
import { vassalNameProblem } from "../vassal/mod.ts";

const log = getLogger("emperor", "zeus");
const utf8 = new TextDecoder("utf-8", { fatal: true });
const NO_DIGEST = "0".repeat(64);

/**
 * The VASSAL_STATE that tells zeus how a vassal is doing.
 *
 * @example
 * ```ts
 * conn.write(encodePacket(encodeMessage(stateMessage(supervisor.list()[0]!))));
 * ```
 */
export function stateMessage(s: VassalStatus): ZeusMessage {
  const exit = s.lastExit;
  return {
    type: "VASSAL_STATE",
    name: s.name,
    // "failed" is a lone emperor's (under zeus, zeus decides when a copy has failed).
    state: s.state === "failed" ? "stopped" : s.state,
    pid: s.pid ?? 0,
    restarts: s.restarts,
    ...(exit?.signal ? { exitSignal: exit.signal } : exit && exit.code !== null ? { exitCode: exit.code } : {}),
    ...(exit?.line ? { stderr: exit.line } : {}),
    ...(s.streak !== undefined ? { streak: s.streak } : {}),
    ...(s.check ? { health: s.check.state, ...(s.check.last ? { check: s.check.last.detail } : {}) } : {}),
  };
}

/** What the session needs of the supervisor. */
export type VassalHost = Pick<Supervisor, "apply" | "reload" | "destroy" | "has" | "list">;

/** Who this emperor is to zeus. */
export interface SessionIdentity {
  node: string;
  maxVassals: number;
  /** `--label KEY=VALUE`s, sent with every I_AM_ALIVE. */
  labels?: Record<string, string>;
  /** Where the newest zeus term seen is kept (STATE_DIR/zeus_term); none: kept in memory only. */
  termFile?: string;
}

/**
 * One emperor's Zeus protocol state.
 *
 * @example
 * ```ts
 * const s = new ZeusSession(supervisor, { node: "n1", maxVassals: 100 });
 * s.attach((m) => conn.write(encodePacket(encodeMessage(m))));
 * s.handle(decodeMessage(packet, "zeus"));
 * ```
 */
export class ZeusSession {
  #send: ((m: ZeusMessage) => void) | undefined;
  #chunks = new ConfigAssembler();
  /** What each transfer in progress is for. */
  #transfer = new Map<string, "new" | "update">();
  /** Accepted but not yet running: they count against max_vassals. */
  #accepted = new Set<string>();
  /** sha256 of the config each vassal runs. */
  #digests = new Map<string, string>();
  /** pid last told to zeus, to report restarts after a crash. */
  #toldPid = new Map<string, number>();

  readonly #terms: TermKeeper;

  /** @throws {Error} when the kept zeus term cannot be read (see {@link TermKeeper}) */
  constructor(
    readonly host: VassalHost,
    readonly id: SessionIdentity,
  ) {
    this.#terms = new TermKeeper(id.termFile, (failure) =>
      failure
        ? log.error("cannot save the zeus term to {file}: {failure}; it fences in memory, and is saved at the next command that can", {
            file: id.termFile,
            failure,
          })
        : log.info("zeus term saved to {file} again", { file: id.termFile }),
    );
  }

  /** Whether a connection is attached. */
  get attached(): boolean {
    return this.#send !== undefined;
  }

  /** A connection to zeus is up: introduce ourselves and report what we run. */
  attach(send: (m: ZeusMessage) => void): void {
    this.#send = send;
    this.#chunks = new ConfigAssembler();
    this.#transfer.clear();
    this.#accepted.clear();
    send(this.#alive());
    const running = this.host.list().map((v) => ({
      name: v.name,
      pid: v.pid ?? 0,
      restarts: v.restarts,
      sha256: this.#digests.get(v.name) ?? NO_DIGEST,
    }));
    for (const r of running) this.#toldPid.set(r.name, r.pid);
    for (const m of reportMessages(running)) send(m);
    // The report says what runs; the states say how each is doing (zeus reads them after REPORT_END).
    for (const v of this.host.list()) send(stateMessage(v));
  }

  /** A vassal's state or health changed: tell zeus (wire the supervisor's `onState` here). */
  onState(s: VassalStatus): void {
    this.#send?.(stateMessage(s));
  }

  /** The connection is gone: vassals keep running; nothing is sent until the next attach. */
  detach(): void {
    this.#send = undefined;
  }

  /** Sends I_AM_ALIVE, and the new pid of any vassal the supervisor restarted since. */
  heartbeat(): void {
    if (!this.#send) return;
    this.#send(this.#alive());
    for (const v of this.host.list()) {
      if (v.state !== "running" || !v.pid || this.#toldPid.get(v.name) === v.pid) continue;
      this.#toldPid.set(v.name, v.pid);
      this.#send({ type: "VASSAL_SPAWNED", name: v.name, pid: v.pid, restarts: v.restarts });
    }
  }

  /**
   * Handles one message from zeus; `term` is the leadership term it carries. A command
   * from a term older than the newest seen is refused (log line, ERROR to that zeus).
   *
   * @throws {ProtocolError} on config chunks nobody announced: the caller closes the connection
   */
  handle(m: ZeusMessage, term?: number): void {
    if (m.type !== "ERROR") {
      const v = this.#terms.check(term, "name" in m ? `${m.type} ${m.name}` : m.type);
      if (!v.ok) {
        log.warn("refused a command of a deposed zeus: {reason}", { reason: v.reason });
        return this.#reply({ type: "ERROR", reason: v.reason });
      }
    }
    switch (m.type) {
      case "NEW_VASSAL":
        return this.#newVassal(m.name);
      case "VASSAL_UPDATE":
        this.#chunks.begin(m.name);
        this.#transfer.set(m.name, "update");
        return;
      case "CONFIG_CHUNK":
        if (!this.#chunks.chunk(m.name, m.body)) throw new ProtocolError(`CONFIG_CHUNK for ${m.name} without NEW_VASSAL or VASSAL_UPDATE`);
        return;
      case "CONFIG_END":
        return this.#configEnd(m.name, m.sha256);
      case "VASSAL_RELOAD":
        if (!this.host.has(m.name)) return this.#reply({ type: "VASSAL_REJECTED", name: m.name, reason: "not running here" });
        return this.host.reload(m.name);
      case "VASSAL_DESTROY":
        return this.#destroy(m.name);
      case "ERROR":
        log.warn("zeus reports an error: {reason}", { reason: m.reason });
        return;
      default:
        throw new ProtocolError(`${m.type} may not be sent by zeus`);
    }
  }

  /** Feeds a supervisor event (wire `onEvent` here). */
  onEvent(e: SupervisorEvent): void {
    switch (e.type) {
      case "spawned":
        this.#accepted.delete(e.name);
        this.#toldPid.set(e.name, e.pid);
        return this.#reply({ type: "VASSAL_SPAWNED", name: e.name, pid: e.pid, restarts: this.#restarts(e.name) });
      case "reloaded": {
        const pid = this.#pid(e.name);
        this.#toldPid.set(e.name, pid);
        return this.#reply({ type: "VASSAL_RELOADED", name: e.name, pid, restarts: this.#restarts(e.name) });
      }
      case "rejected":
        this.#accepted.delete(e.name);
        if (!this.host.has(e.name)) this.#digests.delete(e.name);
        return this.#reply({ type: "VASSAL_REJECTED", name: e.name, reason: e.reason });
      default:
        return;
    }
  }

  #alive(): ZeusMessage {
    return {
      type: "I_AM_ALIVE",
      node: this.id.node,
      maxVassals: this.id.maxVassals,
      runningVassals: this.host.list().length,
      ...(this.id.labels ? { labels: this.id.labels } : {}),
    };
  }

  #reply(m: ZeusMessage): void {
    this.#send?.(m);
  }

  #pid(name: string): number {
    return this.host.list().find((v) => v.name === name)?.pid ?? 0;
  }

  #restarts(name: string): number {
    return this.host.list().find((v) => v.name === name)?.restarts ?? 0;
  }

  #newVassal(name: string): void {
    const problem = vassalNameProblem(name);
    if (problem) return this.#reply({ type: "VASSAL_REJECTED", name: name.slice(0, 255), reason: problem });
    const load = this.host.list().length + [...this.#accepted].filter((n) => !this.host.has(n)).length;
    if (!this.host.has(name) && load >= this.id.maxVassals) {
      return this.#reply({ type: "VASSAL_REJECTED", name, reason: `full: ${load} of ${this.id.maxVassals} vassals` });
    }
    this.#accepted.add(name);
    this.#chunks.begin(name);
    this.#transfer.set(name, "new");
    this.#reply({ type: "ACCEPTED_VASSAL", name });
  }

  #configEnd(name: string, sha256: string): void {
    const r = this.#chunks.end(name, sha256);
    const kind = this.#transfer.get(name);
    this.#transfer.delete(name);
    if (!r || !kind) throw new ProtocolError(`CONFIG_END for ${name} without NEW_VASSAL or VASSAL_UPDATE`);
    const reject = (reason: string) => {
      this.#accepted.delete(name);
      log.warn("rejecting vassal {name}: {reason}", { name, reason });
      this.#reply({ type: "VASSAL_REJECTED", name, reason });
    };
    if (!r.ok) return reject(`config digest mismatch: received ${r.actual}, CONFIG_END says ${sha256}`);
    let text: string;
    try {
      text = utf8.decode(r.body);
    } catch {
      return reject("config is not valid UTF-8");
    }
    const known = this.host.has(name);
    const same = this.#digests.get(name) === r.actual;
    this.#digests.set(name, r.actual);
    if (known && same) {
      // Nothing changed in the config: an update is then a reload, a placement a confirmation.
      if (kind === "new") return this.#reply({ type: "VASSAL_SPAWNED", name, pid: this.#pid(name), restarts: this.#restarts(name) });
      return this.host.reload(name);
    }
    if (!known) this.#accepted.add(name);
    this.host.apply(name, text);
  }

  #destroy(name: string): void {
    this.#accepted.delete(name);
    this.#transfer.delete(name);
    this.#chunks.drop(name);
    this.#digests.delete(name);
    this.#toldPid.delete(name);
    const send = this.#send;
    this.host.destroy(name).then(
      () => {
        // Only on the connection that asked: a later one learns it from the report.
        if (this.#send === send) this.#reply({ type: "VASSAL_DESTROYED", name });
      },
      (e: Error) => log.error("cannot destroy vassal {name}: {error}", { name, error: e.message }),
    );
  }
}
