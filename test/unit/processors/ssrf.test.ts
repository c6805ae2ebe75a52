import { describe, expect, it } from 'vitest';
import { type AddressClass, classifyAddress, isAllowedTarget } from '../../../functions/core/ssrf.ts';

const cases: [string, AddressClass][] = [
  // public unicast
  ['93.184.216.34', 'public'],
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['172.15.255.255', 'public'], // just below 172.16/12
  ['172.32.0.0', 'public'], // just above it
  ['100.63.255.255', 'public'], // just below CGNAT
  ['100.128.0.0', 'public'], // just above it
  ['11.0.0.0', 'public'],
  ['2606:4700:4700::1111', 'public'],
  ['2a00:1450:4007:80e::200e', 'public'],
  ['2002:5db8:d822::1', 'public'], // 6to4 of a public address
  // loopback
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  // private
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.10', 'private'],
  ['100.64.0.1', 'private'],
  ['100.127.255.255', 'private'],
  ['fc00::1', 'private'],
  ['fd12:3456:789a::1', 'private'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:192.168.0.1', 'private'],
  ['64:ff9b::10.0.0.1', 'private'], // NAT64 of a private address
  // link-local
  ['169.254.0.1', 'link-local'],
  ['169.254.170.23', 'link-local'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf::1', 'link-local'],
  // metadata
  ['169.254.169.254', 'metadata'],
  ['169.254.170.2', 'metadata'],
  ['fd00:ec2::254', 'metadata'],
  ['FD00:EC2:0:0:0:0:0:254', 'metadata'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::ffff:a9fe:a9fe', 'metadata'],
  ['64:ff9b::169.254.169.254', 'metadata'],
  // reserved and unusable
  ['0.0.0.0', 'reserved'],
  ['0.1.2.3', 'reserved'],
  ['192.0.0.8', 'reserved'], // IETF protocol assignments (192.0.0.0/24)
  ['192.0.0.255', 'reserved'],
  ['192.0.1.1', 'public'], // just past 192.0.0.0/24
  ['192.0.2.1', 'reserved'],
  ['198.51.100.7', 'reserved'],
  ['203.0.113.9', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['224.0.0.1', 'reserved'],
  ['239.255.255.250', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'reserved'],
  ['::', 'reserved'],
  ['::127.0.0.1', 'reserved'],
  ['::a9fe:a9fe', 'reserved'],
  ['ff02::1', 'reserved'],
  ['fec0::1', 'reserved'],
  ['2001:db8::1', 'reserved'],
  ['2001:0:4136:e378::1', 'reserved'], // Teredo
  ['2002:a9fe:a9fe::1', 'reserved'], // 6to4 of the metadata address
  ['2002:0a00:0001::1', 'reserved'], // 6to4 of 10.0.0.1
  ['100::1', 'reserved'],
  // IPv6 outside global unicast (2000::/3) is never public, whatever carries it
  ['1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'], // just below 2000::/3
  ['2000::1', 'public'], // its first address
  ['3fff:ffff::1', 'public'], // its last /32
  ['4000::1', 'reserved'], // just above it
  ['::2', 'reserved'],
  ['::1:1', 'reserved'],
  ['0:0:0:0:0:1:0:1', 'reserved'],
  ['::ffff:0:8.8.8.8', 'reserved'], // IPv4-translated (SIIT), not the mapped form
  ['64:ff9b:1::8.8.8.8', 'reserved'], // NAT64's local-use prefix: a private translator
  ['64:ff9b:1::10.0.0.1', 'reserved'],
  ['64:ff9b::1:8.8.8.8', 'reserved'], // inside 64:ff9b::/32 but not the well-known /96
  ['64:ff9a::10.0.0.1', 'reserved'],
  ['65:ff9b::10.0.0.1', 'reserved'],
  ['64:ff9b::8.8.8.8', 'public'], // NAT64 of a public address
  ['2001:db9::1', 'public'], // just past the documentation /32
  ['2001:1::1', 'public'], // just past Teredo's /32
  // the metadata address exactly, not its neighbours (unique local, so private)
  ['fd00:ec2::253', 'private'],
  ['fd00:ec3::254', 'private'],
  ['fd01:ec2::254', 'private'],
  ['fd00:ec2:0:0:0:0:1:254', 'private'],
  ['fd00:ec2:0:1::254', 'private'],
  // not addresses at all: refused rather than guessed
  ['localhost', 'reserved'],
  ['2001:4860:zzzz::1', 'reserved'], // looks global, is no address
  ['2001:4860::1::2', 'reserved'], // two '::'
  ['::]1', 'reserved'], // brackets only around the whole address
  ['::[1', 'reserved'],
  ['2130706433', 'reserved'],
  ['0x7f.0.0.1', 'reserved'],
  ['127.1', 'reserved'],
  ['', 'reserved'],
  ['1.2.3.4.5', 'reserved'],
];

describe('SSRF address classification', () => {
  it.each(cases)('classifies %s as %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it('allows only public addresses by default', () => {
    for (const [address, c] of cases) expect(isAllowedTarget(address, false)).toBe(c === 'public');
  });

  it('allows loopback, and nothing else private, when the local configuration says so', () => {
    for (const [address, c] of cases) expect(isAllowedTarget(address, true)).toBe(c === 'public' || c === 'loopback');
    expect(isAllowedTarget('169.254.169.254', true)).toBe(false);
    expect(isAllowedTarget('10.0.0.1', true)).toBe(false);
  });
});
