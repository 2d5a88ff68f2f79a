import { afterAll, expect, test } from "bun:test";
import type { PlainConfig } from "../../lib/vassal/mod.ts";
import { launchVassal } from "../../lib/emperor/vassal_process.ts";
import { vassalLogLostBytes } from "../../lib/emperor/vassal_log.ts";
import { removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

test("output that cannot be written to the vassal's log (a full disk) is counted, and the vassal runs on", async () => {
  const before = vassalLogLostBytes();
  const exited = Promise.withResolvers<number | null>();
  const config = { command: "/bin/echo", args: ["hello"], env: {} } as unknown as PlainConfig;
  // /dev/full fails every write with ENOSPC.
  launchVassal(
    { kind: "plain", config, cwd: tmpDir(), logFile: "/dev/full" },
    { onBytes: () => {}, onExit: (code) => exited.resolve(code) },
  );
  expect(await exited.promise).toBe(0);
  await waitFor(() => vassalLogLostBytes() - before === "hello\n".length, 5000, "the lost bytes counted");
});
