/**
 * `zeus`: the coordinator's command line.
 *
 * @module
 */
import { DRAIN, runDrainCommand } from "./drain_command.ts";
import { defineCommand, defineSharedCommands, parseCommand, parseNumber, runSharedCommand } from "../cli/mod.ts";
import { defineCertsCommands, runCerts } from "../certs/mod.ts";
import { EXIT, UsageError } from "../errors.ts";
import { getLogger } from "../log/mod.ts";
import { dropPagesAgain, dropStartupPagesSoon, trimWhenIdle } from "../proc/mod.ts";
import { type HostPort, loadServerFiles, parseHostPort, parseZeusSpec } from "../tls/mod.ts";
import { runStatusCommand } from "./status_command.ts";
import { type AdminCommandSpec, defineAdminCommand, runAdminCommand } from "../admin/mod.ts";
import { defineExecCommands, runExecCommand } from "../exec/mod.ts";
import { startZeus } from "./zeus_server.ts";
import { checkZeus } from "./zeus_check.ts";
import { isEtcdUrl } from "../etcd/mod.ts";
import { etcdState, vassalSource } from "./etcd_flags.ts";
import { fileStore } from "./state_store.ts";
import { VASSAL_PUT, VASSAL_RM } from "./vassal_commands.ts";
import { CONSOLE_LOGIN } from "../console/mod.ts";

const HELP = `zeus: hands the vassal configs of a directory out to the emperors connected to it.

Usage:
  zeus --zeus "ADDR:PORT[,CRT,KEY[,CLIENTS_PEM]] VASSALS_DIR"
  zeus --listen ADDR:PORT --vassals DIR [--cert CRT --key KEY [--client-ca PEM]]
       [--state FILE | --state etcd://HOST:PORT[,HOST:PORT...]/PREFIX [--etcd-ca CA --etcd-cert CRT --etcd-key KEY]]
       [--restore | --fresh] [--dead-after SECONDS] [--place-timeout SECONDS] [--reschedule-after N] [--stats ADDR:PORT]
       [--admin NAME ...]
  zeus --check --vassals DIR [--listen ADDR:PORT --cert CRT --key KEY [--client-ca PEM]] [--state FILE]
  zeus --check --zeus SPEC [--state FILE]
  zeus status [--stats ADDR:PORT] [--json]
  zeus ping [--zeus HOST:PORT] [--ca CA --cert CRT --key KEY]
  zeus drain NODE [--deadline DURATION] [--force] [--wait] [--zeus HOST:PORT] [--ca CA --cert CRT --key KEY]
  zeus undrain NODE | zeus forget NODE [--zeus HOST:PORT] [--ca CA --cert CRT --key KEY]
  zeus vassal put NAME FILE | zeus vassal rm NAME   [--zeus HOST:PORT] [--ca CA --cert CRT --key KEY]
  zeus exec [-t] [-i] [--zeus HOST:PORT ...] VASSAL[@NODE] -- COMMAND [ARGS...]
  zeus logs [-f] [-n LINES] [--zeus HOST:PORT ...] VASSAL[@NODE]
  zeus console-login [--zeus HOST:PORT] [--ca CA --cert CRT --key KEY]
  zeus certs init DIR | zeus certs issue DIR NAME [--host IP_OR_DNS ...]
  zeus completion bash|zsh | zeus man

Options:
  --zeus SPEC          the seed's form: address, optional TLS files, vassals directory
  --listen ADDR:PORT   where emperors connect
  --vassals DIR        the vassal configs (*.ini with [uwsgi], *.toml with [vassal]); or
                       etcd://HOST:PORT/PREFIX/: each key under PREFIX/ a vassal name, its value
                       the config (same value written again = touch: reload)
  --cert/--key FILE    serve TLS; --client-ca PEM also requires emperor certificates it signed,
                       naming the emperor's --node
  --state FILE         save emperors and assignments there on every change (atomic)
  --state etcd://...   several zeus: every zeus given the same etcd URL and PREFIX is one
                       coordinator; they elect a leader through an etcd lease (TTL --dead-after,
                       rounded up to whole seconds), only the leader acts, the others send
                       emperors to it and take over within the TTL plus a second when it dies
  --etcd-ca/--etcd-cert/--etcd-key FILE  reach etcd over TLS (https)
  --fresh              start without the state saved in --state FILE: forget drains, rollouts,
                       last good configs, failed marks and assignments (logged as a warning
                       that counts them). Without it zeus always restores --state: keeps what
                       reconnecting emperors run, resumes drains and rollouts (--restore is
                       accepted and implied; with etcd each new leader restores)
  --dead-after S       an emperor silent this long is dead and its vassals move (default 5)
  --reschedule-after N a copy whose vassal died young N times in a row, or was restarted N
                       times for a failing health check, moves to another emperor (default 3);
                       after 3 such moves, or when no other emperor may take it, it is failed
                       until its file changes
  --place-timeout S    a placement its emperor has not answered (accepted, then spawned) this
                       long counts as a rejection: the vassal goes elsewhere (default 60)
  --stats ADDR:PORT    serve GET /status (JSON), /metrics (Prometheus), /healthz and the web
                       console at /ui/ (admins act there: a loopback browser in plain mode,
                       else one that opened a \`zeus console-login\` link)
  --check              check every vassal file of the directory, the TLS files (readable, the
                       key of the certificate, valid) and the --state file's folder, print
                       each error as FILE:LINE: reason, and exit 0 or 2 without starting
  --admin NAME         with --client-ca: a client certificate naming NAME is an admin client
                       (zeus exec, logs, drain, ...); repeatable. Without client certificates
                       only loopback addresses are admin clients.
  A vassal asks for K copies on K emperors with "nodes = K" ([vassal]) or "zeus-nodes = K" ([uwsgi]).
  \`zeus status\` reads --stats (default 127.0.0.1:4041). SIGHUP rescans the directory.

Examples:
  zeus --zeus "0.0.0.0:4040,zeus.crt,zeus.key,ca.crt /etc/uwsgi/vassals"
  zeus --listen 0.0.0.0:4040 --vassals /etc/vassals --state /var/lib/zeus/state.json --stats 127.0.0.1:4041
  zeus certs init ./pki && zeus certs issue ./pki zeus --host 10.0.0.1`;

const FLAGS = {
  check: { type: "boolean" },
  zeus: { type: "string" },
  listen: { type: "string" },
  vassals: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  "client-ca": { type: "string" },
  state: { type: "string" },
  restore: { type: "boolean" },
  fresh: { type: "boolean" },
  "dead-after": { type: "string", default: "5" },
  "place-timeout": { type: "string", default: "60" },
  "reschedule-after": { type: "string", default: "3" },
  stats: { type: "string" },
  "etcd-ca": { type: "string" },
  "etcd-cert": { type: "string" },
  "etcd-key": { type: "string" },
  admin: { type: "string", multiple: true },
} as const;

const ZEUS = defineCommand({ program: "zeus", summary: "hands vassal configs out to emperors", help: HELP, flags: FLAGS });
defineCertsCommands("zeus");
defineSharedCommands("zeus");

const PING: AdminCommandSpec = {
  bin: "zeus",
  help: `zeus ping: checks that this client reaches zeus as an admin client.

Usage:
  zeus ping [--zeus HOST:PORT] [--ca CA --cert CRT --key KEY]`,
  command: "ping",
  positionals: [],
  vars: () => ({}),
  print: (r) => `admin client ${r.who} of zeus ${r.version}`,
};

/** `zeus undrain|forget NODE`: admin commands about one emperor (drain: drain_command.ts). */
const NODE_COMMANDS: Record<string, AdminCommandSpec> = Object.fromEntries(
  (
    [
      ["undrain", "makes emperor NODE eligible for placements again"],
      ["forget", "drops emperor NODE, which must be dead, from zeus's list"],
    ] as const
  ).map(([command, what]) => [
    command,
    {
      bin: "zeus",
      help: `zeus ${command}: ${what}.\n\nUsage:\n  zeus ${command} NODE [--zeus HOST:PORT] [--ca CA --cert CRT --key KEY]`,
      command,
      positionals: ["NODE"],
      vars: ([node]: string[]) => ({ node: node! }),
      print: (r: Record<string, string>) => r.said ?? "",
    },
  ]),
);

/** `zeus restart|stop|start VASSAL[@NODE]`: admin commands about one vassal. */
const VASSAL_CONTROLS: Record<string, AdminCommandSpec> = Object.fromEntries(
  (
    [
      ["restart", "reloads the copies of VASSAL (the one on NODE with @NODE) by its reload rule"],
      ["stop", "destroys every copy of VASSAL; it stays stopped, through restarts, until zeus start"],
      ["start", "runs a stopped VASSAL again"],
    ] as const
  ).map(([command, what]) => [
    command,
    {
      bin: "zeus",
      help: `zeus ${command}: ${what}.\n\nUsage:\n  zeus ${command} VASSAL[@NODE] [--zeus HOST:PORT] [--ca CA --cert CRT --key KEY]`,
      command,
      positionals: ["VASSAL[@NODE]"],
      vars: ([target]: string[]): Record<string, string> => {
        const at = target!.lastIndexOf("@");
        return at < 0 ? { vassal: target! } : { vassal: target!.slice(0, at), node: target!.slice(at + 1) };
      },
      print: (r: Record<string, string>) => r.said ?? "",
    },
  ]),
);

defineAdminCommand("ping", PING);
for (const [sub, spec] of Object.entries(VASSAL_CONTROLS)) defineAdminCommand(sub, spec);
defineAdminCommand("drain", DRAIN);
for (const [sub, spec] of Object.entries(NODE_COMMANDS)) defineAdminCommand(sub, spec);
defineAdminCommand("vassal put", VASSAL_PUT);
defineAdminCommand("vassal rm", VASSAL_RM);
defineAdminCommand("console-login", CONSOLE_LOGIN);
defineExecCommands("zeus");

function address(flag: string, value: string): HostPort {
  try {
    return parseHostPort(value);
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`, { cause: e });
  }
}

/** Runs `zeus` with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const shared = runSharedCommand("zeus", args);
  if (shared !== undefined) return shared;
  if (args[0] === "certs") return await runCerts(args.slice(1));
  if (args[0] === "status") return await runStatusCommand(args.slice(1));
  if (args[0] === "ping") return await runAdminCommand(args.slice(1), PING);
  if (args[0] === "drain") return await runDrainCommand(args.slice(1));
  const nodeCommand = NODE_COMMANDS[args[0] ?? ""];
  if (nodeCommand) return await runAdminCommand(args.slice(1), nodeCommand);
  const control = VASSAL_CONTROLS[args[0] ?? ""];
  if (control) return await runAdminCommand(args.slice(1), control);
  if (args[0] === "console-login") return await runAdminCommand(args.slice(1), CONSOLE_LOGIN);
  if (args[0] === "vassal" && args[1] === "put") return await runAdminCommand(args.slice(2), VASSAL_PUT);
  if (args[0] === "vassal" && args[1] === "rm") return await runAdminCommand(args.slice(2), VASSAL_RM);
  if (args[0] === "vassal")
    throw new UsageError(`zeus vassal: expected "put NAME FILE" or "rm NAME", got ${JSON.stringify(args[1] ?? "")}`);
  if (args[0] === "exec" || args[0] === "logs") return await runExecCommand("zeus", args[0], args.slice(1));
  const parsed = parseCommand(ZEUS, args);
  if (typeof parsed === "number") return parsed;
  const v = parsed.values;

  let where: HostPort;
  let vassalsDir: string;
  let tlsPaths: { cert: string; key: string; clientCa?: string } | undefined;
  if (v.zeus !== undefined) {
    if (v.listen || v.vassals || v.cert || v.key || v["client-ca"])
      throw new UsageError("--zeus already names the address, TLS files and directory: drop --listen/--vassals/--cert/--key/--client-ca");
    try {
      const spec = parseZeusSpec(v.zeus);
      where = spec;
      vassalsDir = spec.vassalsDir;
      tlsPaths = spec.tls;
    } catch (e) {
      throw new UsageError(`--zeus: ${(e as Error).message}`, { cause: e });
    }
  } else {
    if (!v.vassals || (!v.listen && !v.check))
      throw new UsageError("give --zeus SPEC, or --listen ADDR:PORT and --vassals DIR (see --help)");
    where = v.listen ? address("--listen", v.listen) : { host: "", port: 0 };
    vassalsDir = v.vassals;
    if (!v.cert !== !v.key) throw new UsageError("--cert and --key go together");
    if (v["client-ca"] && !v.cert) throw new UsageError("--client-ca needs --cert and --key (client auth is a TLS feature)");
    if (v.cert) tlsPaths = { cert: v.cert, key: v.key!, ...(v["client-ca"] ? { clientCa: v["client-ca"] } : {}) };
  }
  if (v.check) {
    const check = { vassalsDir, host: where.host, spec: v.zeus !== undefined, ...(tlsPaths ? { tls: tlsPaths } : {}) };
    return await checkZeus({ ...check, ...(v.state ? { state: v.state } : {}) }, new Date());
  }
  if (v.restore && !v.state) throw new UsageError("--restore needs --state FILE to restore from");
  if (v.fresh && !v.state) throw new UsageError("--fresh needs --state FILE (without a state zeus always starts empty)");
  if (v.fresh && v.restore) throw new UsageError("--fresh and --restore contradict each other: give one");
  if (v.fresh && isEtcdUrl(v.state ?? ""))
    throw new UsageError("--fresh does not apply to --state etcd://...: every leader restores it (delete the prefix to start empty)");
  const deadAfter = parseNumber("--dead-after", v["dead-after"]!, { min: 0.1 });
  const etcdFlags = v["etcd-ca"] || v["etcd-cert"] || v["etcd-key"];
  if (etcdFlags && !isEtcdUrl(v.state ?? "") && !isEtcdUrl(vassalsDir))
    throw new UsageError("--etcd-ca/--etcd-cert/--etcd-key go with --state etcd://... or --vassals etcd://...");
  const vassals = await vassalSource(vassalsDir, v);
  const etcd =
    v.state && isEtcdUrl(v.state)
      ? await etcdState(v.state, v, {
          ttlS: Math.ceil(deadAfter),
          listen: where,
          ...(v.stats ? { stats: v.stats } : {}),
          vassalsUrl: vassalsDir,
        })
      : undefined;
  const placeTimeout = parseNumber("--place-timeout", v["place-timeout"]!, { min: 0.1 });
  const rescheduleAfter = parseNumber("--reschedule-after", v["reschedule-after"]!, { integer: true, min: 1 });
  const tls = tlsPaths
    ? await loadServerFiles({ cert: tlsPaths.cert, key: tlsPaths.key, ...(tlsPaths.clientCa ? { ca: tlsPaths.clientCa } : {}) })
    : undefined;

  const zeus = await startZeus({
    ...where,
    vassals,
    ...(tls ? { tls } : {}),
    ...(etcd ? { store: etcd.store, ha: etcd.ha } : v.state ? { store: fileStore(v.state) } : {}),
    restore: true,
    fresh: v.fresh ?? false,
    deadAfterMs: deadAfter * 1000,
    placeTimeoutMs: placeTimeout * 1000,
    rescheduleAfter,
    ...(v.stats ? { stats: address("--stats", v.stats) } : {}),
    admins: v.admin ?? [],
  });
  const log = getLogger("zeus", "cli");
  dropStartupPagesSoon(log);
  // After a burst (placing 100 000 copies, a whole /status), a full collection and the pages
  // dropped once quiet (10-20 s): 30 s after placing 100 000 copies RSS was 291 MiB, 384 before.
  // Without the ring's Bun.shrink() a minute later: in zeus it gave nothing measurable (RSS
  // 279-282 MiB before and after it at 100 000 copies) and only made the heartbeats' code compile again.
  // The executable's pages are dropped again at a quiet check once 4 MiB of them came back, as
  // in the ring: 30 s after placing 100 000 copies, 32.0 MiB of them were resident, 23.6 with it.
  const stopTrimming = trimWhenIdle(log, () => zeus.work, { shrink: () => {}, dropAgain: dropPagesAgain(log) });
  return await new Promise<number>((resolve) => {
    const stop = (sig: string) => {
      stopTrimming();
      log.info("{sig}: stopping (emperors keep their vassals)", { sig });
      void zeus.stop().then(() => resolve(EXIT.ok));
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGHUP", () => {
      log.info("SIGHUP: rescanning {dir}", { dir: vassalsDir });
      zeus.rescan();
    });
  });
}
