/**
 * The console's browser files, embedded into the executable as text, and the response
 * for each: `/ui/` is the daemon's page, the rest are shared or the page's script.
 *
 * @module
 */
import css from "./ui/console.css" with { type: "text" };
import common from "./ui/common.js" with { type: "text" };
import zogPage from "./ui/zog.html" with { type: "text" };
import zogScript from "./ui/zog.js" with { type: "text" };
import zeusPage from "./ui/zeus.html" with { type: "text" };
import zeusScript from "./ui/zeus.js" with { type: "text" };

/** Which daemon's console. */
export type ConsolePage = "zog" | "zeus";

const JS = "text/javascript; charset=utf-8";
const PAGES: Record<ConsolePage, Record<string, { body: string; type: string }>> = {
  zog: {
    "/ui/": { body: zogPage as unknown as string, type: "text/html; charset=utf-8" },
    "/ui/zog.js": { body: zogScript, type: JS },
  },
  zeus: {
    "/ui/": { body: zeusPage as unknown as string, type: "text/html; charset=utf-8" },
    "/ui/zeus.js": { body: zeusScript, type: JS },
  },
};
const SHARED: Record<string, { body: string; type: string }> = {
  "/ui/console.css": { body: css, type: "text/css; charset=utf-8" },
  "/ui/common.js": { body: common, type: JS },
};

/**
 * The pages may only load their own files and talk to their own daemon; no framing.
 * Each response says so.
 */
export const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/**
 * The response for a static file of `page`'s console, or undefined when `path` is none.
 *
 * @example
 * ```ts
 * staticFile("zog", "/ui/")?.headers.get("content-type"); // "text/html; charset=utf-8"
 * ```
 */
export function staticFile(page: ConsolePage, path: string): Response | undefined {
  if (path === "/ui") return new Response(null, { status: 308, headers: { location: "/ui/" } });
  const f = PAGES[page][path] ?? SHARED[path];
  if (!f) return undefined;
  return new Response(f.body, { headers: { "content-type": f.type, "cache-control": "no-cache", ...SECURITY_HEADERS } });
}

/**
 * Bytes of each embedded file, for the report of what the console adds to the executable.
 *
 * @example
 * ```ts
 * consoleSizes()["/ui/console.css"]; // 4412
 * ```
 */
export function consoleSizes(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [p, f] of Object.entries(SHARED)) out[p] = Buffer.byteLength(f.body);
  for (const [page, files] of Object.entries(PAGES))
    for (const [p, f] of Object.entries(files)) out[`${page} ${p}`] = Buffer.byteLength(f.body);
  return out;
}
