/**
 * `emperor`: the vassal supervisor's command line.
 *
 * @module
 */
import { statSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, resolve } from "node:path";
import { defineCommand, defineSharedCommands, parseCommand, parseNumber, runSharedCommand } from "../cli/mod.ts";
import { parseEmperorSpec, parseHostPort } from "../tls/mod.ts";
import { EXIT, UsageError } from "../errors.ts";
import { getLogger } from "../log/mod.ts";
import { dropStartupPagesSoon, SETPRIV } from "../proc/mod.ts";
import { serveStats } from "../stats/mod.ts";
import { DirMonitor } from "./dir_monitor.ts";
import { checkEmperor } from "./emperor_check.ts";
import { emperorStats } from "./emperor_status.ts";
import { defaultStateDir, defineExecCommands, ExecEndpoint, runExecCommand } from "../exec/mod.ts";
import { runStatusCommand } from "./status_command.ts";
import { Supervisor, type SupervisorEvent } from "./supervisor.ts";
import { reopenVassalLogs } from "./vassal_log.ts";
import { runZeusMode } from "./zeus_mode.ts";
import { serveLocalAdmin } from "./local_admin.ts";
import { LocalControl } from "./local_control.ts";
import { EMPEROR_CONTROLS, runLocalCommand } from "./control_cli.ts";
import { departedFlags } from "./departed_logs.ts";

const HELP = `emperor: runs vassals (uWSGI apps or any command) and keeps them alive.

Usage:
  emperor --emperor zeus:HOST:PORT | zeus-ssl:HOST:PORT[,CRT,KEY] [--emperor ...] [--zeus-ca CA]
          [--node NAME] [--max-vassals N] [--state-dir DIR] [--heartbeat SECONDS]
          [--label KEY=VALUE ...] [--vassal-binary PATH] [--stats ADDR:PORT]
  emperor --emperor DIR|"DIR/GLOB" [--state-dir DIR] [--vassal-binary PATH] [--stats ADDR:PORT]
          [--fail-after N]
  emperor --check --emperor DIR|zeus:... [--zeus-ca CA] [--node NAME] [--state-dir DIR]
  emperor status [--stats ADDR:PORT] [--json]
  emperor exec [-t] [-i] [--state-dir DIR] NAME -- COMMAND [ARGS...]
  emperor logs [-f] [-n LINES] [--state-dir DIR] NAME
  emperor restart|stop|start [--state-dir DIR] NAME
  emperor completion bash|zsh | emperor man

Every *.ini (uWSGI, run as "uwsgi --ini FILE") and *.toml ([vassal] command) file in DIR
is a vassal: a new file starts it, an edit updates it, a touch reloads it, removing the
file stops it. SIGTERM/SIGINT stop every vassal and exit 0; SIGHUP reopens the vassal logs
(STATE_DIR/logs/NAME.log, after logrotate moved them) and rescans DIR (under zeus there is
nothing to rescan: zeus rescans its own directory at its SIGHUP). A [vassal] with
log_max_size = "10M" (and log_keep = 5) rotates its log by size: NAME.log.1 ... .5;
in a uWSGI vassal's [uwsgi], emperor-log-max-size = 10M and emperor-log-keep = 5.

Options:
  --state-dir DIR       vassal configs, logs (logs/NAME.log) and pids; default
                        /var/lib/emperor as root, else ./emperor-state
  --vassal-binary PATH  the uWSGI binary (default "uwsgi")
  --stats ADDR:PORT     serve GET /status (JSON), /metrics and /healthz
  --check               check every vassal file of DIR (or the zeus-ssl TLS files: readable,
                        the key of the certificate, valid, naming --node) and the state
                        dir, print each error as FILE:LINE: reason, and exit 0 or 2
                        without starting
  --no-exec             refuse exec (zeus exec, emperor exec) in this emperor's vassals;
                        logs still work. Every exec is logged (who, vassal, command, exit, time).
  --log-keep-departed DURATION
                        keep the log of a vassal that left (failed, stopped, moved away)
                        this long for zeus logs / emperor logs, then remove it (default 24h)
  --log-keep-departed-size SIZE
                        keep the logs of departed vassals under SIZE in all, the oldest
                        removed first (default 1GB)

With a directory (a lone emperor):
  --fail-after N        a vassal restarted for failing its health check waits 1 s, 2 s,
                        4 s ... (at most 180 s) before each start; after N such restarts in
                        a row it is failed (not started) until its file changes or
                        "emperor restart NAME" (default 3, as zeus's --reschedule-after;
                        0: never). A passing check ends the streak.

Under zeus (--emperor zeus:HOST:PORT or zeus-ssl:...):
  --node NAME           this emperor's name at zeus (default: the hostname); with client
                        certificates, the certificate must name it
  --max-vassals N       how many vassals zeus may place here (default 100)
  --heartbeat SECONDS   I_AM_ALIVE period (default 1; zeus declares an emperor dead after
                        its --dead-after, default 5)
  --zeus-ca CA          CA that zeus's certificate must chain to (zeus-ssl)
  --label KEY=VALUE     a placement label (repeatable): vassals' constraints and spread
                        choose emperors by them (zone=a, ssd=yes)
  zeus-ssl:HOST:PORT,CRT,KEY presents CRT/KEY; zeus-ssl:HOST:PORT,NAME.key presents NAME.key
  with NAME.crt beside it. Losing zeus keeps every vassal running; the emperor redials.
  Several zeus sharing an etcd state: repeat --emperor, one per zeus; the emperor serves
  the leader, follows a standby's redirect to it, and finds the next leader by itself.

Examples:
  emperor --emperor /etc/uwsgi/vassals --state-dir /var/lib/emperor --stats 127.0.0.1:9101
  emperor status --stats 127.0.0.1:9101
  emperor --emperor zeus-ssl:10.0.0.1:4040,node1.key --zeus-ca ca.crt`;

const FLAGS = {
  check: { type: "boolean" },
  emperor: { type: "string", multiple: true },
  "state-dir": { type: "string" },
  "vassal-binary": { type: "string" },
  stats: { type: "string" },
  "zeus-ca": { type: "string" },
  node: { type: "string" },
  "max-vassals": { type: "string" },
  heartbeat: { type: "string" },
  "no-exec": { type: "boolean" },
  label: { type: "string", multiple: true },
  "fail-after": { type: "string", default: "3" },
  "log-keep-departed": { type: "string" },
  "log-keep-departed-size": { type: "string" },
} as const;

const EMPEROR = defineCommand({ program: "emperor", summary: "runs vassals and keeps them alive", help: HELP, flags: FLAGS });
defineExecCommands("emperor");
defineSharedCommands("emperor");

const log = getLogger("emperor");

/** Runs `emperor` with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const shared = runSharedCommand("emperor", args);
  if (shared !== undefined) return shared;
  if (args[0] === "status") return await runStatusCommand(args.slice(1));
  if (args[0] === "exec" || args[0] === "logs") return await runExecCommand("emperor", args[0], args.slice(1));
  const controlCommand = EMPEROR_CONTROLS[args[0] ?? ""];
  if (controlCommand) return await runLocalCommand(args.slice(1), controlCommand);
  const parsed = parseCommand(EMPEROR, args);
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  if (values.emperor === undefined) throw new UsageError("--emperor is required: a vassals directory, or zeus:HOST:PORT");
  const specs = values.emperor.map((s) => usage(() => parseEmperorSpec(s)));
  if (values.check) {
    const stateDir = { dir: resolve(values["state-dir"] ?? defaultStateDir()), given: values["state-dir"] !== undefined };
    const check = {
      specs,
      vassalsDir: (d: string) => vassalsDir(d).dir,
      zeusCa: values["zeus-ca"],
      node: values.node ?? hostname(),
      stateDir,
    };
    return await checkEmperor(check, new Date());
  }
  const stats = values.stats === undefined ? undefined : usage(() => parseHostPort(values.stats!));
  const zeus = specs.filter((s) => s.kind === "zeus");
  if (zeus.length > 0 && zeus.length < specs.length) throw new UsageError("--emperor: give zeus addresses or one directory, not both");
  if (zeus.length > 0) return await runZeusMode(zeus, values, stats, { logEvent, untilStopSignal });
  if (specs.length > 1) throw new UsageError("--emperor: one vassals directory at a time (repeat --emperor only for several zeus)");
  const spec = specs[0]!;
  if (spec.kind !== "dir") throw new UsageError("--emperor: unreachable");
  const { dir, pattern } = vassalsDir(spec.dir);
  const stateDir = resolve(values["state-dir"] ?? defaultStateDir());
  const unhealthyBound = parseNumber("--fail-after", values["fail-after"]!, { integer: true, min: 0 });
  const departed = departedFlags(values["log-keep-departed"], values["log-keep-departed-size"]);
  const sup = new Supervisor({
    stateDir,
    vassalBinary: values["vassal-binary"],
    workDir: dir,
    unhealthyBound,
    departed,
    onEvent: (e) => logEvent(e, `${dir}/`),
  });
  let control: LocalControl | undefined;
  // A getter: /status shows the vassals stopped at the time it is asked.
  const info = {
    mode: "dir",
    dir,
    get stopped() {
      return control?.stopped() ?? [];
    },
  };
  // Bind the stats address first: if it is taken, nothing has been started or locked yet.
  const server = stats ? serveStats(stats.host, stats.port, emperorStats(sup, info)) : undefined;
  try {
    await sup.start();
  } catch (e) {
    server?.stop();
    throw e;
  }
  // After start: the state dir exists (and is ours) before its stopped.json is read.
  control = new LocalControl(sup, stateDir, dir);
  const endpoint = new ExecEndpoint(sup, { node: "local", noExec: values["no-exec"] ?? false });
  const local = serveLocalAdmin(stateDir, endpoint, "local", control.commands());
  const monitor = new DirMonitor(dir, sup, pattern, undefined, control.isStopped);
  monitor.start();
  log.info("emperor watching {dir} ({files}), state in {stateDir}", { dir, files: pattern ?? "*.ini, *.toml", stateDir });
  if (!SETPRIV) log.warn("setpriv not found: plain vassals outlive a killed emperor until the next start reaps them");
  dropStartupPagesSoon(log);
  const signal = await untilStopSignal(() => monitor.rescan());
  log.info("{signal}: stopping every vassal", { signal });
  monitor.stop();
  local.close();
  server?.stop();
  await sup.stopAll();
  return EXIT.ok;
}

/**
 * The directory to watch, and the file-name glob when given as uWSGI allows
 * (`--emperor "/etc/uwsgi/vassals/*.ini"`).
 *
 * @throws {UsageError} when there is no such directory
 */
function vassalsDir(arg: string): { dir: string; pattern?: string } {
  const isDir = (p: string) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
  const full = resolve(arg);
  if (isDir(full)) return { dir: full };
  if (/[*?[{]/.test(basename(full)) && isDir(dirname(full))) return { dir: dirname(full), pattern: basename(full) };
  throw new UsageError(`--emperor "${arg}" is not a directory`);
}

function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new UsageError((e as Error).message, { cause: e });
  }
}

/**
 * Resolves with the name of the first SIGTERM or SIGINT; at each SIGHUP reopens the vassal
 * logs (after logrotate moved them), logs `hupWhat` and calls `onHup`.
 */
function untilStopSignal(onHup: () => void, hupWhat = "rescanning"): Promise<string> {
  process.on("SIGHUP", () => {
    const { reopened, errors } = reopenVassalLogs();
    for (const error of errors) log.error("SIGHUP: cannot reopen vassal log {error}", { error });
    log.info("SIGHUP: {what}; {n} vassal log(s) reopened", { what: hupWhat, n: reopened });
    onHup();
  });
  let stopping = false;
  return new Promise((res) => {
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
      process.on(sig, () => {
        if (stopping) return void log.info("{sig} again: still stopping", { sig });
        stopping = true;
        res(sig);
      });
    }
  });
}

/** The operational log line of each supervisor event; `where` prefixes file names. */
function logEvent(e: SupervisorEvent, where: string): void {
  switch (e.type) {
    case "spawned":
      return log.info("vassal {name} spawned (pid {pid})", { name: e.name, pid: e.pid });
    case "reloaded":
      return log.info("vassal {name} reloaded", { name: e.name });
    case "destroyed":
      return log.info("vassal {name} stopped", { name: e.name });
    case "unhealthy":
      return; // logged by the vassal with its reason
    case "failed":
      return log.error("vassal {name} failed ({why}): not restarted until its file changes or emperor restart {name}", {
        name: e.name,
        why: e.why,
      });
    case "exited":
      return log.warn("vassal {name} exited ({how})", { name: e.name, how: e.signal ?? `code ${e.code}` });
    case "rejected":
      // Reasons from the config parser already start "NAME[:LINE]: ": print PATH[:LINE]: reason.
      return log.error("{what}", { what: `${where}${e.reason.startsWith(`${e.name}:`) ? e.reason : `${e.name}: ${e.reason}`}` });
  }
}
