import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { StreamFrameBody } from "../../lib/admin/frames.ts";
import { TTY_PAUSE_AT, TtyOutput } from "../../lib/exec/tty_output.ts";
import { SendWindow } from "../../lib/exec/window.ts";

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) process.kill(-pid, "SIGKILL");
});

function output(window: number) {
  const sent: number[] = [];
  const out = new SendWindow(window);
  const tty = new TtyOutput(out, (f: StreamFrameBody) => {
    if (f.type === "DATA") sent.push(f.data.byteLength);
  });
  return { out, tty, sent };
}

/** The state letter of /proc/PID/stat: "S" sleeping, "T" stopped. */
const stateOf = (pid: number) => {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  return text.slice(text.lastIndexOf(")") + 2)[0];
};

async function until(cond: () => boolean, what: string): Promise<void> {
  // The poll interval of a wait for a condition.
  for (const deadline = Date.now() + 5000; !cond(); await Bun.sleep(5)) if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
}

test("output goes as the window allows, the rest when the caller grants more", () => {
  const { out, tty, sent } = output(10);
  tty.push(new Uint8Array(25));
  expect(sent).toEqual([10]);
  out.grant(8);
  tty.pump();
  expect(sent).toEqual([10, 8]);
  out.grant(100);
  tty.pump();
  expect(sent).toEqual([10, 8, 7]);
});

test("done waits for the terminal's end and for every byte to be sent; close() ends it at once", async () => {
  const { out, tty } = output(4);
  let done = false;
  void tty.done.then(() => (done = true));
  tty.push(new Uint8Array(6));
  tty.exited();
  // One turn of the event loop for `done` to settle (or, the first time, to wrongly settle).
  await Bun.sleep(0);
  expect(done).toBe(false);
  out.grant(2);
  tty.pump();
  // One turn of the event loop for `done` to settle (or, the first time, to wrongly settle).
  await Bun.sleep(0);
  expect(done).toBe(true);

  const killed = output(0);
  killed.tty.push(new Uint8Array(6));
  killed.out.close();
  killed.tty.close();
  await killed.tty.done;
  expect(killed.sent).toEqual([]);
});

test("a caller far behind stops the command (SIGSTOP); it goes on (SIGCONT) once the caller has caught up", async () => {
  const child = Bun.spawn(["sleep", "30"], { detached: true });
  started.push(child.pid);
  const { out, tty, sent } = output(0);
  tty.started(child.pid);
  tty.push(new Uint8Array(TTY_PAUSE_AT));
  expect(stateOf(child.pid)).not.toBe("T");
  tty.push(new Uint8Array(1));
  await until(() => stateOf(child.pid) === "T", "the command stopped");
  out.grant(TTY_PAUSE_AT - TTY_PAUSE_AT / 4);
  tty.pump();
  expect(stateOf(child.pid)).toBe("T");
  out.grant(2);
  tty.pump();
  await until(() => stateOf(child.pid) !== "T", "the command going on");
  expect(sent.reduce((a, b) => a + b, 0)).toBe(TTY_PAUSE_AT - TTY_PAUSE_AT / 4 + 2);
});
