// scripts/sbom.ts: the CycloneDX SBOM `make dist` writes, from the real package-lock.json.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cycloneDx, type Lockfile, runtimePackage } from "../../scripts/sbom.ts";

const lock = JSON.parse(readFileSync(join(import.meta.dir, "../../package-lock.json"), "utf8")) as Lockfile;
const opts = { version: "0.1.0", built: "2026-12-06T00:00:00Z", targets: ["linux-x64", "linux-arm64"] };

test("every bundled (non-dev) package is a component with its lockfile version, license and SHA-512; dev tools are not", () => {
  const bom = cycloneDx(lock, opts);
  expect(bom).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.5", version: 1 });
  expect(bom.metadata.component).toMatchObject({ name: "zog", version: "0.1.0", purl: "pkg:npm/zog@0.1.0" });
  const byPurl = new Map(bom.components.map((c) => [c.purl, c]));
  const runtime = Object.entries(lock.packages).filter(([k, p]) => k !== "" && !p.dev);
  expect(runtime.length).toBeGreaterThan(4);
  for (const [key, p] of runtime) {
    const name = key.slice(key.lastIndexOf("node_modules/") + 13);
    const c = byPurl.get(`pkg:npm/${name.replace(/^@/, "%40")}@${p.version}`);
    expect(c).toBeDefined();
    expect(c!.hashes).toEqual([{ alg: "SHA-512", content: Buffer.from(p.integrity!.slice(7), "base64").toString("hex") }]);
    if (p.license) expect(c!.licenses).toEqual([{ expression: p.license }]);
  }
  for (const dev of ["typescript", "prettier", "fast-check"]) expect(bom.components.some((c) => c.name === dev)).toBe(false);
  expect(byPurl.get("pkg:npm/%40peculiar/x509@2.2.0")).toMatchObject({ group: "@peculiar", name: "x509", type: "library" });
});

test("each target's Bun runtime is a component the executable depends on; every dependency names a component", () => {
  expect(runtimePackage("linux-arm64")).toBe("@oven/bun-linux-aarch64");
  expect(runtimePackage("linux-x64-musl")).toBe("@oven/bun-linux-x64-musl");
  const bom = cycloneDx(lock, opts);
  const refs = new Set([bom.metadata.component["bom-ref"], ...bom.components.map((c) => c["bom-ref"])]);
  expect(bom.components.length).toBe(refs.size - 1);
  const root = bom.dependencies.find((d) => d.ref === "pkg:npm/zog@0.1.0")!;
  expect(root.dependsOn).toContain("pkg:npm/%40oven/bun-linux-x64@1.4.5");
  expect(root.dependsOn).toContain("pkg:npm/%40oven/bun-linux-aarch64@1.4.5");
  expect(root.dependsOn).toContain("pkg:npm/smol-toml@1.9.1");
  for (const d of bom.dependencies) {
    expect(refs.has(d.ref)).toBe(true);
    for (const on of d.dependsOn) expect(refs.has(on)).toBe(true);
  }
  expect(bom.dependencies.find((d) => d.ref === "pkg:npm/%40peculiar/x509@2.2.0")!.dependsOn).toContain("pkg:npm/tsyringe@4.10.0");
});

test("the same inputs give the same document (serial number included); an unknown target is an error", () => {
  expect(JSON.stringify(cycloneDx(lock, opts))).toBe(JSON.stringify(cycloneDx(lock, opts)));
  expect(cycloneDx(lock, opts).serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(() => cycloneDx(lock, { ...opts, targets: ["plan9-x64"] })).toThrow(
    'sbom: no @oven/bun-plan9-x64 in package-lock.json for target "plan9-x64"',
  );
});
