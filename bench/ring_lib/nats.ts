/**
 * A minimal NATS client over node:net for the ring benchmark's comparison: CONNECT, PUB,
 * SUB, PING/PONG and MSG, the text protocol only. Not a general client.
 *
 * @module
 */
import { connect, type Socket } from "node:net";

/** A received MSG. */
export interface NatsMsg {
  subject: string;
  sid: string;
  reply?: string;
  payload: Buffer;
}

/**
 * One NATS connection.
 *
 * @example
 * ```ts
 * const nc = await NatsConn.open("127.4.1.1", 4222);
 * nc.pub("bench", payload); await nc.ping();
 * ```
 */
export class NatsConn {
  #socket: Socket;
  #buf: Buffer = Buffer.alloc(0);
  #pongs: (() => void)[] = [];
  #out: (string | Buffer)[] = [];
  #flushing = false;
  /** Called for each MSG. */
  onMsg: (m: NatsMsg) => void = () => {};

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (d: Buffer) => this.#receive(d));
  }

  /** Connects, waits for INFO, sends CONNECT. */
  static open(host: string, port: number): Promise<NatsConn> {
    return new Promise((res, rej) => {
      const s = connect({ host, port });
      s.setNoDelay(true);
      s.once("error", rej);
      s.once("data", (d: Buffer) => {
        if (!d.toString().startsWith("INFO ")) return rej(new Error(`not a NATS server: ${d.toString().slice(0, 40)}`));
        const nc = new NatsConn(s);
        const rest = d.subarray(d.indexOf("\r\n") + 2);
        if (rest.length > 0) nc.#receive(rest);
        nc.#write(`CONNECT {"verbose":false,"pedantic":false,"headers":false,"name":"ring-bench"}\r\n`);
        res(nc);
      });
    });
  }

  /** Publishes `payload` to `subject`, with an optional reply subject. */
  pub(subject: string, payload: Buffer, reply?: string): void {
    this.#write(`PUB ${subject}${reply ? ` ${reply}` : ""} ${payload.length}\r\n`);
    this.#write(payload);
    this.#write("\r\n");
  }

  /** Subscribes `sid` to `subject`. */
  sub(subject: string, sid: string): void {
    this.#write(`SUB ${subject} ${sid}\r\n`);
  }

  /** Sends PING; resolves at its PONG (the server has processed everything before it). */
  ping(): Promise<void> {
    return new Promise((res) => {
      this.#pongs.push(res);
      this.#write("PING\r\n");
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  // Coalesce the frames of one tick into one socket write.
  #write(part: string | Buffer): void {
    this.#out.push(part);
    if (this.#flushing) return;
    this.#flushing = true;
    queueMicrotask(() => {
      this.#flushing = false;
      const parts = this.#out.splice(0);
      this.#socket.write(Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p))));
    });
  }

  #receive(d: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, d]) : d;
    for (;;) {
      const eol = this.#buf.indexOf("\r\n");
      if (eol < 0) return;
      const line = this.#buf.subarray(0, eol).toString();
      if (line.startsWith("MSG ")) {
        const f = line.split(" ");
        const size = Number(f[f.length - 1]);
        if (this.#buf.length < eol + 2 + size + 2) return;
        const payload = this.#buf.subarray(eol + 2, eol + 2 + size);
        this.#buf = this.#buf.subarray(eol + 2 + size + 2);
        this.onMsg({ subject: f[1]!, sid: f[2]!, reply: f.length === 5 ? f[3] : undefined, payload });
        continue;
      }
      this.#buf = this.#buf.subarray(eol + 2);
      if (line === "PONG") this.#pongs.shift()?.();
      else if (line === "PING") this.#write("PONG\r\n");
      else if (line.startsWith("-ERR")) throw new Error(`NATS: ${line}`);
    }
  }
}
