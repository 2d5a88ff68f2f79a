// Issue 22 item 3: zeus --check and emperor --check find what start (or zeus, for an
// emperor's certificate) would refuse, all at once, each naming the flag and the file.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

let pki = "";
let rogue = "";
let vassals = "";
/** A regular file: a folder "under" it can never be made. */
let blocker = "";
beforeAll(async () => {
  pki = tmpDir("pki-");
  rogue = tmpDir("rogue-pki-");
  vassals = tmpDir("vassals-");
  blocker = join(tmpDir(), "a-file");
  writeFileSync(blocker, "");
  // Certificates last 730 days: one issued 800 days ago has expired.
  for (const [args, ago] of [
    [["init", pki], 0],
    [["issue", pki, "zeus", "--host", "127.0.0.1"], 0],
    [["issue", pki, "e1"], 0],
    [["issue", pki, "old", "--host", "127.0.0.1"], 800],
    [["init", rogue], 0],
    [["issue", rogue, "e1"], 0],
  ] as const) {
    const r = await run("faketime", ["-f", `-${ago}d`, bin("zeus"), "certs", ...args]);
    expect(r.code).toBe(0);
  }
});

const at = (name: string) => join(pki, name);
const lines = (stderr: string) => stderr.trimEnd().split("\n");

test("zeus --check: an expired certificate, a key of another, an unwritable --state folder, together; a wrong name warns", async () => {
  const args = ["--check", "--listen", "127.0.0.1:4040", "--vassals", vassals, "--client-ca", at("ca.crt")];
  const r = await run(bin("zeus"), [...args, "--cert", at("old.crt"), "--key", at("zeus.key"), "--state", join(blocker, "state.json")]);
  expect(lines(r.stderr)).toEqual([
    expect.stringMatching(/^--cert: .*old\.crt expired on 20\d\d-/),
    expect.stringMatching(/^--key: .*zeus\.key is not the key of .*old\.crt$/),
    `--state ${join(blocker, "state.json")}: its folder: ${blocker} is not a folder`,
  ]);
  expect(r.code).toBe(2);
  // Emperors dialling 10.0.0.1 would refuse a certificate naming 127.0.0.1; start would not.
  const elsewhere = ["--check", "--listen", "10.0.0.1:4040", "--vassals", vassals, "--cert", at("zeus.crt"), "--key", at("zeus.key")];
  const named = await run(bin("zeus"), elsewhere);
  expect(lines(named.stderr)).toEqual([
    expect.stringMatching(
      /^warning: --cert: .*zeus\.crt names zeus, 127\.0\.0\.1, not 10\.0\.0\.1: emperors dialling 10\.0\.0\.1 refuse it/,
    ),
  ]);
  expect(named.code).toBe(0);
  const spec = await run(bin("zeus"), ["--check", "--zeus", `127.0.0.1:4040,${at("zeus.crt")},${at("e1.key")} ${vassals}`]);
  expect(lines(spec.stderr)).toEqual([expect.stringMatching(/^--zeus: .*e1\.key is not the key of .*zeus\.crt$/)]);
  expect(spec.code).toBe(2);
  const ok = await run(bin("zeus"), [...args, "--cert", at("zeus.crt"), "--key", at("zeus.key")]);
  expect(ok.stderr).toBe("");
  expect(ok.code).toBe(0);
});

test("emperor --check: a certificate not naming --node, a key of another, an expired one, an unwritable state dir, together", async () => {
  const ca = ["--zeus-ca", at("ca.crt")];
  const r = await run(bin("emperor"), [
    "--check",
    "--emperor",
    `zeus-ssl:127.0.0.1:4040,${at("e1.crt")},${join(rogue, "e1.key")}`,
    ...ca,
    "--node",
    "e4",
    "--state-dir",
    join(blocker, "state"),
  ]);
  expect(lines(r.stderr)).toEqual([
    expect.stringMatching(/^--emperor zeus-ssl:127\.0\.0\.1:4040: .*e1\.crt names e1, not e4: zeus refuses it for --node e4/),
    expect.stringMatching(/^--emperor zeus-ssl:127\.0\.0\.1:4040: .*rogue-pki-.*e1\.key is not the key of .*e1\.crt$/),
    `--state-dir ${join(blocker, "state")} cannot be made: ${blocker} is not a folder`,
  ]);
  expect(r.code).toBe(2);
  const state = tmpDir();
  const expired = await run(bin("emperor"), [
    "--check",
    "--emperor",
    `zeus-ssl:127.0.0.1:4040,${at("old.key")}`,
    ...ca,
    "--node",
    "old",
    "--state-dir",
    state,
  ]);
  expect(lines(expired.stderr)).toEqual([expect.stringMatching(/^--emperor zeus-ssl:127\.0\.0\.1:4040: .*old\.crt expired on 20\d\d-/)]);
  expect(expired.code).toBe(2);
  // Another CA signed it: zeus may trust that one for its clients, so it only warns.
  const other = await run(bin("emperor"), [
    "--check",
    "--emperor",
    `zeus-ssl:127.0.0.1:4040,${join(rogue, "e1.key")}`,
    ...ca,
    "--node",
    "e1",
    "--state-dir",
    state,
  ]);
  expect(lines(other.stderr)).toEqual([
    expect.stringMatching(/^warning: --emperor zeus-ssl:127\.0\.0\.1:4040: .*e1\.crt is not signed by the CA .*ca\.crt$/),
  ]);
  expect(other.code).toBe(0);
  mkdirSync(join(state, "ok"));
  const ok = await run(bin("emperor"), [
    "--check",
    "--emperor",
    `zeus-ssl:127.0.0.1:4040,${at("e1.key")}`,
    ...ca,
    "--node",
    "e1",
    "--state-dir",
    join(state, "ok"),
  ]);
  expect(ok.stderr).toBe("");
  expect(ok.stdout).toBe("zeus 127.0.0.1:4040: its vassals are checked by zeus --check\n");
  expect(ok.code).toBe(0);
});
