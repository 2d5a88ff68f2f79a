/**
 * The `--stats ADDR:PORT` endpoint every daemon serves: `GET /status` (JSON) and
 * `GET /metrics` (Prometheus text).
 *
 * @module
 */

/** What a daemon exposes; both are called per request. */
export interface StatsSource {
  status(): unknown;
  metrics(): string;
  /** `GET /healthz`: 200 when `ok`, else 503, with `text` as the body. Default: 200 "ok". */
  health?(): { ok: boolean; text: string };
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
 * @throws {Error} when the address cannot be bound
 * @example
 * ```ts
 * const s = serveStats("127.0.0.1", 9100, { status: () => ({ ok: true }), metrics: () => "" });
 * ```
 */
export function serveStats(host: string, port: number, source: StatsSource): StatsServer {
  const server = Bun.serve({
    hostname: host,
    port,
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/status") return Response.json(source.status());
      if (path === "/healthz") {
        const h = source.health?.() ?? { ok: true, text: "ok" };
        return new Response(`${h.text}\n`, { status: h.ok ? 200 : 503 });
      }
      if (path === "/metrics") return new Response(source.metrics(), { headers: { "content-type": "text/plain; version=0.0.4" } });
      return new Response("not found: try /status or /metrics\n", { status: 404 });
    },
  });
  return { port: server.port ?? port, stop: () => void server.stop(true) };
}
