// Issue 21 item 7: ack_wait is a bound. A SIGSTOPped member's messages all move to the
// other member at ack_wait, and once continued it processes none of them (MOVED).
import { afterAll, expect, test } from "bun:test";
import { killAll, removeTmpDirs, waitFor } from "../helpers/procs.ts";
import { status } from "../helpers/ring_setup.ts";
import { batch, listen, printed, send, twoNodes } from "./_listen.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

test("a stopped member's jobs move at ack_wait; after SIGCONT it does not process them again", async () => {
  const { ring, stats } = await twoNodes("127.3.9");
  const [a, b] = [0, 1].map(() => listen(ring, 0, ["--group", "stall", "--ack-wait", "2"]));
  await waitFor(async () => (await status(ring, "A", stats))?.listeners === 2, 10_000, "two members");
  a!.child.kill("SIGSTOP");
  // One job at a time: they alternate between the members, so a holds about half.
  const jobs = batch("job", 10);
  for (const job of jobs) await send(ring, ring.hosts[0]!, [job]);
  // Every job reaches b within ack_wait (2 s) + 1 s (+ 1.5 s for a loaded machine); the
  // old rule sent some back to the stopped member, moving them only at 3 x ack_wait.
  await waitFor(() => printed(b!).filter((g) => g.content.startsWith("job")).length === 10, 4500, "all ten on b");
  a!.child.kill("SIGCONT");
  // a reads what waited in its socket (the jobs, then MOVED) before anything new: once it
  // prints a later job, it has dropped or processed the moved ones.
  let n = 0;
  await waitFor(
    async () => {
      await send(ring, ring.hosts[0]!, [`later ${n++}`]);
      return printed(a!).some((g) => g.content.startsWith("later"));
    },
    20_000,
    "a working again",
  );
  expect(printed(a!).filter((g) => g.content.startsWith("job"))).toEqual([]);
  // /status counts the group's moves (a's share of the ten jobs).
  const st = await status(ring, "A", stats);
  const group = st.store.positions.find((p: { name: string }) => p.name === "stall");
  expect(group.redeliveries).toBeGreaterThan(0);
  expect(group.late_acks).toBe(0); // a dropped the moved jobs: it acknowledged none of them
}, 60_000);
