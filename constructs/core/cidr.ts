// CIDR syntax as NetworkPolicy `ipBlock` takes it, and whether a range is private.
import { isIP } from 'net';
import type { NetworkPeer } from './connections';
import { Problems } from './errors';

export interface Cidr {
  readonly version: 4 | 6;
  /** The network address as written. */
  readonly address: string;
  readonly prefix: number;
  /** The address as a big integer, for range tests. */
  readonly value: bigint;
}

/** Parses `10.0.0.0/16` or `fd00::/8`; a string saying what is wrong otherwise. */
export function parseCidr(text: string): Cidr | string {
  const m = /^([^/\s]+)\/([0-9]{1,3})$/.exec(text);
  if (!m) return 'must be a CIDR such as 10.0.0.0/16 (an address, "/" and a prefix length)';
  const version = isIP(m[1]);
  if (version !== 4 && version !== 6) return 'must be a CIDR whose address is an IPv4 or IPv6 address';
  const max = version === 4 ? 32 : 128;
  const prefix = Number(m[2]);
  if (prefix > max) return `must have a prefix length from 0 to ${max}`;
  const value = version === 4 ? ipv4Value(m[1]) : ipv6Value(m[1]);
  const hostBits = BigInt(max - prefix);
  const network = (value >> hostBits) << hostBits;
  if (network !== value) {
    // 10.10.0.5/24 is ambiguous: the host (/32) or its network (10.10.0.0/24)?
    return `must have no bits set after the prefix (did you mean ${formatAddress(network, version)}/${prefix}?)`;
  }
  return { version, address: m[1], prefix, value };
}

/** Whether `inner` lies within `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.version !== inner.version || inner.prefix < outer.prefix) return false;
  const bits = BigInt((outer.version === 4 ? 32 : 128) - outer.prefix);
  return (inner.value >> bits) === (outer.value >> bits);
}

const PRIVATE = [
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16',
  'fc00::/7', 'fe80::/10', '::1/128',
].map((c) => parseCidr(c) as Cidr);

/** True when the whole range is private (RFC 1918, carrier-grade NAT, loopback, link-local, IPv6 ULA). */
export function isPrivateCidr(cidr: Cidr): boolean {
  return PRIVATE.some((p) => cidrContains(p, cidr));
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6Value(address: string): bigint {
  let text = address;
  // An embedded IPv4 tail (::ffff:10.0.0.1) is two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4Value(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return all.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function formatAddress(value: bigint, version: 4 | 6): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/**
 * Checks a NetworkPolicy peer's IP block as the API server would: a valid CIDR, and `except`
 * entries that are valid and inside it. Returns the parsed CIDR when there is a valid one.
 */
export function checkPeerCidr(problems: Problems, prop: string, peer: NetworkPeer): Cidr | undefined {
  const block = peer.policyPeer.ipBlock;
  if (block === undefined) return undefined;
  const cidr = parseCidr(block.cidr);
  if (typeof cidr === 'string') {
    problems.add(`${prop}.cidr`, cidr, block.cidr);
    return undefined;
  }
  for (const [i, e] of (block.except ?? []).entries()) {
    const inner = parseCidr(e);
    if (typeof inner === 'string') problems.add(`${prop}.except[${i}]`, inner, e);
    else problems.check(cidrContains(cidr, inner) && inner.prefix > cidr.prefix, `${prop}.except[${i}]`, `must be a range strictly inside ${block.cidr}`, e);
  }
  return cidr;
}
