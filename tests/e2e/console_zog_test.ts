// zog's web console in a real headless chromium: the five-node ring drawn live, a node
// killed with SIGKILL goes red, messages sent meanwhile pile up as backlog owed to it,
// and once it is back the backlog drains to nothing; accessible and usable on a phone.
import { afterAll, afterEach, expect, test } from "bun:test";
import {
  browserAvailable,
  fitsWidth,
  launchBrowser,
  maybeScreenshot,
  openPage,
  seriousA11yFindings,
  type TestBrowser,
  until,
} from "../helpers/browser.ts";
import { killAll, removeTmpDirs } from "../helpers/procs.ts";
import { WireClient } from "../helpers/wire_client.ts";
import { startNode, startTestRing } from "../helpers/ring_setup.ts";

let browser: TestBrowser | undefined;
afterEach(async () => {
  await browser?.close();
  await killAll();
});
afterAll(removeTmpDirs);

test.skipIf(!browserAvailable())(
  "zog console: a SIGKILLed node goes red, and comes back with the backlog owed to it draining",
  async () => {
    const { ring, stats, procs } = await startTestRing("127.23.1");
    browser = await launchBrowser();
    const { page, errors } = await openPage(browser, `http://127.23.1.11:${stats}/ui/`);

    const nodeState = (name: string, state: string) =>
      until(
        page,
        new Function(`return document.querySelector('g[data-node="${name}"]')?.dataset.state === "${state}"`) as () => boolean,
        15_000,
        `node ${name} drawn ${state}`,
      );
    for (const n of ring.names) await nodeState(n, "up");
    // Every node's sequence is read from its own stats (same port, its own host).
    await until(page, () => document.querySelectorAll("#nodes tbody tr td:nth-child(3)")[4]?.textContent === "0", 5000, "S's sequence");
    expect(await seriousA11yFindings(page)).toEqual([]);
    expect(await fitsWidth(page, 390)).toBe(true);

    const group = await WireClient.connect("127.23.1.11", ring.clientPort);
    expect(await group.subscribe({ group: "billing" })).toBeUndefined();
    process.kill(procs.get("PA")!.pid, "SIGKILL");
    await procs.get("PA")!.exited;
    await nodeState("PA", "down");
    const fill = await page.$eval('g[data-node="PA"] circle', (c) => getComputedStyle(c).stroke);
    expect(fill).toBe("rgb(164, 23, 27)"); // --bad: red

    const client = await WireClient.connect("127.23.1.11", ring.clientPort);
    for (let i = 0; i < 20; i++) expect(await client.send(`c-${i}`, `0console ${i}\r\n`)).toBeUndefined();
    client.close();
    const owed = () => page.$eval('#links tr[data-peer="PA"]', (tr) => Number((tr as HTMLElement).dataset.backlog));
    await until(
      page,
      () => Number(document.querySelector<HTMLElement>('#links tr[data-peer="PA"]')?.dataset.backlog) >= 20,
      5000,
      "20 owed to PA",
    );
    expect(await owed()).toBeGreaterThanOrEqual(20);
    // The group took the 20 messages and acknowledged none: 20 behind.
    await until(
      page,
      () => document.querySelector('#positions tr[data-position="billing"] td:nth-child(4)')?.textContent === "20",
      5000,
      "billing 20 behind",
    );
    await maybeScreenshot(page, "console-zog.png");

    procs.set("PA", startNode(ring, "PA", stats));
    await until(
      page,
      () => {
        const tr = document.querySelector<HTMLElement>('#links tr[data-peer="PA"]');
        return tr?.dataset.state === "up" && tr.dataset.backlog === "0";
      },
      20_000,
      "PA's link up again with nothing owed",
    );
    await nodeState("PA", "up");
    group.close();
    expect(errors).toEqual([]);
  },
  90_000,
);
