// The .deb `make dist` writes (built here from dist/zog, not cross-built): installed with
// `dpkg -i` into this machine's file system seen through private overlays (an unshare'd mount
// namespace: /usr, /etc and /var writable copies that vanish with it), checked, its zog unit
// started as systemd would (_systemd.ts), then purged. This machine is left unchanged.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { bin, removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";
import { serviceSettings, unitScript } from "./_systemd.ts";

const ROOT = resolve(import.meta.dir, "../..");
const ARCH = process.arch === "arm64" ? "arm64" : "amd64";
const NAMES = ["zog", "sprog", "zeus", "emperor", "cf-messages"];
let deb = "";

/** Why the package cannot be installed privately here, or undefined when it can. */
async function cannotInstall(): Promise<string | undefined> {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return "it needs root on Linux (mount namespaces)";
  for (const tool of ["dpkg", "dpkg-deb", "unshare", "setpriv", "ip"]) if (!Bun.which(tool)) return `${tool} is not installed`;
  const probe = await run("unshare", ["--mount", "--net", "--pid", "--fork", "--mount-proc", "true"]);
  if (probe.code !== 0) return `unshare cannot make namespaces here: ${probe.stderr.trim()}`;
  return undefined;
}
let why: string | undefined;

beforeAll(async () => {
  why = await cannotInstall();
  if (why) return;
  const out = tmpDir();
  const r = await run("bash", [join(ROOT, "scripts/deb.sh")], {
    env: { ...process.env, EXE: bin("zog"), ARCH, OUT: out, VERSION: "1.2.3+gtest" },
  });
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
  deb = join(out, `zog_1.2.3+gtest_${ARCH}.deb`);
}, 180000);

afterAll(removeTmpDirs);

test("the .deb holds one executable under five names, units, man pages, completions, logrotate as a conffile", async () => {
  if (why) return void console.log(`skipping the .deb test: ${why}`);
  const list = (await run("dpkg-deb", ["-c", deb])).stdout;
  for (const n of NAMES) {
    expect(list).toMatch(new RegExp(` \\./usr/bin/${n}( link to \\./usr/bin/\\S+)?\\n`));
    expect(list).toContain(` ./usr/share/man/man1/${n}.1.gz\n`);
    expect(list).toContain(` ./usr/share/bash-completion/completions/${n}\n`);
    expect(list).toContain(` ./usr/share/zsh/vendor-completions/_${n}\n`);
  }
  expect(list.match(/^h/gm)).toHaveLength(NAMES.length - 1); // hard links: one file
  for (const u of ["zog", "zeus", "emperor"]) expect(list).toContain(` ./usr/lib/systemd/system/${u}.service\n`);
  const info = (await run("dpkg-deb", ["-I", deb])).stdout;
  expect(info).toContain(`Architecture: ${ARCH}\n`);
  expect(info).toContain("Version: 1.2.3+gtest\n");
  expect((await run("dpkg-deb", ["-I", deb, "conffiles"])).stdout).toBe("/etc/logrotate.d/zog\n");
}, 60000);

const RING = '[[node]]\nname = "A"\nhost = "127.0.0.1"\n[[node]]\nname = "B"\nhost = "127.0.0.2"\n';

test("dpkg -i installs it (user zog, --check, the zog unit starts), dpkg --purge removes it, the machine is unchanged", async () => {
  if (why) return void console.log(`skipping the .deb install test: ${why}`);
  const unit = (await run("bash", ["-c", `dpkg-deb --fsys-tarfile '${deb}' | tar -xO ./usr/lib/systemd/system/zog.service`])).stdout;
  expect(unit).toContain("ExecStart=/usr/bin/zog --config /etc/zog/ring.toml");
  const inner = unitScript(serviceSettings(unit), {
    scratch: tmpDir(),
    files: { "/etc/zog/ring.toml": RING },
    probe: "/usr/bin/zog status | grep -E 'node A \\(127\\.0\\.0\\.1'",
  });
  const S = tmpDir();
  const innerFile = join(tmpDir(), "unit.sh");
  writeFileSync(innerFile, inner);
  const script = [
    "set -eu",
    "mount --make-rprivate /",
    `mount -t tmpfs tmpfs ${S}`,
    // Writable copies of /usr, /etc and /var that vanish with this namespace; no systemd in /run.
    ...["usr", "etc", "var"].map(
      (d) => `mkdir ${S}/${d}.u ${S}/${d}.w && mount -t overlay overlay -o lowerdir=/${d},upperdir=${S}/${d}.u,workdir=${S}/${d}.w /${d}`,
    ),
    "mount -t tmpfs tmpfs /run",
    `dpkg -i '${deb}' >${S}/dpkg.out 2>&1 || { cat ${S}/dpkg.out; exit 1; }`,
    'echo "--- installed"',
    "dpkg-query -W -f='${Status} ${Version}\\n' zog",
    "getent passwd zog | cut -d: -f1,6,7",
    `stat -c '%n %i %a' ${NAMES.map((n) => `/usr/bin/${n}`).join(" ")}`,
    "zeus --version",
    "mkdir -p /etc/zog",
    `echo ${Buffer.from(RING).toString("base64")} | base64 -d >/etc/zog/ring.toml`,
    "zog --check --config /etc/zog/ring.toml",
    'echo "--- unit"',
    `unshare --mount --net --pid --fork --kill-child --mount-proc bash ${innerFile}`,
    'echo "--- purge"',
    `dpkg --purge zog >${S}/dpkg.out 2>&1 || { cat ${S}/dpkg.out; exit 1; }`,
    'for f in /usr/bin/zog /usr/bin/sprog /usr/lib/systemd/system/zog.service /etc/logrotate.d/zog /usr/share/man/man1/zog.1.gz; do [ ! -e $f ] || echo "left: $f"; done',
    "dpkg-query -W zog 2>&1 || true",
  ].join("\n");
  const r = await run("unshare", ["--mount", "--pid", "--fork", "--kill-child", "--mount-proc", "bash", "-c", script]);
  const out = r.stdout + r.stderr;
  expect({ code: r.code, out }).toEqual({ code: 0, out: expect.stringContaining("--- purge\n") });
  const installed = out.slice(out.indexOf("--- installed"), out.indexOf("--- unit"));
  expect(installed).toContain("install ok installed 1.2.3+gtest\n");
  expect(installed).toContain("zog:/var/lib/zog:/usr/sbin/nologin\n");
  const inodes = new Set([...installed.matchAll(/^\/usr\/bin\/\S+ (\d+) 755$/gm)].map((m) => m[1]));
  expect(inodes.size).toBe(1);
  expect(installed).toMatch(/^zeus \S+ \(commit [0-9a-f]{12}/m);
  const unitOut = out.slice(out.indexOf("--- unit"), out.indexOf("--- purge"));
  expect(unitOut).toMatch(/node A \(127\.0\.0\.1, peers :55551, clients :55552/);
  expect(unitOut).toContain("--- stopped: 0\n");
  const purged = out.slice(out.indexOf("--- purge"));
  expect(purged).not.toContain("left:");
  expect(purged).toContain("no packages found matching zog");
  // Nothing reached this machine.
  for (const f of ["/usr/bin/zog", "/usr/lib/systemd/system/zog.service", "/etc/logrotate.d/zog"]) expect(existsSync(f)).toBe(false);
  expect((await run("getent", ["passwd", "zog"])).code).toBe(2);
  expect((await run("dpkg-query", ["-W", "zog"])).code).not.toBe(0);
}, 180000);
