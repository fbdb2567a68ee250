import { isIP } from 'node:net';

/**
 * Whether `host` (a listen host or a peer address) is a loopback address: `localhost`, 127.0.0.0/8,
 * `::1`, or 127.x as an IPv4-mapped IPv6 address. Brackets around IPv6 are accepted.
 */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}
