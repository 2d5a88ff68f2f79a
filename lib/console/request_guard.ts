/**
 * What a console request must show before it may act: that it comes from the console's
 * own page (not another site the browser has open, not a DNS name rebound to this
 * address), and its session cookie.
 *
 * @module
 */
import { SESSION_TTL_MS } from "./console_auth.ts";

/** Host headers a console answers admin requests for: address literals and localhost. */
const LITERAL_HOST = /^(localhost|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\])(:\d+)?$/;

/**
 * Why `req` is not the console page's own request (undefined when it is): its Host must be
 * an address literal or localhost, its Origin (when sent) this very host, its
 * Sec-Fetch-Site (when sent) same-origin, and a POST must carry `x-zog-console: 1`, which
 * a cross-site form cannot send.
 *
 * @example
 * ```ts
 * sameSite(new Request("http://127.0.0.1:4041/ui/api/action", { method: "POST" })); // "... x-zog-console ..."
 * ```
 */
export function sameSite(req: Request): string | undefined {
  const host = req.headers.get("host") ?? new URL(req.url).host;
  if (!LITERAL_HOST.test(host)) return `the console acts only when reached by address or localhost, not as "${host}"`;
  const origin = req.headers.get("origin");
  if (origin !== null && origin !== `http://${host}`) return `a request from ${origin}, not from the console's page`;
  const site = req.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return `a ${site} request, not from the console's page`;
  if (req.method !== "GET" && req.headers.get("x-zog-console") !== "1") return "a request without the console's x-zog-console header";
  return undefined;
}

const cookieName = (port: number) => `zog_console_${port}`;

/**
 * The session cookie of the console on `port` (cookies are shared by every port of a host).
 *
 * @example
 * ```ts
 * sessionOf(new Request("http://127.0.0.1:4041/ui/", { headers: { cookie: "zog_console_4041=ab12" } }), 4041); // "ab12"
 * ```
 */
export function sessionOf(req: Request, port: number): string | undefined {
  const name = cookieName(port);
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const [k, v] = part.trim().split("=", 2);
    if (k === name && v) return v;
  }
  return undefined;
}

/**
 * The Set-Cookie value that opens `session` in the browser (`maxAgeS` 0: ends it).
 *
 * @example
 * ```ts
 * sessionCookie(4041, "ab12"); // "zog_console_4041=ab12; HttpOnly; SameSite=Strict; Path=/ui; Max-Age=3600"
 * ```
 */
export function sessionCookie(port: number, session: string, maxAgeS = SESSION_TTL_MS / 1000): string {
  return `${cookieName(port)}=${session}; HttpOnly; SameSite=Strict; Path=/ui; Max-Age=${maxAgeS}`;
}
