import { expect, test } from "bun:test";
import { consoleSizes, staticFile } from "../../lib/console/static_files.ts";

test("the consoles are small and load nothing from elsewhere", async () => {
  const sizes = consoleSizes();
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  console.log(`console files embedded: ${JSON.stringify(sizes)}, ${total} bytes in all`);
  expect(total).toBeLessThan(200 * 1024);
  for (const page of ["zog", "zeus"] as const) {
    const html = await staticFile(page, "/ui/")!.text();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(staticFile(page, "/ui/")!.headers.get("content-security-policy")).toContain("default-src 'none'; script-src 'self'");
  }
  expect(staticFile("zog", "/ui/zeus.js")).toBeUndefined();
  expect(staticFile("zeus", "/ui")!.headers.get("location")).toBe("/ui/");
});
