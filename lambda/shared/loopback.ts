/**
 * Whether a URL host (as `URL.hostname` spells it) is this machine, for the one exception to
 * "https only": plain `http://` to a local simulator or OAuth server during development and tests.
 *
 * What counts, and why:
 * - `localhost` and `*.localhost`: RFC 6761 §6.3 reserves the whole name for loopback (browsers
 *   treat both as secure contexts for the same reason);
 * - all of `127.0.0.0/8`: RFC 1122 §3.2.1.3 makes the whole block loopback (`127.0.0.2` is as local
 *   as `127.0.0.1`); a dotted quad only, since `URL` already turns `127.1` or `0x7f.1` into one;
 * - `[::1]`, the only IPv6 loopback address; `URL` compresses every spelling of it to this one.
 *
 * Not loopback: `0.0.0.0` and `[::]` (unspecified, "any interface", not a destination), and
 * IPv4-mapped `[::ffff:127.0.0.1]`, which `URL` keeps in hex and no tool of ours uses.
 *
 * @example
 * isLoopbackHost(new URL('http://127.0.0.1:8787').hostname); // true
 * isLoopbackHost('example.com');                               // false
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    IPV4_LOOPBACK.test(host)
  );
}

const IPV4_LOOPBACK = /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
