/**
 * Which `callbackUrl`s the edge will POST study events to: public https endpoints only, so a
 * caller cannot aim our signed requests at our own or anyone's internal services (SSRF).
 *
 * What this can check is the URL's own text. WHATWG URL parsing (workerd and Node alike) already
 * normalises every IPv4 spelling to dotted decimal (`http://0x7f.1/`, `http://2130706433/`,
 * `http://0177.0.0.1/` and `http://127.1/` all become `127.0.0.1`) and IPv6 to its compressed
 * lowercase hex form (`[::ffff:127.0.0.1]` becomes `[::ffff:7f00:1]`), so the ranges below are
 * matched on the parsed hostname, never on what the caller typed.
 *
 * What it cannot check: a hostname that *resolves* to a private address. A Worker has no DNS
 * API, and a check-then-fetch would race DNS anyway. That is acceptable here because fetch()
 * from a Worker goes out through Cloudflare's network to the public Internet and cannot reach a
 * private network (ours or the caller's) unless one is bound explicitly (a Tunnel / VPC
 * binding, which this Worker has not); literals and local names are refused regardless, as
 * defence in depth and for the local stack, where fetch does reach the host.
 */

/** The outcome: the parsed URL to deliver to, or why it is refused (a sentence for a 400). */
export type CallbackUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** An address block: `bits` leading bits of `prefix` must match. */
interface Block {
  prefix: number[];
  bits: number;
  name: string;
}

/**
 * IPv4 blocks that are not publicly routable unicast (IANA IPv4 Special-Purpose Address
 * Registry, RFC 6890 and successors).
 */
const IPV4_REFUSED: readonly Block[] = [
  { prefix: [0, 0, 0, 0], bits: 8, name: '"this network" (0.0.0.0/8, includes unspecified)' },
  { prefix: [10, 0, 0, 0], bits: 8, name: 'private (10.0.0.0/8, RFC 1918)' },
  { prefix: [100, 64, 0, 0], bits: 10, name: 'carrier-grade NAT (100.64.0.0/10, RFC 6598)' },
  { prefix: [127, 0, 0, 0], bits: 8, name: 'loopback (127.0.0.0/8)' },
  { prefix: [169, 254, 0, 0], bits: 16, name: 'link-local (169.254.0.0/16)' },
  { prefix: [172, 16, 0, 0], bits: 12, name: 'private (172.16.0.0/12, RFC 1918)' },
  { prefix: [192, 0, 0, 0], bits: 24, name: 'IETF protocol assignments (192.0.0.0/24)' },
  { prefix: [192, 0, 2, 0], bits: 24, name: 'documentation (192.0.2.0/24)' },
  { prefix: [192, 88, 99, 0], bits: 24, name: '6to4 relay anycast (192.88.99.0/24, deprecated)' },
  { prefix: [192, 168, 0, 0], bits: 16, name: 'private (192.168.0.0/16, RFC 1918)' },
  { prefix: [198, 18, 0, 0], bits: 15, name: 'benchmarking (198.18.0.0/15)' },
  { prefix: [198, 51, 100, 0], bits: 24, name: 'documentation (198.51.100.0/24)' },
  { prefix: [203, 0, 113, 0], bits: 24, name: 'documentation (203.0.113.0/24)' },
  { prefix: [224, 0, 0, 0], bits: 4, name: 'multicast (224.0.0.0/4)' },
  { prefix: [240, 0, 0, 0], bits: 4, name: 'reserved (240.0.0.0/4, includes broadcast)' },
];

/**
 * IPv6 blocks refused inside global unicast 2000::/3 (IANA IPv6 Special-Purpose Address
 * Registry); everything outside 2000::/3 is refused too (see ipv6Refusal). As 16-bit groups.
 */
const IPV6_REFUSED_IN_GLOBAL: readonly Block[] = [
  { prefix: [0x2001, 0x0db8], bits: 32, name: 'documentation (2001:db8::/32)' },
  { prefix: [0x2001, 0x0000], bits: 23, name: 'IETF protocol assignments (2001::/23, includes Teredo)' },
  { prefix: [0x2002], bits: 16, name: '6to4 (2002::/16, deprecated; embeds an IPv4 address)' },
  { prefix: [0x3fff], bits: 20, name: 'documentation (3fff::/20)' },
];

/** Named blocks outside 2000::/3, only for a clearer reason than "not global unicast". */
const IPV6_NAMED: readonly Block[] = [
  { prefix: [0, 0, 0, 0, 0, 0, 0, 0], bits: 128, name: 'unspecified (::)' },
  { prefix: [0, 0, 0, 0, 0, 0, 0, 1], bits: 128, name: 'loopback (::1)' },
  { prefix: [0, 0, 0, 0, 0, 0], bits: 96, name: 'IPv4-compatible (::/96, deprecated)' },
  { prefix: [0x0064, 0xff9b, 0x0001], bits: 48, name: 'local-use NAT64 (64:ff9b:1::/48)' },
  { prefix: [0x0100, 0, 0, 0], bits: 64, name: 'discard-only (100::/64)' },
  { prefix: [0xfc00], bits: 7, name: 'unique local (fc00::/7)' },
  { prefix: [0xfe80], bits: 10, name: 'link-local (fe80::/10)' },
  { prefix: [0xfec0], bits: 10, name: 'site-local (fec0::/10, deprecated)' },
  { prefix: [0xff00], bits: 8, name: 'multicast (ff00::/8)' },
];

/**
 * Name suffixes that never reach a public host: `localhost` (RFC 6761), `local` (mDNS,
 * RFC 6762), `internal` (ICANN's private-use TLD) and `home.arpa` (RFC 8375).
 */
const LOCAL_NAME_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa'];

/** The only hosts development allows besides public ones, so tests can run a receiver locally. */
const DEVELOPMENT_HOSTS = new Set(['127.0.0.1', 'localhost']);

/** A dotted-decimal IPv4 hostname, which is how URL parsing leaves every IPv4 host. */
const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function inBlock(groups: readonly number[], width: number, block: Block): boolean {
  for (let i = 0, left = block.bits; left > 0; i++, left -= width) {
    const take = Math.min(width, left);
    const shift = width - take;
    if (groups[i]! >>> shift !== (block.prefix[i] ?? 0) >>> shift) return false;
  }
  return true;
}

function ipv4Refusal(octets: readonly number[]): string | undefined {
  return IPV4_REFUSED.find((block) => inBlock(octets, 8, block))?.name;
}

/** The eight 16-bit groups of a URL-serialised IPv6 host (hex groups, at most one `::`). */
function ipv6Groups(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return undefined;
  const groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

function ipv6Refusal(groups: readonly number[]): string | undefined {
  const embeddedV4 = () => [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff];
  // IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) reach the IPv4 address they embed.
  if (inBlock(groups, 16, { prefix: [0, 0, 0, 0, 0, 0xffff], bits: 96, name: '' })) {
    const refusal = ipv4Refusal(embeddedV4());
    return refusal && `IPv4-mapped ${refusal}`;
  }
  if (inBlock(groups, 16, { prefix: [0x0064, 0xff9b, 0, 0, 0, 0], bits: 96, name: '' })) {
    const refusal = ipv4Refusal(embeddedV4());
    return refusal && `NAT64-embedded ${refusal}`;
  }
  const named = IPV6_NAMED.find((block) => inBlock(groups, 16, block));
  if (named) return named.name;
  if (groups[0]! >>> 13 !== 0b001) return 'not global unicast (outside 2000::/3)';
  return IPV6_REFUSED_IN_GLOBAL.find((block) => inBlock(groups, 16, block))?.name;
}

/** Why `hostname` (as URL parsing left it) is refused, or `undefined` if it may be called. */
function hostRefusal(hostname: string): string | undefined {
  if (hostname.startsWith('[')) {
    const groups = ipv6Groups(hostname.slice(1, -1));
    if (!groups) return `cannot read the IPv6 address ${hostname}`;
    const refusal = ipv6Refusal(groups);
    return refusal && `host ${hostname} is ${refusal}`;
  }
  const quad = DOTTED_QUAD.exec(hostname);
  if (quad) {
    const refusal = ipv4Refusal(quad.slice(1).map(Number));
    return refusal && `host ${hostname} is ${refusal}`;
  }
  // A trailing dot is the same name, fully qualified: `localhost.` is still localhost.
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  if (name === '') return 'host is empty';
  const suffix = LOCAL_NAME_SUFFIXES.find((s) => name === s || name.endsWith(`.${s}`));
  if (suffix) return `host ${hostname} is a local name (.${suffix})`;
  // A single label ("intranet") only resolves through a local search domain.
  if (!name.includes('.')) return `host ${hostname} is not a fully qualified domain name`;
  return undefined;
}

/**
 * Checks a study's `callbackUrl` before anything is sent to it: https (http too in
 * development), no credentials, and a host that is neither an IP literal outside public unicast
 * nor a local name. Ports are allowed. In development exactly `127.0.0.1` and `localhost` are
 * allowed as well, so tests can run a receiver on the loopback; other private ranges stay
 * refused there too.
 *
 * @example
 * const check = checkCallbackUrl(body.callbackUrl, { development: config.development });
 * if (!check.ok) throw new HTTPException(400, { message: `callbackUrl: ${check.reason}` });
 */
export function checkCallbackUrl(url: string, opts: { development: boolean }): CallbackUrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  const schemes = opts.development ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(parsed.protocol)) {
    return { ok: false, reason: `scheme must be ${opts.development ? 'https or http' : 'https'}, got ${parsed.protocol.slice(0, -1)}` };
  }
  // Credentials would be sent to (and logged by) whoever is at the other end; signatures do the authenticating.
  if (parsed.username !== '' || parsed.password !== '') return { ok: false, reason: 'must not contain credentials' };
  if (opts.development && DEVELOPMENT_HOSTS.has(parsed.hostname)) return { ok: true, url: parsed };
  const refusal = hostRefusal(parsed.hostname);
  return refusal === undefined ? { ok: true, url: parsed } : { ok: false, reason: refusal };
}
