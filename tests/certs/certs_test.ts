import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { runCertsCommand } from "../../lib/certs/certs_command.ts";

const root = await mkdtemp(join(tmpdir(), "zog-certs-"));
afterAll(() => rm(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${n++}`);

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCertsCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

function openssl(...args: string[]) {
  const p = Bun.spawnSync(["openssl", ...args], { stderr: "pipe" });
  return { code: p.exitCode, text: p.stdout.toString() + p.stderr.toString() };
}

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe("certs init / issue", () => {
  const dir = freshDir();

  test("init writes a CA; its key is 0600; openssl reads it as a CA", async () => {
    const r = await run("init", dir);
    expect(r).toEqual({ code: 0, out: [`wrote ${dir}/ca.crt`, `wrote ${dir}/ca.key`], err: [] });
    expect(await mode(join(dir, "ca.key"))).toBe(0o600);
    const text = openssl("x509", "-in", join(dir, "ca.crt"), "-noout", "-text").text;
    expect(text).toContain("CA:TRUE");
    expect(text).toContain("Certificate Sign");
    expect(text).toContain("prime256v1");
  });

  test("issue writes NAME.crt/NAME.key that openssl verifies for server and client use", async () => {
    const r = await run("issue", dir, "MV", "--host", "127.0.0.11", "--host", "mv.example", "--host", "::1");
    expect(r).toEqual({ code: 0, out: [`wrote ${dir}/MV.crt`, `wrote ${dir}/MV.key`], err: [] });
    expect(await mode(join(dir, "MV.key"))).toBe(0o600);
    const crt = join(dir, "MV.crt");
    const ca = join(dir, "ca.crt");
    for (const purpose of ["sslserver", "sslclient"]) {
      expect(openssl("verify", "-purpose", purpose, "-CAfile", ca, crt)).toEqual({ code: 0, text: `${crt}: OK\n` });
    }
  });

  test("the certificate has CN=NAME, SANs from --host and NAME, EC P-256, ~2 years", async () => {
    const cert = new x509.X509Certificate(await readFile(join(dir, "MV.crt"), "utf8"));
    expect(cert.subject).toBe("CN=MV");
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension)!;
    expect(san.names.toJSON()).toEqual([
      { type: "ip", value: "127.0.0.11" },
      { type: "dns", value: "mv.example" },
      { type: "ip", value: "::1" },
      { type: "dns", value: "MV" },
    ]);
    const eku = cert.getExtension(x509.ExtendedKeyUsageExtension)!;
    expect(eku.usages).toEqual([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);
    expect(cert.getExtension(x509.KeyUsagesExtension)!.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect((cert.publicKey.algorithm as EcKeyAlgorithm).namedCurve).toBe("P-256");
    const days = (cert.notAfter.getTime() - cert.notBefore.getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(730);
  });

  test("a name that is not a DNS name gets no DNS SAN", async () => {
    expect((await run("issue", dir, "node_1")).code).toBe(0);
    const cert = new x509.X509Certificate(await readFile(join(dir, "node_1.crt"), "utf8"));
    expect(cert.subject).toBe("CN=node_1");
    expect(cert.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON()).toEqual([]);
  });

  test("issue refuses to replace an earlier certificate or key of that name without --force, and replaces them with", async () => {
    const before = await readFile(join(dir, "MV.key"), "utf8");
    const r = await run("issue", dir, "MV");
    expect(r).toEqual({
      code: 1,
      out: [],
      err: [`certs: certificate file ${dir}/MV.crt already exists (pass --force to replace it and its key)`],
    });
    expect(await readFile(join(dir, "MV.key"), "utf8")).toBe(before);
    await rm(join(dir, "MV.crt"));
    const keyOnly = await run("issue", dir, "MV");
    expect(keyOnly.err).toEqual([`certs: certificate file ${dir}/MV.key already exists (pass --force to replace it and its key)`]);
    expect(await readFile(join(dir, "MV.key"), "utf8")).toBe(before);
    expect((await run("issue", dir, "MV", "--force")).code).toBe(0);
    expect(await readFile(join(dir, "MV.key"), "utf8")).not.toBe(before);
    expect(await mode(join(dir, "MV.key"))).toBe(0o600);
  });

  test("init refuses to replace the CA without --force, and replaces it with", async () => {
    const before = await readFile(join(dir, "ca.key"), "utf8");
    const r = await run("init", dir);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([`certs: CA file ${dir}/ca.crt already exists (pass --force to replace the CA)`]);
    expect(await readFile(join(dir, "ca.key"), "utf8")).toBe(before);
    expect((await run("init", dir, "--force")).code).toBe(0);
    expect(await readFile(join(dir, "ca.key"), "utf8")).not.toBe(before);
  });
});

describe("certs errors", () => {
  test.each([
    [[], "missing subcommand"],
    [["frob", "x"], 'unknown subcommand "frob"'],
    [["init"], "init takes exactly one DIR"],
    [["init", "a", "b"], "init takes exactly one DIR"],
    [["init", "a", "--host", "x"], "--host belongs to issue"],
    [["issue", "a"], "issue takes DIR NAME"],
    [["issue", "a", "b", "c"], "issue takes DIR NAME"],
    [["issue", "a", ".."], 'Certificate name ".." is not allowed'],
    [["issue", "a", "x/y"], 'Certificate name "x/y" is not allowed'],
    [["issue", "a", "x".repeat(256)], "is not allowed"],
    [["issue", "a", "MV", "--host", "no spaces"], '--host "no spaces" is neither an IP address nor a DNS name'],
    [["init", "a", "--frobnicate"], "frobnicate"],
  ])("%p is a usage error (2): %p", async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err.length).toBe(1);
    expect(r.err[0]).toStartWith("certs: ");
    expect(r.err[0]).toContain(message);
  });

  test("issue without a CA is a runtime error (1) naming the file", async () => {
    const dir = freshDir();
    const r = await run("issue", dir, "MV");
    expect(r.code).toBe(1);
    expect(r.err).toEqual([`certs: cannot read TLS CA ${dir}/ca.crt: ENOENT`]);
  });

  test("init into a path under a file is a runtime error (1)", async () => {
    const file = join(root, "a-file");
    await writeFile(file, "");
    const r = await run("init", join(file, "sub"));
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain("ENOTDIR");
  });

  test("--help prints the usage and exits 0", async () => {
    const r = await run("--help");
    expect(r.code).toBe(0);
    expect(r.out[0]).toStartWith("usage: certs init DIR");
  });
});
