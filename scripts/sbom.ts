/**
 * `make dist`'s SBOM: a CycloneDX 1.5 JSON document made from package-lock.json, offline.
 * It lists what the executable carries: every package that is not a dev dependency (they are
 * bundled into it), and the Bun runtime of each target built (its npm package), each with
 * its version, purl, license, SHA-512 from the lockfile and where it was downloaded from,
 * and the dependency graph between them.
 *
 * Run: `bun run scripts/sbom.ts VERSION BUILT TARGET... > zog-VERSION.cdx.json`
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** The parts of a package-lock.json (v2/v3) the SBOM reads. */
export interface Lockfile {
  name: string;
  version: string;
  packages: Record<
    string,
    {
      version?: string;
      resolved?: string;
      integrity?: string;
      license?: string;
      dev?: boolean;
      dependencies?: Record<string, string>;
    }
  >;
}

/** A dist target ("linux-arm64") → the npm package of its Bun runtime ("@oven/bun-linux-aarch64"). */
export function runtimePackage(target: string): string {
  const [os, arch, libc] = target.split("-");
  return `@oven/bun-${os}-${arch === "arm64" ? "aarch64" : arch}${libc ? `-${libc}` : ""}`;
}

const purl = (name: string, version: string) => `pkg:npm/${name.replace(/^@/, "%40")}@${version}`;

/** The lockfile key of `dep` as required from the package at `from` (node's lookup: nearest node_modules up). */
function resolveKey(lock: Lockfile, from: string, dep: string): string | undefined {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf("/node_modules/")))) {
    const key = `${dir ? `${dir}/` : ""}node_modules/${dep}`;
    if (lock.packages[key]) return key;
    if (!dir) return undefined;
  }
}

/**
 * The CycloneDX document for `lock`, for an executable built for `targets`.
 *
 * @throws {Error} naming a target whose Bun runtime package is not in the lockfile
 * @example
 * ```ts
 * const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as Lockfile;
 * const bom = cycloneDx(lock, { version: "0.1.0", built: "2026-12-06T00:00:00Z", targets: ["linux-x64"] });
 * ```
 */
export function cycloneDx(lock: Lockfile, opts: { version: string; built: string; targets: string[] }) {
  const keys = Object.keys(lock.packages).filter((k) => k !== "" && !lock.packages[k]!.dev);
  for (const t of opts.targets) {
    const key = `node_modules/${runtimePackage(t)}`;
    if (!lock.packages[key]) throw new Error(`sbom: no ${runtimePackage(t)} in package-lock.json for target "${t}"`);
    keys.push(key);
  }
  const nameOf = (key: string) => key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);
  const ref = (key: string) => purl(nameOf(key), lock.packages[key]!.version!);
  // One component per name@version, however many node_modules folders hold a copy.
  const unique = [...new Map(keys.map((k) => [ref(k), k])).values()];
  const root = purl(lock.name, opts.version);
  const components = unique.map((key) => {
    const p = lock.packages[key]!;
    const name = nameOf(key);
    const scoped = name.startsWith("@");
    const hex = p.integrity?.startsWith("sha512-") ? Buffer.from(p.integrity.slice(7), "base64").toString("hex") : undefined;
    return {
      type: name.startsWith("@oven/bun-") ? "application" : "library",
      "bom-ref": ref(key),
      ...(scoped ? { group: name.slice(0, name.indexOf("/")), name: name.slice(name.indexOf("/") + 1) } : { name }),
      version: p.version!,
      purl: ref(key),
      ...(p.license ? { licenses: [{ expression: p.license }] } : {}),
      ...(hex ? { hashes: [{ alg: "SHA-512", content: hex }] } : {}),
      ...(p.resolved ? { externalReferences: [{ type: "distribution", url: p.resolved }] } : {}),
    };
  });
  const direct = Object.keys(lock.packages[""]?.dependencies ?? {}).flatMap((d) => resolveKey(lock, "", d) ?? []);
  const dependencies = [
    { ref: root, dependsOn: [...direct.map(ref), ...opts.targets.map((t) => ref(`node_modules/${runtimePackage(t)}`))] },
    ...unique.map((key) => ({
      ref: ref(key),
      dependsOn: [
        ...new Set(
          Object.keys(lock.packages[key]!.dependencies ?? {}).flatMap((d) => {
            const k = resolveKey(lock, key, d);
            return k && !lock.packages[k]!.dev ? [ref(k)] : [];
          }),
        ),
      ],
    })),
  ];
  const digest = createHash("sha256")
    .update(JSON.stringify({ components, v: opts.version, t: opts.targets }))
    .digest("hex");
  // Reproducible: the serial number derives from the content (UUID layout, version 5 bits).
  const serial = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-5${digest.slice(13, 16)}-8${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    serialNumber: `urn:uuid:${serial}`,
    version: 1,
    metadata: {
      timestamp: opts.built,
      tools: { components: [{ type: "application", name: "zog scripts/sbom.ts" }] },
      component: { type: "application", "bom-ref": root, name: lock.name, version: opts.version, purl: root },
    },
    components,
    dependencies,
  };
}

if (import.meta.main) {
  const [version, built, ...targets] = process.argv.slice(2);
  if (!version || !built || targets.length === 0) {
    process.stderr.write("usage: bun run scripts/sbom.ts VERSION BUILT TARGET...\n");
    process.exit(2);
  }
  const lock = JSON.parse(readFileSync(new URL("../package-lock.json", import.meta.url), "utf8")) as Lockfile;
  process.stdout.write(`${JSON.stringify(cycloneDx(lock, { version, built, targets }), null, 2)}\n`);
}
