import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadClientFiles, loadServerFiles, readPem } from "../../lib/tls/files.ts";
import { UsageError } from "../../lib/errors.ts";
import { testPki } from "../net/_pki.ts";

const dir = await mkdtemp(join(tmpdir(), "zog-tls-files-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
const pki = await testPki();
const path = (name: string) => join(dir, name);
await writeFile(path("ca.crt"), pki.ca.certPem);
await writeFile(path("s.crt"), pki.server.certPem);
await writeFile(path("s.key"), pki.server.keyPem);
await writeFile(path("junk.pem"), "not a pem\n");

describe("readPem", () => {
  test("reads a PEM file", async () => {
    expect(await readPem("certificate", path("s.crt"))).toBe(pki.server.certPem);
  });

  test("names the file and the errno when it cannot be read", async () => {
    const missing = path("nope.key");
    await expect(readPem("key", missing)).rejects.toThrow(`cannot read TLS key ${missing}: ENOENT`);
    await expect(readPem("CA", dir)).rejects.toThrow(`cannot read TLS CA ${dir}: EISDIR`);
  });

  test("refuses a file that holds no PEM block of the right kind", async () => {
    await expect(readPem("key", path("junk.pem"))).rejects.toThrow(UsageError);
    await expect(readPem("key", path("s.crt"))).rejects.toThrow(`TLS key ${path("s.crt")} is not a PEM private key`);
    await expect(readPem("certificate", path("s.key"))).rejects.toThrow("is not a PEM certificate");
  });
});

describe("loadServerFiles", () => {
  test("client auth is required when a CA is given, none otherwise", async () => {
    const withCa = await loadServerFiles({ cert: path("s.crt"), key: path("s.key"), ca: path("ca.crt") });
    expect(withCa).toEqual({ cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.ca.certPem, clientAuth: "required" });
    const plain = await loadServerFiles({ cert: path("s.crt"), key: path("s.key") });
    expect(plain).toEqual({ cert: pki.server.certPem, key: pki.server.keyPem, clientAuth: "none" });
  });

  test("client auth without a CA is a TypeError", async () => {
    await expect(loadServerFiles({ cert: path("s.crt"), key: path("s.key"), clientAuth: "optional" })).rejects.toThrow(TypeError);
  });
});

describe("loadClientFiles", () => {
  test("loads what is given", async () => {
    expect(await loadClientFiles({ ca: path("ca.crt"), serverName: "MV" })).toEqual({ ca: pki.ca.certPem, serverName: "MV" });
    expect(await loadClientFiles({ cert: path("s.crt"), key: path("s.key") })).toEqual({
      cert: pki.server.certPem,
      key: pki.server.keyPem,
    });
  });

  test("a certificate without its key is a TypeError quoting it", async () => {
    await expect(loadClientFiles({ cert: path("s.crt") })).rejects.toThrow(`"${path("s.crt")}"`);
  });
});
