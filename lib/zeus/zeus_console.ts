/**
 * zeus's web console (`/ui/` on its stats address): the page, a stream of `/status`
 * (sent within ~100 ms of each coordinator change, and every second), each vassal's
 * config and history, log tails of any copy, and admin actions (the admin commands of
 * `zeus drain`, `undrain`, ... run for a browser that {@link ConsoleAuth} takes for an
 * admin, each logged as an admin client's are). Everyone else reads.
 *
 * @module
 */
import type { AdminHandler, AdminHub, StreamRouter } from "../admin/mod.ts";
import { VERSION } from "../cli/mod.ts";
import { nextTurn } from "../clock.ts";
import { AdminError } from "../errors.ts";
import { getLogger, quoteInput } from "../log/mod.ts";
import { hostPort } from "../net/mod.ts";
import type { ZeusAdminContext } from "./admin_context.ts";
import type { Coordinator } from "./coordinator.ts";
import type { StatusView } from "./status_view.ts";
import { vassalRowOf, vassalRows, type VassalStatusRow, type ZeusStatus } from "./zeus_status.ts";
import {
  ConsoleAuth,
  consoleLoginHandler,
  ConsoleLogs,
  sameSite,
  SECURITY_HEADERS,
  sessionCookie,
  sessionOf,
  SnapshotStream,
  staticFile,
  type Viewer,
} from "../console/mod.ts";
import { VassalHistory } from "./vassal_history.ts";

const log = getLogger("zeus", "console");

/** Histories are read off the status this often when an emperor reported something (and at most once a second when poked). */
const OBSERVE_EVERY_MS = 5000;
/** Vassal rows read per turn of the event loop while histories are read. */
const OBSERVE_SLICE = 2000;
/**
 * A round of histories that kept zeus busy T ms (its slices, not the turns between them) is
 * followed by the next no sooner than OBSERVE_SPACING · T after its end: at 200 000 vassals
 * rounds back to back took 30-45 % of zeus's loop while 5 000 emperors came back after kill -9
 * (each report a change), and the emperors' TLS handshakes waited behind them.
 */
const OBSERVE_SPACING = 10;

/**
 * A fleet of more vassals or emperors than this is summarised in the console, as `zeus status`
 * summarises a table of over 1 000 rows: every count, and the rows that need an operator.
 */
export const CONSOLE_ROWS = 1000;
/** The rows of each table a summarised console lists at most. */
export const CONSOLE_ATTENTION_ROWS = 200;

/**
 * What the console's stream lists of a fleet of `vassals` and `emperors`: everything, or
 * (beyond {@link CONSOLE_ROWS}) what needs an operator, at most {@link CONSOLE_ATTENTION_ROWS}
 * rows of each table; a vassal's page asks for its own row.
 *
 * @example
 * ```ts
 * consoleView(30, 3); // {}
 * consoleView(100_000, 1000); // { attention: true, limit: 200 }
 * ```
 */
export function consoleView(vassals: number, emperors: number): StatusView {
  return vassals > CONSOLE_ROWS || emperors > CONSOLE_ROWS ? { attention: true, limit: CONSOLE_ATTENTION_ROWS } : {};
}

/** Admin commands the console offers, when zeus has them. */
export const CONSOLE_ACTIONS = ["drain", "undrain", "restart", "stop", "start", "pause", "resume"] as const;

/** Options of {@link ZeusConsole}. */
export interface ZeusConsoleOptions {
  /** The `/status` document (without the process head), of what `view` lists. */
  status: (view: StatusView) => ZeusStatus;
  /** The coordinator of the current term. */
  core: () => Coordinator;
  /** Where log tails go: the relay of `zeus logs`. */
  relay: () => StreamRouter;
  /** zeus's admin hub: actions run its commands, with its context. */
  hub: () => AdminHub<ZeusAdminContext>;
  /** zeus requires client certificates: a browser is an admin only through `zeus console-login`. */
  clientCerts: boolean;
  admins: readonly string[];
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers: { "cache-control": "no-store", ...SECURITY_HEADERS, ...headers } });

/**
 * The console of one zeus.
 *
 * @example
 * ```ts
 * import type { ZeusAdminContext } from "./admin_context.ts";
 * declare const relay: StreamRouter, hub: AdminHub<ZeusAdminContext>;
 * const status = (view: StatusView) => zeusStatus(core, view);
 * const ui = new ZeusConsole({ status, core: () => core, relay: () => relay, hub: () => hub, clientCerts: true, admins: ["ops"] });
 * serveStats(host, port, { status: () => status({}), metrics: () => "", ui: ui.handle }); // ui.adminCommands go to the hub's commands
 * ```
 */
export class ZeusConsole {
  readonly auth: ConsoleAuth;
  readonly logs: ConsoleLogs;
  readonly history = new VassalHistory();
  #stream: SnapshotStream;
  #base: string | undefined;
  #port = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #observeSoon: ReturnType<typeof setTimeout> | undefined;
  #observed = 0;
  /** No round of histories before this (Date.now()): see OBSERVE_SPACING. */
  #notBefore = 0;
  /** The coordinator and its count of reports when histories were last read: nothing new, nothing to read. */
  #seen: { core?: Coordinator; reports: number } = { reports: -1 };
  /** A round of histories is being read, a slice per turn. */
  #observing = false;
  #closed = false;

  constructor(readonly opts: ZeusConsoleOptions) {
    this.auth = new ConsoleAuth({ clientCerts: opts.clientCerts, admins: opts.admins });
    this.logs = new ConsoleLogs(opts.relay);
    this.#stream = new SnapshotStream({ take: () => this.#snapshot(), everyMs: 1000 });
  }

  #snapshot(): unknown {
    const core = this.opts.core();
    return { at: Date.now(), version: VERSION, ...this.opts.status(consoleView(core.vassals.size, core.emperors.size)) };
  }

  /** `console-login`, to add to zeus's admin commands. */
  get adminCommands(): Record<string, AdminHandler<ZeusAdminContext>> {
    return { "console-login": consoleLoginHandler(this.auth, () => this.#base) };
  }

  /** The stats server is up at host:port: links point there, and histories start. */
  served(host: string, port: number): void {
    this.#base = `http://${hostPort(host, port)}`;
    this.#port = port;
    void this.#observe();
    // Reports that change nothing zeus keeps (a restart count) poke nobody: look now and then,
    // if any came (a quiet fleet of 100 000 vassals made 100 000 rows every 5 s for nothing).
    this.#timer = setInterval(() => {
      const core = this.opts.core();
      if (Date.now() < this.#notBefore) return;
      if (core !== this.#seen.core || core.reports !== this.#seen.reports) void this.#observe();
    }, OBSERVE_EVERY_MS);
  }

  /**
   * The coordinator changed something: tell browsers soon, and the histories within a
   * second (a status of a large fleet costs milliseconds: not at every change).
   */
  poke(): void {
    this.#stream.poke();
    if (!this.#timer || this.#observeSoon) return;
    const wait = Math.max(100, this.#observed + 1000 - Date.now(), this.#notBefore - Date.now());
    this.#observeSoon = setTimeout(() => {
      this.#observeSoon = undefined;
      void this.#observe();
    }, wait);
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#observeSoon);
    this.#stream.close();
    this.logs.close();
  }

  /** The stats server's `/ui/` route. */
  handle = (req: Request, remote: string): Response | Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname;
    const file = req.method === "GET" ? staticFile("zeus", path) : undefined;
    if (file) return file;
    const session = sessionOf(req, this.#port);
    const viewer = this.auth.viewer(remote, session);
    if (path === "/ui/events") return this.#stream.response(req.signal);
    if (path === "/ui/api/me") return json({ ...viewer, actions: this.#actions() });
    if (path === "/ui/api/vassal") return this.#vassal(url.searchParams.get("name") ?? "", viewer.admin && !sameSite(req));
    if (path === "/ui/login") return this.#login(req, url.searchParams.get("token") ?? "", remote);
    const refused = this.#refuse(req, viewer, remote, path);
    if (refused) return refused;
    const who = (viewer as { who: string }).who;
    if (path === "/ui/api/logs") {
      const vassal = url.searchParams.get("vassal") ?? "";
      const node = url.searchParams.get("node") || undefined;
      return this.logs.open(`${who} (console)`, vassal, node, req.signal);
    }
    if (path === "/ui/api/action" && req.method === "POST") return this.#act(req, who);
    if (path === "/ui/api/logout" && req.method === "POST") {
      this.auth.end(session);
      log.info("console {who}: logged out", { who });
      return json({ ok: true }, 200, { "set-cookie": sessionCookie(this.#port, "", 0) });
    }
    return json({ error: `no ${req.method} ${path} in the console` }, 404);
  };

  /** Why an admin request is refused (logged), or undefined when it may go on. */
  #refuse(req: Request, viewer: Viewer, remote: string, path: string): Response | undefined {
    const bad = sameSite(req);
    const why = bad ?? (viewer.admin ? undefined : viewer.why);
    if (!why) return undefined;
    log.warn("console {remote}: {method} {path} refused: {why}", { remote, method: req.method, path, why });
    return json({ ok: false, code: bad ? "cross-site" : "not-admin", reason: why }, 403);
  }

  #actions(): string[] {
    const commands = this.opts.hub().opts.commands;
    return CONSOLE_ACTIONS.filter((a) => a in commands);
  }

  async #act(req: Request, who: string): Promise<Response> {
    let body: { command?: unknown; vars?: unknown };
    try {
      body = (await req.json()) as typeof body;
    } catch (e) {
      return json({ ok: false, code: "bad-request", reason: `the body is not JSON: ${(e as Error).message}` }, 400);
    }
    const command = String(body.command ?? "");
    const vars: Record<string, string> = {};
    for (const [k, v] of Object.entries((body.vars as Record<string, unknown>) ?? {})) if (typeof v === "string") vars[k] = v;
    const { commands, ctx } = this.opts.hub().opts;
    const handler = (this.#actions() as string[]).includes(command) ? commands[command] : undefined;
    if (!handler) return json({ ok: false, code: "bad-request", reason: `${quoteInput(command)} is not an action of the console` }, 400);
    log.info("console {who}: {command} {vars}", { who, command, vars: JSON.stringify(vars) });
    try {
      const reply = await handler({ who: `${who} (console)`, vars, ctx });
      return json({ ok: true, ...reply });
    } catch (e) {
      const code = e instanceof AdminError ? e.code : "internal";
      log.warn("console {who}: {command} {vars} failed: {code}: {reason}", {
        who,
        command,
        vars: JSON.stringify(vars),
        code,
        reason: (e as Error).message,
      });
      return json({ ok: false, code, reason: (e as Error).message }, code === "internal" ? 500 : 409);
    }
  }

  #vassal(name: string, admin: boolean): Response {
    const core = this.opts.core();
    const v = core.vassals.get(name);
    if (!v) return json({ error: `zeus has no vassal ${quoteInput(name)}` }, 404);
    const config = admin
      ? {
          config: v.config ? new TextDecoder().decode(core.configs.bytes(v.config)) : "",
          ...(v.lastGood ? { last_good_config: new TextDecoder().decode(core.configs.bytes(v.lastGood)) } : {}),
        }
      : { config_hidden: "configs can hold secrets: only admins see them" };
    return json({ name, row: vassalRowOf(core, name), history: this.history.of(name), ...config });
  }

  #login(req: Request, token: string, remote: string): Response {
    const session = this.auth.redeem(token);
    if (!session) {
      log.warn("console {remote}: a login link that is unknown, used or expired", { remote });
      return new Response("this login link is unknown, used or expired: run `zeus console-login` again\n", {
        status: 403,
        headers: SECURITY_HEADERS,
      });
    }
    const v = this.auth.viewer(remote, session);
    log.info("console {remote}: logged in as admin {who}", { remote, who: (v as { who: string }).who });
    return new Response(null, {
      status: 303,
      headers: { location: "/ui/", "set-cookie": sessionCookie(this.#port, session), ...SECURITY_HEADERS },
    });
  }

  /** Reads the histories off every vassal's row, OBSERVE_SLICE rows per turn of the event loop (none while zeus settles). */
  async #observe(): Promise<void> {
    // Not while settling after a restart: the rows then change only as zeus learns again what
    // runs, and a round over every vassal between two turns of a TLS storm's handshakes made
    // the storm longer. The settle time's end pokes the histories.
    if (this.#observing || this.opts.core().settling) return;
    this.#observing = true;
    try {
      const at = (this.#observed = Date.now());
      const core = this.opts.core();
      this.#seen = { core, reports: core.reports };
      const rows = vassalRows(core);
      let busy = 0;
      for (;;) {
        if (this.#closed) return; // an unfinished round forgets nobody
        const start = performance.now();
        const batch: VassalStatusRow[] = [];
        for (let r = rows.next(); !r.done; r = rows.next()) if (batch.push(r.value) >= OBSERVE_SLICE) break;
        this.history.take(batch, at);
        const last = batch.length < OBSERVE_SLICE;
        // The vassals gone, history and all: those the coordinator the round read no longer has.
        if (last) this.history.forget((name) => core.vassals.has(name));
        busy += performance.now() - start;
        if (last) {
          this.#notBefore = Date.now() + OBSERVE_SPACING * busy;
          return;
        }
        await nextTurn();
      }
    } finally {
      this.#observing = false;
    }
  }
}
