/**
 * zog's web console (`/ui/` on its stats address): the page, and `/ui/events`, a stream of
 * this node's status with the other nodes' as their stats answer. A node does not know
 * where its peers serve stats; it asks each peer's host on its own stats port (the usual
 * set-up: every node `--stats` on the same port), and shows a node it cannot ask from its
 * own link to it.
 *
 * @module
 */
import { VERSION } from "../cli/mod.ts";
import { fetchIsSafe, hostPort } from "../net/mod.ts";
import { SnapshotStream } from "./event_stream.ts";
import { SECURITY_HEADERS, staticFile } from "./static_files.ts";

/** A peer whose stats the console asks for. */
export interface ConsolePeer {
  name: string;
  host: string;
}

/** Options of {@link zogConsole}. */
export interface ZogConsoleOptions {
  /** This node's `/status` document (without the process head). */
  status: () => unknown;
  /** The other nodes of the ring. */
  peers: ConsolePeer[];
  /** This node's stats host and port: peers on another host are asked on the same port. */
  stats: { host: string; port: number };
  /** How often the stream is refreshed (ms); default 1000. */
  everyMs?: number;
}

/** What `/ui/events` sends: `at` (ms), this node's status, each peer's (null: unreachable). */
export interface RingSnapshot {
  at: number;
  version: string;
  self: unknown;
  peers: Record<string, unknown>;
}

async function peerStatus(url: string): Promise<unknown> {
  // Out of descriptors before this node's first fetch: starting the HTTP client would end the node.
  if (!fetchIsSafe()) return null;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(700) });
    return res.ok ? await res.json() : null;
  } catch {
    return null; // the page shows the node from this node's link to it
  }
}

/** A running console: its request handler for the stats server, and its stop. */
export interface Console {
  handle(req: Request, remote: string): Response | Promise<Response>;
  close(): void;
}

/**
 * zog's console.
 *
 * @example
 * ```ts
 * declare const peers: ConsolePeer[];
 * const status = () => nodeStatus(node, ports);
 * const ui = zogConsole({ status, peers, stats: { host: "127.0.0.1", port: 4041 } });
 * serveStats(host, port, { status, metrics: () => "", ui: ui.handle });
 * ```
 */
export function zogConsole(opts: ZogConsoleOptions): Console {
  const asked = opts.peers
    .filter((p) => p.host !== opts.stats.host)
    .map((p) => ({ name: p.name, url: `http://${hostPort(p.host, opts.stats.port)}/status` }));
  const take = async (): Promise<RingSnapshot> => {
    const answers = await Promise.all(asked.map((p) => peerStatus(p.url)));
    const peers: Record<string, unknown> = {};
    asked.forEach((p, i) => (peers[p.name] = answers[i]));
    return { at: Date.now(), version: VERSION, self: opts.status(), peers };
  };
  const stream = new SnapshotStream({ take, everyMs: opts.everyMs ?? 1000 });
  return {
    handle: (req) => {
      const path = new URL(req.url).pathname;
      if (req.method !== "GET" && req.method !== "HEAD") return new Response("the zog console is read-only\n", { status: 405 });
      if (path === "/ui/events") return stream.response(req.signal);
      return staticFile("zog", path) ?? new Response("not found\n", { status: 404, headers: SECURITY_HEADERS });
    },
    close: () => stream.close(),
  };
}
