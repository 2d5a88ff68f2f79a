// Starting a systemd unit's command lines as systemd would, without systemd as PID 1: in
// private mount, network and PID namespaces (unshare), with the unit's user, umask,
// open-file limit, capability bounding set and NoNewPrivileges (setpriv), the folders its
// *Directory= settings make, and the file system its ProtectSystem=/ProtectHome= leave.
// Not emulated (they need systemd itself): SystemCallFilter, RestrictAddressFamilies,
// RestrictNamespaces, PrivateTmp/PrivateDevices/PrivateUsers and the other Protect*
// settings, Delegate=, and the dependency ordering.
import { run } from "../helpers/procs.ts";

/** The [Service] settings of a unit file: each key's values in order (a key may repeat). */
export function serviceSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) section = head[1]!;
    else if (section === "Service" && line.includes("=")) {
      const key = line.slice(0, line.indexOf("="));
      settings.set(key, [...(settings.get(key) ?? []), line.slice(key.length + 1)]);
    }
  }
  return settings;
}

/** What to do around the unit: files an operator would write, and how to see that it works. */
export interface UnitRun {
  /** A folder of the test's, where the namespace keeps its scratch files. */
  scratch: string;
  /** Files to write after the unit's folders exist (path: content), as an operator would. */
  files: Record<string, string>;
  /** A shell command, run as root beside the service, that succeeds once it works. */
  probe: string;
  /** A shell command run after the service stopped (its output is returned too). */
  after?: string;
  /** The user a DynamicUser=yes unit runs as (systemd picks one in 61184-65519). */
  dynamicUid?: number;
}

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const words = (v: string) => v.trim().split(/\s+/).map(q).join(" ");

/** The bash script that does it; exported so a failure can be read in full. */
export function unitScript(unit: Map<string, string[]>, r: UnitRun): string {
  const one = (k: string) => unit.get(k)?.at(-1);
  const dirs = (k: string) => (unit.get(k) ?? []).flatMap((v) => v.trim().split(/\s+/));
  const dynamic = one("DynamicUser") === "yes";
  const uid = dynamic ? (r.dynamicUid ?? 61999) : 0;
  const caps = one("CapabilityBoundingSet");
  const setpriv = [
    "setpriv",
    ...(uid !== 0 ? [`--reuid=${uid}`, `--regid=${uid}`, "--clear-groups"] : []),
    ...(one("NoNewPrivileges") === "yes" ? ["--no-new-privs"] : []),
    ...(caps !== undefined
      ? [
          `--bounding-set=-all${caps
            .split(/\s+/)
            .filter((c) => c !== "")
            .map((c) => `,+${c.replace(/^CAP_/, "").toLowerCase()}`)
            .join("")}`,
        ]
      : []),
  ];
  const env = ["env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", ...(uid !== 0 ? ["HOME=/"] : [])];
  const start = `${env.join(" ")} ${setpriv.join(" ")} --`;
  const cmd = (v: string) => words(v.replace(/^[-@+!:]+/, ""));
  const S = q(r.scratch);
  const lines = [
    "set -eu",
    "ip link set lo up",
    "mount --make-rprivate /",
    `mount -t tmpfs tmpfs ${S}`,
    // A private copy of /etc, and an empty /var/lib and /var/log as on a fresh machine: the
    // unit's folders are made there, never on this machine.
    `mkdir ${S}/etc && cp -a /etc/. ${S}/etc/ && mount --bind ${S}/etc /etc`,
    "mount -t tmpfs tmpfs /var/lib && mount -t tmpfs tmpfs /var/log",
    ...dirs("ConfigurationDirectory").map((d) => `mkdir -p /etc/${d}`),
    ...(
      [
        ["StateDirectory", "/var/lib"],
        ["LogsDirectory", "/var/log"],
      ] as const
    ).flatMap(([k, base]) => dirs(k).map((d) => `mkdir -p ${base}/${d} && chown ${uid}:${uid} ${base}/${d} && chmod 0755 ${base}/${d}`)),
    ...Object.entries(r.files).map(([path, text]) => `echo ${Buffer.from(text).toString("base64")} | base64 -d >${q(path)}`),
    ...protections(one("ProtectSystem"), one("ProtectHome")),
    // LimitNOFILE, or this machine's hard limit when that is lower (raising it needs CAP_SYS_RESOURCE).
    `setup() { ulimit -n ${one("LimitNOFILE") ?? 1024} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; umask ${one("UMask") ?? "0022"}; cd /; }`,
    ...(unit.get("ExecStartPre") ?? []).map(
      (v) =>
        `( setup; exec ${start} ${cmd(v)} ) >${S}/pre.out 2>&1 || { echo "ExecStartPre failed ($?): "${q(v)}; cat ${S}/pre.out; exit 1; }`,
    ),
    // One fork, then exec all the way: $! is the service itself.
    `( setup; exec ${start} ${cmd(one("ExecStart")!)} ) >${S}/main.out 2>&1 &`,
    "main=$!",
    "deadline=$((SECONDS + 60))",
    `until ( ${r.probe} ) >${S}/probe.out 2>&1; do`,
    `  kill -0 $main 2>/dev/null || { echo "ExecStart exited:"; cat ${S}/main.out; exit 1; }`,
    `  [ $SECONDS -lt $deadline ] || { echo "probe failed for 60 s:"; cat ${S}/probe.out ${S}/main.out; exit 1; }`,
    "  sleep 0.1",
    "done",
    `echo "--- probe"; cat ${S}/probe.out`,
    "kill -TERM $main; code=0; wait $main || code=$?",
    `echo "--- stopped: $code"`,
    `cat ${S}/main.out`,
    ...(r.after ? [`echo "--- after"; ${r.after}`] : []),
  ];
  return lines.join("\n") + "\n";
}

function protections(system: string | undefined, home: string | undefined): string[] {
  const ro = (p: string) => `mount --bind ${p} ${p} && mount -o remount,bind,ro ${p}`;
  const out: string[] = [];
  // strict: everything read-only but the State/Logs folders (tmpfs mounts of their own here).
  if (system === "strict") out.push("mount -o remount,bind,ro /", "mount -o remount,bind,ro /etc");
  if (system === "full") out.push(ro("/usr"), "mount -o remount,bind,ro /etc");
  for (const dir of ["/root", "/home"]) {
    if (home === "yes") out.push(`mount -t tmpfs -o ro,mode=0755 tmpfs ${dir}`);
    if (home === "read-only") out.push(ro(dir));
  }
  return out;
}

/**
 * Runs the unit's ExecStartPre lines, then its ExecStart, as systemd would (see the file
 * header for what is and is not reproduced), waits for `probe`, stops it with SIGTERM.
 * Returns the script's exit code and output (the probe's, the service's, `after`'s).
 */
export async function startAsSystemdWould(unitText: string, r: UnitRun): Promise<{ code: number | null; out: string }> {
  const script = unitScript(serviceSettings(unitText), r);
  const res = await run("unshare", ["--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "bash", "-c", script]);
  return { code: res.code, out: res.stdout + res.stderr };
}
