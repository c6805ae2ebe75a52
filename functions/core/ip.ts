import { isIPv6 } from 'node:net';

/** An address as a header or a URL may write it: `[…]` and an IPv6 zone (`%eth0`) taken off. */
export const unbracket = (address: string) => address.trim().replace(/^\[|\]$/g, '').split('%')[0];

/** The eight 16-bit groups of a valid IPv6 address (dotted IPv4 tails included). */
export function groupsV6(a: string): number[] {
  const [head, tail] = a.split('::');
  const parse = (s: string | undefined) =>
    (s ? s.split(':') : []).flatMap((g) => {
      if (!g.includes('.')) return [Number.parseInt(g, 16)];
      const x = g.split('.').map(Number);
      return [(x[0] << 8) | x[1], (x[2] << 8) | x[3]];
    });
  const h = parse(head);
  const t = parse(tail);
  return [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
}

/** The IPv4 address two groups of an IPv6 address carry. */
export const embeddedV4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * What a client address is counted as by the hourly limits: an IPv4 address itself, and an IPv6
 * address by its /64, the network one subscriber or one host is given whole, and out of which it can
 * take a fresh address for each request. An IPv4 address written as IPv6 (`::ffff:192.0.2.1`) is that
 * IPv4 address. Anything unreadable is counted as it is.
 */
export function rateLimitAddress(address: string): string {
  const a = unbracket(address);
  if (!isIPv6(a)) return address;
  const g = groupsV6(a);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return embeddedV4(g[6], g[7]);
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}
