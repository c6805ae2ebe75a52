import { isIPv4, isIPv6 } from 'node:net';
import { embeddedV4, groupsV6, unbracket } from './ip.ts';

/**
 * Classifies an address a webhook (or a processor's results_url) might be sent to. Only public
 * unicast addresses are fair game: anything else could reach the shop's own network, the host
 * itself or the cloud metadata service (SSRF). Loopback is allowed only in the local configuration.
 */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'reserved';

type V4 = [number, number, number, number];
const v4 = (a: string) => a.split('.').map(Number) as V4;
const n32 = (x: V4) => ((x[0] << 24) | (x[1] << 16) | (x[2] << 8) | x[3]) >>> 0;
const inV4 = (ip: V4, base: string, bits: number) => {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (n32(ip) & mask) === (n32(v4(base)) & mask);
};

/** Instance metadata, ECS task metadata: reachable from inside AWS, never a processor. */
const METADATA_V4 = ['169.254.169.254', '169.254.170.2'];
const PRIVATE_V4: [string, number][] = [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10], // carrier-grade NAT
];
const RESERVED_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the host itself on Linux
  ['192.0.0.0', 24],
  ['192.0.2.0', 24], // TEST-NET-1..3: documentation only
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and broadcast
];

function classifyV4(a: string): AddressClass {
  const ip = v4(a);
  if (METADATA_V4.includes(a)) return 'metadata';
  if (inV4(ip, '127.0.0.0', 8)) return 'loopback';
  if (PRIVATE_V4.some(([b, bits]) => inV4(ip, b, bits))) return 'private';
  if (inV4(ip, '169.254.0.0', 16)) return 'link-local';
  if (RESERVED_V4.some(([b, bits]) => inV4(ip, b, bits))) return 'reserved';
  return 'public';
}

const zero = (g: number[]) => g.every((x) => x === 0);

export function classifyAddress(address: string): AddressClass {
  const a = unbracket(address);
  if (isIPv4(a)) return classifyV4(a);
  if (!isIPv6(a)) return 'reserved';
  const g = groupsV6(a);
  // IPv6 forms that carry an IPv4 address are judged by that address: ::ffff:a.b.c.d (mapped),
  // 64:ff9b::a.b.c.d (NAT64, which the VPC's gateway would translate), 2002:AABB:CCDD:: (6to4).
  if (zero(g.slice(0, 5)) && g[5] === 0xffff) return classifyV4(embeddedV4(g[6], g[7]));
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(g.slice(2, 6))) return classifyV4(embeddedV4(g[6], g[7]));
  if (g[0] === 0x2002) return classifyV4(embeddedV4(g[1], g[2])) === 'public' ? 'public' : 'reserved';
  if (zero(g.slice(0, 7)) && g[7] === 1) return 'loopback'; // ::1
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && zero(g.slice(2, 7)) && g[7] === 0x254) return 'metadata'; // fd00:ec2::254
  if ((g[0] & 0xfe00) === 0xfc00) return 'private'; // fc00::/7, unique local
  if ((g[0] & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  // Only global unicast (2000::/3) is public: outside it are the unspecified address, the deprecated
  // IPv4-compatible ::a.b.c.d, NAT64's local-use 64:ff9b:1::/48, 100::/64 (discard), the deprecated
  // site-local fec0::/10, multicast, and space IANA has not allocated: no processor's endpoint.
  if ((g[0] & 0xe000) !== 0x2000) return 'reserved';
  if (g[0] === 0x2001 && (g[1] === 0x0db8 || g[1] === 0)) return 'reserved'; // documentation, Teredo
  return 'public';
}

/** True for a public address, or a loopback one when the local configuration allows it. */
export const isAllowedTarget = (address: string, allowLoopback: boolean) => {
  const c = classifyAddress(address);
  return c === 'public' || (allowLoopback && c === 'loopback');
};
