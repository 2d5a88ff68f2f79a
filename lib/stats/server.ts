/**
 * The `--stats ADDR:PORT` endpoint every daemon serves: `GET /status` (JSON),
 * `GET /metrics` (Prometheus text) and `GET /healthz` (200 "ok", or 503 with the reason).
 *
 * @module
 */
import { VERSION } from "../cli/mod.ts";
import { hostPort } from "../net/mod.ts";
import { errCode, UsageError } from "../errors.ts";

/**
 * A `/status` document too large to make at once (zeus's rows of 100 000 vassals): its JSON
 * text as a stream, opening with the keys of `head` (version, started_at, uptime_s).
 */
export interface StreamedStatus {
  streamed(head: Record<string, unknown>): ReadableStream<Uint8Array>;
}

/** What a daemon exposes; each is called per request. */
export interface StatsSource {
  /**
   * `GET /status`, told the query (zeus: `?summary`, `?max=N`, filters): the document, or a
   * {@link StreamedStatus}, or a promise of either (zeus counts a large fleet a slice at a
   * time); a {@link UsageError} answers 400.
   */
  status(query: URLSearchParams): unknown;
  metrics(): string;
  /** `GET /healthz`: 200 when `ok`, else 503, with `text` as the body. Default: 200 "ok". */
  health?(): { ok: boolean; text: string };
  /** `GET|POST /ui/...`: the web console (lib/console/), told the caller's "ip:port". */
  ui?(req: Request, remote: string): Response | Promise<Response>;
}

// When this process started, for /status's started_at and uptime_s.
const STARTED = Date.now() - performance.now();

/** `/status` opens with the same three keys in every daemon: version, started_at, uptime_s. */
function processInfo(): Record<string, unknown> {
  return { version: VERSION, started_at: new Date(STARTED).toISOString(), uptime_s: Math.round((Date.now() - STARTED) / 100) / 10 };
}

function withProcessInfo(status: unknown): unknown {
  if (typeof status !== "object" || status === null || Array.isArray(status)) return status;
  return { ...processInfo(), ...status };
}

const isStreamed = (s: unknown): s is StreamedStatus => typeof (s as StreamedStatus | null)?.streamed === "function";

async function statusResponse(source: StatsSource, query: URLSearchParams): Promise<Response> {
  try {
    const status: unknown = await source.status(query);
    if (isStreamed(status)) return new Response(status.streamed(processInfo()), { headers: { "content-type": "application/json" } });
    return Response.json(withProcessInfo(status));
  } catch (e) {
    if (e instanceof UsageError) return new Response(`${e.message}\n`, { status: 400 });
    throw e;
  }
}

/** A running stats server. */
export interface StatsServer {
  /** The bound port (useful with port 0). */
  port: number;
  stop(): void;
}

/**
 * Serves `source` on host:port.
 *
 * @throws {Error} `cannot serve --stats on HOST:PORT: address in use` when it cannot be bound
 * @example
 * ```ts
 * const s = serveStats("127.0.0.1", 9100, { status: () => ({ ok: true }), metrics: () => "" });
 * ```
 */
export function serveStats(host: string, port: number, source: StatsSource): StatsServer {
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: host,
      port,
      fetch(req, srv) {
        const url = new URL(req.url);
        const path = url.pathname;
        if (source.ui && (path === "/ui" || path.startsWith("/ui/"))) {
          srv.timeout(req, 0); // the console's event streams stay open
          const ip = srv.requestIP(req);
          return source.ui(req, ip ? hostPort(ip.address, ip.port) : "?");
        }
        if (path === "/status") return statusResponse(source, url.searchParams);
        if (path === "/healthz") {
          const h = source.health?.() ?? { ok: true, text: "ok" };
          return new Response(`${h.text}\n`, { status: h.ok ? 200 : 503 });
        }
        if (path === "/metrics") return new Response(source.metrics(), { headers: { "content-type": "text/plain; version=0.0.4" } });
        const ui = source.ui ? ", /ui/" : "";
        return new Response(`not found: try /status, /metrics${ui} or /healthz\n`, { status: 404 });
      },
    });
  } catch (e) {
    const code = errCode(e);
    const why = code === "EADDRINUSE" || /in use/i.test((e as Error).message) ? "address in use" : code;
    throw new Error(`cannot serve --stats on ${hostPort(host, port)}: ${why}`, { cause: e });
  }
  return { port: server.port ?? port, stop: () => void server.stop(true) };
}
