/**
 * `emperor --emperor zeus:HOST:PORT` (or `zeus-ssl:...`, repeated for several zeus): run the
 * vassals a zeus hands out.
 *
 * @module
 */
import { dropStartupPagesSoon } from "../proc/mod.ts";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { parseNumber } from "../cli/mod.ts";
import { EXIT, UsageError } from "../errors.ts";
import { getLogger } from "../log/mod.ts";
import { serveStats, type StatsServer } from "../stats/mod.ts";
import { type EmperorSpec, type HostPort, loadClientFiles } from "../tls/mod.ts";
import { parseLabel } from "../vassal/mod.ts";
import { emperorStats } from "./emperor_status.ts";
import { defaultStateDir, ExecEndpoint } from "../exec/mod.ts";
import { Supervisor, type SupervisorEvent } from "./supervisor.ts";
import { type ZeusAddress, ZeusLink } from "./zeus_link.ts";
import { serveLocalAdmin } from "./local_admin.ts";
import { LocalControl } from "./local_control.ts";
import { departedFlags } from "./departed_logs.ts";

const log = getLogger("emperor", "zeus");

/**
 * Under zeus, a plain vassal is running once it has stayed up this long (supervisord's
 * startsecs), unless its `start_grace` says otherwise.
 */
export const PLAIN_START_MS = 500;

/** The emperor flags zeus mode reads. */
export interface ZeusModeFlags {
  "state-dir"?: string;
  "vassal-binary"?: string;
  "zeus-ca"?: string;
  node?: string;
  "max-vassals"?: string;
  heartbeat?: string;
  "no-exec"?: boolean;
  label?: string[];
  "log-keep-departed"?: string;
  "log-keep-departed-size"?: string;
}

/** What the emperor CLI lends zeus mode, so both modes log and stop alike. */
export interface ZeusModeHooks {
  logEvent(e: SupervisorEvent, where: string): void;
  untilStopSignal(onHup: () => void, hupWhat?: string): Promise<string>;
}

/**
 * Runs the emperor in zeus mode until SIGTERM/SIGINT; returns the exit code.
 *
 * @throws {UsageError} on a bad --max-vassals, --heartbeat or --node, or --zeus-ca without zeus-ssl
 * @example
 * ```ts
 * declare const spec: Extract<EmperorSpec, { kind: "zeus" }>, values: ZeusModeFlags, stats: HostPort | undefined, hooks: ZeusModeHooks;
 * process.exitCode = await runZeusMode([spec], values, stats, hooks);
 * ```
 */
export async function runZeusMode(
  specs: Extract<EmperorSpec, { kind: "zeus" }>[],
  flags: ZeusModeFlags,
  stats: HostPort | undefined,
  hooks: ZeusModeHooks,
): Promise<number> {
  const node = flags.node ?? hostname();
  if (!/^[A-Za-z0-9._-]{1,255}$/.test(node)) throw new UsageError(`--node "${node}" may hold only letters, digits, ".", "_" and "-"`);
  const departed = departedFlags(flags["log-keep-departed"], flags["log-keep-departed-size"]);
  const maxVassals = parseNumber("--max-vassals", flags["max-vassals"] ?? "100", { integer: true, min: 1 });
  const heartbeat = parseNumber("--heartbeat", flags.heartbeat ?? "1", { min: 0.05 });
  if (flags["zeus-ca"] && !specs.some((s) => s.tls)) throw new UsageError('--zeus-ca is for TLS: use "zeus-ssl:HOST:PORT"');
  const zeus: ZeusAddress[] = [];
  for (const s of specs) {
    const tls = s.tls ? await loadClientFiles({ ...s.tls, ...(flags["zeus-ca"] ? { ca: flags["zeus-ca"] } : {}) }) : undefined;
    zeus.push({ host: s.host, port: s.port, ...(tls ? { tls } : {}) });
  }
  const [first, ...others] = zeus as [ZeusAddress, ...ZeusAddress[]];
  const stateDir = resolve(flags["state-dir"] ?? defaultStateDir());
  const labels: Record<string, string> = {};
  for (const text of flags.label ?? []) {
    const kv = parseLabel(text);
    if (!kv) throw new UsageError(`--label "${text}" is not KEY=VALUE (letters, digits, ".", "_", "/", "-")`);
    labels[kv[0]] = kv[1];
  }

  let link: ZeusLink | undefined;
  const sup = new Supervisor({
    stateDir,
    ...(flags["vassal-binary"] ? { vassalBinary: flags["vassal-binary"] } : {}),
    onEvent: (e) => {
      hooks.logEvent(e, "");
      link?.onEvent(e);
    },
    onState: (s) => link?.session.onState(s),
    // zeus shows what emperors report: a command that dies at once must never read "running" there.
    startMs: PLAIN_START_MS,
    departed,
  });
  await sup.start();
  const exec = new ExecEndpoint(sup, { node, noExec: flags["no-exec"] ?? false });
  const local = serveLocalAdmin(stateDir, exec, node, new LocalControl(sup, stateDir).commands());
  link = new ZeusLink(sup, {
    ...first,
    ...(others.length ? { others } : {}),
    node,
    maxVassals,
    labels,
    termFile: join(stateDir, "zeus_term"),
    heartbeatMs: heartbeat * 1000,
    exec,
  });
  const zeusLink = link;
  let server: StatsServer | undefined;
  if (stats) {
    server = serveStats(
      stats.host,
      stats.port,
      emperorStats(
        sup,
        {
          mode: "zeus",
          node,
          max_vassals: maxVassals,
          labels,
          get zeus() {
            return zeusLink.status();
          },
        },
        () => {
          const z = zeusLink.status();
          return z.state === "connected"
            ? { ok: true, text: `ok: connected to zeus ${z.zeus}` }
            : { ok: false, text: `not connected to zeus ${z.zeus} (${z.state})${z.last_error ? `: ${z.last_error}` : ""}` };
        },
      ),
    );
  }
  link.start();
  log.info("emperor {node} serving zeus at {zeus} (max {max} vassals), state in {stateDir}", {
    node,
    zeus: specs.map((s) => `${s.host}:${s.port}`).join(", "),
    max: maxVassals,
    stateDir,
  });
  dropStartupPagesSoon(log);
  const signal = await hooks.untilStopSignal(() => {}, "nothing to rescan under zeus (send SIGHUP to zeus to rescan its directory)");
  log.info("{signal}: stopping every vassal", { signal });
  link.stop();
  local.close();
  server?.stop();
  await sup.stopAll();
  return EXIT.ok;
}
