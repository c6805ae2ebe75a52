import { isIPv4, isIPv6 } from 'node:net';

/**
 * Classifies an address a webhook might be sent to. Only public unicast addresses are fair game:
 * anything else could reach the shop's own network or the cloud metadata service (SSRF).
 */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'reserved';

const v4 = (a: string) => a.split('.').map(Number);
const inV4 = (ip: number[], base: string, bits: number) => {
  const b = v4(base);
  const n = (x: number[]) => ((x[0] << 24) | (x[1] << 16) | (x[2] << 8) | x[3]) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (n(ip) & mask) === (n(b) & mask);
};

function classifyV4(a: string): AddressClass {
  const ip = v4(a);
  if (a === '169.254.169.254' || a === '169.254.170.2') return 'metadata';
  if (inV4(ip, '127.0.0.0', 8)) return 'loopback';
  if (inV4(ip, '10.0.0.0', 8) || inV4(ip, '172.16.0.0', 12) || inV4(ip, '192.168.0.0', 16) || inV4(ip, '100.64.0.0', 10)) return 'private';
  if (inV4(ip, '169.254.0.0', 16)) return 'link-local';
  if (inV4(ip, '0.0.0.0', 8) || inV4(ip, '224.0.0.0', 4) || inV4(ip, '240.0.0.0', 4) || inV4(ip, '192.0.0.0', 24) || inV4(ip, '198.18.0.0', 15)) return 'reserved';
  return 'public';
}

function expandV6(a: string): number[] {
  const [head, tail] = a.toLowerCase().split('::');
  const parse = (s: string | undefined) => (s ? s.split(':') : []).flatMap((g) => (g.includes('.') ? [(v4(g)[0] << 8) | v4(g)[1], (v4(g)[2] << 8) | v4(g)[3]] : [Number.parseInt(g, 16)]));
  const h = parse(head);
  const t = parse(tail);
  return tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
}

export function classifyAddress(address: string): AddressClass {
  const a = address.replace(/^\[|\]$/g, '').split('%')[0];
  if (isIPv4(a)) return classifyV4(a);
  if (!isIPv6(a)) return 'reserved';
  const g = expandV6(a);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return classifyV4(`${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`);
  if (g.every((x) => x === 0)) return 'reserved';
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback';
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && g.slice(2, 7).every((x) => x === 0) && g[7] === 0x254) return 'metadata';
  if ((g[0] & 0xfe00) === 0xfc00) return 'private';
  if ((g[0] & 0xffc0) === 0xfe80) return 'link-local';
  if ((g[0] & 0xff00) === 0xff00) return 'reserved';
  return 'public';
}

export const isAllowedTarget = (address: string, allowLoopback: boolean) => {
  const c = classifyAddress(address);
  return c === 'public' || (allowLoopback && c === 'loopback');
};
