/**
 * A real headless browser for the console tests: Debian's chromium driven by
 * puppeteer-core, a fresh profile each time, killed by pid; axe-core's accessibility check
 * injected into a page.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { tmpDir } from "./procs.ts";

/** Where Debian installs chromium (`.ci/run` installs it). */
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/**
 * Whether the browser tests can run. Without chromium they are skipped, loudly; where
 * `ZOG_REQUIRE_BROWSER=1` (CI) a missing chromium is a failure instead.
 */
export function browserAvailable(): boolean {
  const missing = !existsSync(CHROMIUM)
    ? `${CHROMIUM} is missing (apt-get install chromium)`
    : !existsSync(join(import.meta.dir, "../../node_modules/puppeteer-core"))
      ? "node_modules/puppeteer-core is missing (npm ci)"
      : undefined;
  if (!missing) return true;
  if (process.env.ZOG_REQUIRE_BROWSER === "1") throw new Error(`${missing} and ZOG_REQUIRE_BROWSER=1: the console tests cannot run`);
  console.warn(`\n${"!".repeat(78)}\n!! ${missing}: the web console tests are SKIPPED\n${"!".repeat(78)}\n`);
  return false;
}

/** A launched browser and the pid to kill. */
export interface TestBrowser {
  browser: Browser;
  pid: number;
  /** Closes the browser, then kills its pid if it is still there. */
  close(): Promise<void>;
}

/**
 * Launches headless chromium with a fresh profile.
 *
 * @example
 * ```ts
 * const b = await launchBrowser(); const page = await b.browser.newPage(); ... await b.close();
 * ```
 */
export async function launchBrowser(): Promise<TestBrowser> {
  // Imported here, so that a missing puppeteer-core skips (see browserAvailable) rather than breaks the file.
  const { default: puppeteer } = await import("puppeteer-core");
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    defaultViewport: { width: 1200, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${tmpDir("chromium-")}`,
    ],
  });
  const pid = browser.process()?.pid ?? -1;
  return {
    browser,
    pid,
    close: async () => {
      await browser.close().catch(() => undefined);
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // closed already
      }
    },
  };
}

/**
 * A new page (in its own browser context: its own cookies) opened at `url`, with the
 * page's script errors collected. The Content-Security-Policy is bypassed so that
 * axe-core can be injected.
 *
 * @example
 * ```ts
 * const { page, errors } = await openPage(b, "http://127.0.0.1:4041/ui/"); ... expect(errors).toEqual([]);
 * ```
 */
export async function openPage(b: TestBrowser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await (await b.browser.createBrowserContext()).newPage();
  await page.setBypassCSP(true);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push((e as Error).message));
  await page.goto(url);
  return { page, errors };
}

/** One accessibility finding of axe-core. */
export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core in `page` and returns its serious and critical findings. The pages'
 * Content-Security-Policy forbids injected scripts, so the page must have been opened
 * after `page.setBypassCSP(true)`.
 */
export async function seriousA11yFindings(page: Page): Promise<AxeFinding[]> {
  await page.addScriptTag({ content: readFileSync(join(import.meta.dir, "../../node_modules/axe-core/axe.min.js"), "utf8") });
  const found = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: any[] }> } }).axe;
    const r = await axe.run();
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n: any) => n.html) }));
  })) as AxeFinding[];
  return found.filter((f) => f.impact === "serious" || f.impact === "critical");
}

/**
 * Whether the page fits `width` without scrolling sideways (wide tables scroll inside their
 * box); the viewport is put back to 1200 × 900 afterwards. (Mobile emulation is left off:
 * switching it reloads the page.)
 */
export async function fitsWidth(page: Page, width: number): Promise<boolean> {
  await page.setViewport({ width, height: 800 });
  const fits = await page.evaluate((w) => document.documentElement.scrollWidth <= w, width);
  await page.setViewport({ width: 1200, height: 900 });
  return fits;
}

/** Writes a screenshot of `page` to docs/NAME when SCREENSHOTS=1 (run by hand to refresh them). */
export async function maybeScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS !== "1") return;
  await page.screenshot({ path: join(import.meta.dir, "../../docs", name) as `${string}.png`, fullPage: true });
}

/**
 * Waits until `fn` (run in the page) returns a truthy value.
 *
 * @example
 * ```ts
 * await until(page, () => document.querySelector('[data-node="PA"]')?.getAttribute("data-state") === "down", 10_000, "PA red");
 * ```
 */
export async function until(page: Page, fn: () => unknown, timeoutMs: number, what: string): Promise<void> {
  try {
    await page.waitForFunction(fn, { timeout: timeoutMs, polling: 50 });
  } catch (e) {
    throw new Error(`timed out after ${timeoutMs} ms waiting in the page for ${what}`, { cause: e });
  }
}
