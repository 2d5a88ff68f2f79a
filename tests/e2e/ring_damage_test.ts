// Damaged files on one node of five (issue 27's table, Jepsen's bitflip-file-chunks and
// truncate-file): a five-node ring logs 1000 messages, node G is stopped, one of its files
// is damaged, G starts again and 1000 more are sent. Every node's access.log must then hold
// every acknowledged message exactly once, all five the same, and G must say what it found
// and mended. Each row runs at a few seeded positions; ZOG_FAULT_SEEDS=N runs N of them.
// `zog verify --peer` tells a flipped access.log line from MV's copy; a node whose every
// file was deleted gets every message back from its peers (catch-up).
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, killAll, type Proc, removeTmpDirs, run, waitFor } from "../helpers/procs.ts";
import { streamMessages, WireClient } from "../helpers/wire_client.ts";
import { accessContents, meshUp, settled, startNode, startTestRing, type TestRing } from "../helpers/ring_setup.ts";
import { segmentFiles } from "../helpers/store_files.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const SEEDS = Number(process.env.ZOG_FAULT_SEEDS ?? 3);

/** A small seeded generator (mulberry32): the same positions for the same seed. */
function random(seed: number): () => number {
  let a = seed * 2654435761;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function messages(tag: string, n: number): { id: string; msg: string; content: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const content = `${tag} ${String(i).padStart(4, "0")} ${"abcdefghijklmnopqrstuvwxyz".slice(0, 5 + (i % 20))}`;
    return { id: `${tag}-${i}`, msg: `0${content}\r\n`, content };
  });
}

async function send(ring: TestRing, msgs: { id: string; msg: string }[]): Promise<void> {
  const r = await streamMessages(ring.hosts, ring.clientPort, msgs, { window: 16, timeoutMs: 3000 });
  expect(r.failed).toBe(0);
}

/** Every node holds exactly `expected`, each once, the same set on all five. */
async function expectEveryNodeHolds(ring: TestRing, stats: number, expected: string[]): Promise<void> {
  for (const n of ring.names)
    await waitFor(
      () => accessContents(ring, n).length >= expected.length,
      30_000,
      `${n} to log ${expected.length} lines (has ${accessContents(ring, n).length})`,
    );
  await waitFor(() => settled(ring, stats), 30_000, "every backlog empty");
  const want = [...expected].sort();
  for (const n of ring.names) {
    const got = accessContents(ring, n);
    const doubled = got.filter((c, i) => got.indexOf(c) !== i);
    expect({ node: n, doubled: doubled.slice(0, 5), lines: got.length }).toEqual({ node: n, doubled: [], lines: expected.length });
    expect(got.sort()).toEqual(want);
  }
}

function flipBit(path: string, at: number, bit: number): void {
  const bytes = readFileSync(path);
  bytes[at] = bytes[at]! ^ (1 << bit);
  writeFileSync(path, bytes);
}

interface Damage {
  /** Readies G's stopped files first (G may be started and stopped again here). */
  prepare?(ring: TestRing, stats: number): Promise<void>;
  /** Damages G's stopped files; returns what was done (for the failure message). */
  apply(ring: TestRing, rnd: () => number): string;
  /** Done once G runs again, before the next messages are sent. */
  afterStart?(ring: TestRing, g: Proc): Promise<void>;
  /** What G must say it found or mended (in its log, or verify's output). */
  says: RegExp;
  /** G is killed (SIGKILL), not stopped: its last L mark is not written. */
  killed?: boolean;
}

const state = (ring: TestRing, f: string) => join(ring.dir, "state", "G", f);
const access = (ring: TestRing) => join(ring.dir, "logs", "G", "access.log");

/** Flips two bytes of one stored message's content in G's segment files. */
function flipStored(ring: TestRing, rnd: () => number): string {
  const m = messages("before", 1000)[Math.floor(rnd() * 1000)]!;
  const path = segmentFiles(join(ring.dir, "state", "G")).find((p) => readFileSync(p).includes(m.content));
  expect(path).toBeDefined();
  const bytes = readFileSync(path!);
  const at = bytes.indexOf(m.content);
  expect(at).toBeGreaterThan(0);
  const off = at + Math.floor(rnd() * m.content.length);
  bytes[off] = bytes[off]! ^ 0x01;
  bytes[off + 1] = bytes[off + 1]! ^ 0x20;
  writeFileSync(path!, bytes);
  return `${path} bytes ${off}-${off + 1} flipped (message ${m.id})`;
}

const DAMAGE: Record<string, Damage> = {
  "journal truncated": {
    apply: (ring, rnd) => {
      const path = state(ring, "journal");
      const size = statSync(path).size;
      const keep = Math.floor(size * (0.3 + 0.65 * rnd()));
      truncateSync(path, keep);
      return `journal cut from ${size} to ${keep} bytes`;
    },
    says: /journal rebuilt from|torn tail of \d+ bytes/,
  },
  "a bit flipped in the journal": {
    apply: (ring, rnd) => {
      const path = state(ring, "journal");
      const at = Math.floor(rnd() * statSync(path).size);
      const bit = Math.floor(rnd() * 8);
      flipBit(path, at, bit);
      return `journal byte ${at} bit ${bit} flipped`;
    },
    says: /journal .*(fail their checksum|torn tail)|first line \(V\) was damaged/,
  },
  "bytes flipped in a stored message": {
    apply: (ring, rnd) => flipStored(ring, rnd),
    says: /store: 1 message failed its checksum \(\d+\); written again from the journal/,
  },
  "bytes flipped in a stored message the journal no longer holds": {
    // A rebuilt journal starts after the store's last message: the rows before it are in no
    // journal record, so only the peers' copies can mend one.
    prepare: async (ring, stats) => {
      rmSync(state(ring, "journal"));
      const g = startNode(ring, "G", stats, ["--rebuild-journal"]);
      await waitFor(() => meshUp(ring, stats), 15_000, "G up with a rebuilt journal");
      await stop(g);
    },
    apply: (ring, rnd) => flipStored(ring, rnd),
    // Found when read (rows older than the journal are checked then): a replay reads it.
    afterStart: async (ring, g) => {
      const listener = await WireClient.connect(ring.hosts[ring.names.indexOf("G")]!, ring.clientPort);
      expect(await listener.subscribe({ since: "all" })).toBeUndefined();
      await waitFor(() => /written again from the peers' copies/.test(g.stderr()), 20_000, "G to mend the row from its peers");
      listener.close();
    },
    says: /store: message \d+ failed its checksum: written again from the peers' copies: \d+ \((MV|PA|LA|S)\)/,
  },
  "bytes flipped in the store's header": {
    apply: (ring, rnd) => {
      const path = state(ring, "store.db");
      const at = 16 + Math.floor(rnd() * 6);
      flipBit(path, at, 3);
      flipBit(path, at + 1, 5);
      return `store.db bytes ${at}-${at + 1} flipped`;
    },
    says: /store: .* set aside as .*store\.db\.damaged-\d{8}T\d{6}Z; a new store is filled from the journal/,
  },
  "a bit flipped in access.log, then zog verify --repair": {
    apply: (ring, rnd) => {
      const path = access(ring);
      const text = readFileSync(path, "utf8");
      // A byte of a line's content or its newline (a flipped stamp is not told from a time).
      const starts = [...text.matchAll(/^/gm)].map((m) => m.index!);
      const line = Math.floor(rnd() * (starts.length - 1));
      const from = starts[line]! + 17;
      const at = from + Math.floor(rnd() * (starts[line + 1]! - from));
      const bit = Math.floor(rnd() * 7);
      flipBit(path, at, bit);
      return `access.log byte ${at} (line ${line + 1}) bit ${bit} flipped`;
    },
    says: /access\.log rewritten from the store; the damaged file is kept as/,
  },
  "a bit flipped in access.log past the journal's L mark, G started again without zog verify": flippedPastMark(),
  "access.log truncated at a seeded length, G started again": {
    apply: (ring, rnd) => {
      const path = access(ring);
      const size = statSync(path).size;
      const keep = Math.floor(size * (0.5 + 0.5 * rnd()));
      truncateSync(path, keep);
      return `access.log cut from ${size} to ${keep} bytes`;
    },
    says: /access\.log \S+: cut short \(messages \d+-1000 were logged and are gone\): cut to its last whole line at byte \d+ and \d+ lines written again/,
  },
  "every file of G deleted (its disk lost)": {
    apply: (ring) => {
      rmSync(join(ring.dir, "logs", "G"), { recursive: true, force: true });
      rmSync(join(ring.dir, "state", "G"), { recursive: true, force: true });
      return "logs/G and state/G deleted";
    },
    // The 1000 it lost, at least (the next 1000 are being sent meanwhile: some come by its links first).
    says: /catch-up from the peers \(this node's files hold no message[^\n]*: their copies hold MV \d+, PA \d+, LA \d+, S \d+; \d{4,} messages this node lacked logged here/,
  },
};

/**
 * G killed, its journal's L marks removed (as if the crash came before any was written: every
 * line is then checked at its offset at start), and a bit of a seeded line's content flipped.
 * The flipped line was written: it must count once, not be logged again with the rest, and
 * be mended in place from the journal.
 */
function flippedPastMark(): Damage {
  return {
    killed: true,
    apply: (ring, rnd) => {
      const journal = state(ring, "journal");
      writeFileSync(
        journal,
        readFileSync(journal, "utf8")
          .split("\n")
          .filter((l) => !l.startsWith("L "))
          .join("\n"),
      );
      const path = access(ring);
      const text = readFileSync(path, "utf8");
      const lines = text.split("\n");
      const line = Math.floor(lines.length / 2 + rnd() * (lines.length / 2 - 1));
      const from = lines.slice(0, line).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) + 17;
      const at = from + Math.floor(rnd() * (lines[line]!.length - 17));
      const bit = Math.floor(rnd() * 6);
      flipBit(path, at, bit);
      return `journal's L lines removed, access.log byte ${at} (line ${line + 1}) bit ${bit} flipped`;
    },
    says: /access\.log: the line of message \d+ at byte \d+ differs from the journal's record in 1 byte \(a flipped bit\): counted as logged, not appended again, and mended in place/,
  };
}

/** `zog verify --peer`: G's access.log against MV's copy. */
function verifyWithPeer(ring: TestRing) {
  const peer = `${ring.hosts[ring.names.indexOf("MV")]}:${ring.peerPort}`;
  return run(bin("zog"), ["verify", "--config", ring.config, "--node", "G", "--peer", peer]);
}

/** SIGKILLs `p` (no last L mark, no flush) and waits for it to be gone. */
async function killed(p: Proc): Promise<void> {
  process.kill(p.pid, "SIGKILL");
  await p.exited;
}

async function stop(p: Proc): Promise<void> {
  process.kill(p.pid, "SIGTERM");
  expect(await p.exited).toBe(0);
}

describe("a damaged file on one node of five: every acknowledged message once on every node, and the node says so", () => {
  let net = 100;
  for (const [row, damage] of Object.entries(DAMAGE)) {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const prefix = `127.7.${net++}`;
      test(`${row} (seed ${seed})`, async () => {
        const { ring, stats, procs } = await startTestRing(prefix);
        const before = messages("before", 1000);
        await send(ring, before);
        await expectEveryNodeHolds(
          ring,
          stats,
          before.map((m) => m.content),
        );
        if (damage.killed) await killed(procs.get("G")!);
        else await stop(procs.get("G")!);
        await damage.prepare?.(ring, stats);
        const done = damage.apply(ring, random(seed));
        let said = "";
        if (row.includes("zog verify --repair")) {
          const found = await run(bin("zog"), ["verify", "--config", ring.config, "--node", "G"]);
          expect({ done, code: found.code }).toEqual({ done, code: 1 });
          expect(found.stdout).toMatch(/access\.log:\d+: differs from the store|not in the store|missing/);
          // MV's copy tells the same: some content is missing here, or here and not at MV.
          const againstMV = await verifyWithPeer(ring);
          expect({ done, code: againstMV.code, err: againstMV.stderr }).toEqual({ done, code: 1, err: "" });
          expect(againstMV.stdout).toMatch(/: ([1-9]\d* missing here, \d+|\d+ missing here, [1-9]\d*) more here than at MV\n$/);
          const mended = await run(bin("zog"), ["verify", "--config", ring.config, "--node", "G", "--repair"]);
          expect({ done, code: mended.code, err: mended.stderr }).toEqual({ done, code: 0, err: "" });
          said = mended.stdout;
          const again = await run(bin("zog"), ["verify", "--config", ring.config, "--node", "G"]);
          expect({ done, code: again.code, out: again.stdout }).toEqual({
            done,
            code: 0,
            out: expect.stringContaining(": 0 differ, 0 missing, 0 doubled, 0 not in the store"),
          });
          expect((await verifyWithPeer(ring)).stdout).toEndWith(
            "access.log: 1000 lines compared with MV's copy of 1000 messages: 0 missing here, 0 more here than at MV\n",
          );
        }
        let g = startNode(ring, "G", stats);
        let exited: number | undefined;
        g.exited.then((code) => (exited = code));
        const outcome = await waitFor(
          async () => (exited !== undefined ? `exit ${exited}` : (await meshUp(ring, stats)) ? "up" : undefined),
          15_000,
          "G back in the mesh",
        );
        if (outcome !== "up") {
          expect({ done, outcome }).toEqual({ done, outcome: "exit 1" });
          // Refused: a journal cut short while the store holds more. The way out it names:
          expect(g.stderr()).toMatch(/cut short.*--rebuild-journal/);
          g = startNode(ring, "G", stats, ["--rebuild-journal"]);
          await waitFor(() => meshUp(ring, stats), 15_000, "G back in the mesh after --rebuild-journal");
        }
        procs.set("G", g);
        await damage.afterStart?.(ring, g);
        const after = messages("after", 1000);
        await send(ring, after);
        await expectEveryNodeHolds(
          ring,
          stats,
          [...before, ...after].map((m) => m.content),
        );
        expect({ done, said: (said + g.stderr()).match(damage.says)?.[0] }).toEqual({ done, said: expect.any(String) });
        // G's store serves a replay of every message once, none damaged.
        const listener = await WireClient.connect(ring.hosts[ring.names.indexOf("G")]!, ring.clientPort);
        expect(await listener.subscribe({ since: "all" })).toBeUndefined();
        await waitFor(() => listener.events.length >= 2000, 20_000, `G's replay of 2000 (has ${listener.events.length})`);
        const ids = listener.events.map((e) => e.id).sort();
        expect({ done, replayed: ids.length, ids: ids.join() }).toEqual({
          done,
          replayed: 2000,
          ids: [...before, ...after]
            .map((m) => m.id)
            .sort()
            .join(),
        });
        listener.close();
        for (const p of procs.values()) await stop(p);
      }, 120_000);
    }
  }
});
