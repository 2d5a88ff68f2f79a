/**
 * The one way an address is written in logs, errors and status: "host:port", with an
 * IPv6 host in brackets ("[::1]:4040") so the port stays readable.
 *
 * @module
 */

/**
 * `host:port`, or `[host]:port` when the host is an IPv6 address.
 *
 * @example
 * ```ts
 * hostPort("127.0.0.1", 4040); // "127.0.0.1:4040"
 * hostPort("::1", 4040); // "[::1]:4040"
 * ```
 */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
