/**
 * The `--stats ADDR:PORT` endpoint every daemon serves: `GET /status` (JSON),
 * `GET /metrics` (Prometheus text) and `GET /healthz` (200 "ok", or 503 with the reason).
 *
 * @module
 */

/** What a daemon exposes; each is called per request. */
export interface StatsSource {
  status(): unknown;
  metrics(): string;
  /** Why the daemon is not doing its job (`/healthz` answers 503 with it), or undefined (200). */
  health?(): string | undefined;
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
      fetch(req) {
        const path = new URL(req.url).pathname;
        if (path === "/status") return Response.json(source.status());
        if (path === "/metrics") return new Response(source.metrics(), { headers: { "content-type": "text/plain; version=0.0.4" } });
        if (path === "/healthz") {
          const problem = source.health?.();
          return new Response(problem ? `${problem}\n` : "ok\n", { status: problem ? 503 : 200 });
        }
        return new Response("not found: try /status, /metrics or /healthz\n", { status: 404 });
      },
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "EADDRINUSE" || /in use/i.test(err.message) ? "address in use" : (err.code ?? err.message);
    throw new Error(`cannot serve --stats on ${host.includes(":") ? `[${host}]` : host}:${port}: ${why}`);
  }
  return { port: server.port ?? port, stop: () => void server.stop(true) };
}
