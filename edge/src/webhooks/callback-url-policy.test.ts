/**
 * The callback URL policy as tables: what is delivered to and what is refused, in production and
 * in development, including the IPv4 spellings WHATWG URL parsing folds into dotted decimal and
 * IPv6 forms that embed an IPv4 address.
 */
import { describe, expect, it } from 'vitest';
import { checkCallbackUrl } from './callback-url-policy.js';

const PROD = { development: false };
const DEV = { development: true };

/** URLs both modes accept, with the href they are delivered to. */
const ACCEPTED: [string, string][] = [
  ['https://hooks.example.com/bsnet', 'https://hooks.example.com/bsnet'],
  ['https://hooks.example.com:8443/x?y=1', 'https://hooks.example.com:8443/x?y=1'],
  ['https://HOOKS.Example.COM./a', 'https://hooks.example.com./a'],
  ['https://bücher.example/cb', 'https://xn--bcher-kva.example/cb'],
  ['https://8.8.8.8/cb', 'https://8.8.8.8/cb'],
  ['https://1.1.1.1:444/', 'https://1.1.1.1:444/'],
  ['https://100.63.255.255/', 'https://100.63.255.255/'], // just below CGNAT
  ['https://100.128.0.0/', 'https://100.128.0.0/'], // just above CGNAT
  ['https://172.15.255.255/', 'https://172.15.255.255/'], // just below 172.16/12
  ['https://172.32.0.1/', 'https://172.32.0.1/'], // just above
  ['https://223.255.255.255/', 'https://223.255.255.255/'], // just below multicast
  ['https://[2606:4700:4700::1111]/', 'https://[2606:4700:4700::1111]/'],
  ['https://[2a00:1450:4001:80b::200e]:8443/', 'https://[2a00:1450:4001:80b::200e]:8443/'],
  ['https://[::ffff:8.8.8.8]/', 'https://[::ffff:808:808]/'], // mapped public IPv4
  ['https://[64:ff9b::8.8.8.8]/', 'https://[64:ff9b::808:808]/'], // NAT64 of a public IPv4
  ['https://localhost.example.com/', 'https://localhost.example.com/'], // only the suffix counts
  ['https://internal.example.com/', 'https://internal.example.com/'],
  ['https://example.com/#frag', 'https://example.com/#frag'],
];

/** URLs refused in both modes, with a part of the reason. */
const REFUSED: [string, string][] = [
  // Not a URL, or not https
  ['', 'not an absolute URL'],
  ['/relative/path', 'not an absolute URL'],
  ['https://', 'not an absolute URL'],
  ['https://exa mple.com/', 'not an absolute URL'],
  ['https://1.2.3.4.5/', 'not an absolute URL'],
  ['https://256.0.0.1/', 'not an absolute URL'],
  ['ftp://example.com/', 'got ftp'],
  ['file:///etc/passwd', 'got file'],
  ['javascript:alert(1)', 'got javascript'],
  ['data:text/plain,hi', 'got data'],
  ['wss://example.com/', 'got wss'],
  // Credentials
  ['https://user:pw@example.com/', 'must not contain credentials'],
  ['https://user@example.com/', 'must not contain credentials'],
  ['https://:pw@example.com/', 'must not contain credentials'],
  // IPv4 literals, dotted
  ['https://0.0.0.0/', '"this network"'],
  ['https://0.1.2.3/', '"this network"'],
  ['https://10.0.0.1/', 'private (10.0.0.0/8'],
  ['https://10.255.255.255/', 'private (10.0.0.0/8'],
  ['https://100.64.0.1/', 'carrier-grade NAT'],
  ['https://100.127.255.255/', 'carrier-grade NAT'],
  ['https://127.0.0.2/', 'loopback'],
  ['https://127.255.255.254:8443/', 'loopback'],
  ['https://169.254.169.254/latest/meta-data/', 'link-local'], // cloud metadata
  ['https://172.16.0.1/', 'private (172.16.0.0/12'],
  ['https://172.31.255.255/', 'private (172.16.0.0/12'],
  ['https://192.0.0.8/', 'IETF protocol assignments'],
  ['https://192.0.2.1/', 'documentation'],
  ['https://192.88.99.1/', '6to4 relay'],
  ['https://192.168.1.1/', 'private (192.168.0.0/16'],
  ['https://198.18.0.1/', 'benchmarking'],
  ['https://198.19.255.255/', 'benchmarking'],
  ['https://198.51.100.7/', 'documentation'],
  ['https://203.0.113.9/', 'documentation'],
  ['https://224.0.0.1/', 'multicast'],
  ['https://239.255.255.250/', 'multicast'],
  ['https://240.0.0.1/', 'reserved'],
  ['https://255.255.255.255/', 'reserved'],
  // IPv4 spellings URL parsing normalises (so the check sees 10.0.0.1 / 0.0.0.0; 127.0.0.1 below)
  ['https://0x7f.0.0.2/', 'host 127.0.0.2 is loopback'],
  ['https://0xa.0.0.1/', 'host 10.0.0.1 is private'],
  ['https://167772161/', 'host 10.0.0.1 is private'],
  ['https://012.0.0.1/', 'host 10.0.0.1 is private'],
  ['https://0xA9FEA9FE/', 'host 169.254.169.254 is link-local'],
  ['https://0/', 'host 0.0.0.0 is "this network"'],
  ['https://0x0/', 'host 0.0.0.0 is "this network"'],
  // IPv6 literals
  ['https://[::]/', 'unspecified'],
  ['https://[::1]/', 'loopback (::1)'],
  ['https://[0:0:0:0:0:0:0:1]:8443/', 'loopback (::1)'],
  ['https://[::ffff:127.0.0.1]/', 'IPv4-mapped loopback'],
  ['https://[::ffff:7f00:1]/', 'IPv4-mapped loopback'],
  ['https://[0:0:0:0:0:ffff:10.0.0.1]/', 'IPv4-mapped private'],
  ['https://[::ffff:169.254.169.254]/', 'IPv4-mapped link-local'],
  ['https://[::ffff:0:0]/', 'IPv4-mapped "this network"'],
  ['https://[64:ff9b::127.0.0.1]/', 'NAT64-embedded loopback'],
  ['https://[64:ff9b::a00:1]/', 'NAT64-embedded private'],
  ['https://[64:ff9b:1::1]/', 'local-use NAT64'],
  ['https://[::127.0.0.1]/', 'IPv4-compatible'],
  ['https://[::8.8.8.8]/', 'IPv4-compatible'],
  ['https://[100::1]/', 'discard-only'],
  ['https://[fc00::1]/', 'unique local'],
  ['https://[fd12:3456:789a::1]/', 'unique local'],
  ['https://[fe80::1]/', 'link-local (fe80::/10)'],
  ['https://[febf::1]/', 'link-local (fe80::/10)'],
  ['https://[fec0::1]/', 'site-local'],
  ['https://[ff02::1]/', 'multicast'],
  ['https://[ff05::1:3]/', 'multicast'],
  ['https://[2001:db8::1]/', 'documentation (2001:db8::/32)'],
  ['https://[2001::1]/', 'IETF protocol assignments'], // Teredo
  ['https://[2001:1ff::1]/', 'IETF protocol assignments'], // last of 2001::/23
  ['https://[2002:7f00:1::]/', '6to4'],
  ['https://[3fff::1]/', 'documentation (3fff::/20)'],
  ['https://[5f00::1]/', 'not global unicast'],
  ['https://[4000::1]/', 'not global unicast'],
  ['https://[1::1]/', 'not global unicast'],
  ['https://[fe80::1%25eth0]/', 'not an absolute URL'], // zone ids do not parse
  // Local names
  ['https://LOCALHOST./', 'local name (.localhost)'],
  ['https://api.localhost/', 'local name (.localhost)'],
  ['https://printer.local/', 'local name (.local)'],
  ['https://a.b.local./', 'local name (.local)'],
  ['https://metadata.google.internal/', 'local name (.internal)'],
  ['https://svc.internal:8443/', 'local name (.internal)'],
  ['https://router.home.arpa/', 'local name (.home.arpa)'],
  ['https://intranet/', 'not a fully qualified domain name'],
  ['https://intranet./', 'not a fully qualified domain name'],
];

/**
 * 127.0.0.1 however it is spelled, and localhost: refused in production, the development
 * exception (the check runs on the parsed host, so every spelling of 127.0.0.1 is the same).
 */
const REFUSED_UNLESS_DEVELOPMENT: [string, string][] = [
  ['https://127.0.0.1/', 'host 127.0.0.1 is loopback (127.0.0.0/8)'],
  ['https://0x7f.1/', 'host 127.0.0.1 is loopback (127.0.0.0/8)'],
  ['https://2130706433/', 'host 127.0.0.1 is loopback (127.0.0.0/8)'],
  ['https://0177.0.0.1/', 'host 127.0.0.1 is loopback (127.0.0.0/8)'],
  ['https://0x7f000001/', 'host 127.0.0.1 is loopback (127.0.0.0/8)'],
  ['https://127.1/', 'host 127.0.0.1 is loopback (127.0.0.0/8)'],
  ['https://%31%32%37.0.0.1/', 'host 127.0.0.1 is loopback (127.0.0.0/8)'],
  ['https://127.0.0.1./', 'host 127.0.0.1 is loopback (127.0.0.0/8)'],
  ['https://localhost/', 'host localhost is a local name (.localhost)'],
  ['https://LocalHost:8787/', 'host localhost is a local name (.localhost)'],
];

describe('checkCallbackUrl', () => {
  it.each(ACCEPTED)('accepts %s (both modes)', (url, href) => {
    for (const opts of [PROD, DEV]) {
      const check = checkCallbackUrl(url, opts);
      expect(check.ok ? check.url.href : check.reason).toBe(href);
    }
  });

  it.each(REFUSED)('refuses %s (both modes)', (url, reason) => {
    for (const opts of [PROD, DEV]) {
      const check = checkCallbackUrl(url, opts);
      expect(check.ok ? `accepted ${check.url.href}` : check.reason).toContain(reason);
    }
  });

  it.each(REFUSED_UNLESS_DEVELOPMENT)('refuses %s in production only', (url, reason) => {
    expect(checkCallbackUrl(url, PROD)).toEqual({ ok: false, reason });
    const check = checkCallbackUrl(url, DEV);
    expect(check.ok && check.url.hostname).toMatch(/^(127\.0\.0\.1|localhost)$/);
  });

  it('refuses http in production, naming the scheme', () => {
    for (const url of ['http://hooks.example.com/', 'http://8.8.8.8/', 'http://127.0.0.1:8787/', 'http://localhost/']) {
      expect(checkCallbackUrl(url, PROD)).toEqual({ ok: false, reason: 'scheme must be https, got http' });
    }
  });

  it('accepts http in development for public hosts', () => {
    const check = checkCallbackUrl('http://hooks.example.com:8080/cb', DEV);
    expect(check.ok && check.url.href).toBe('http://hooks.example.com:8080/cb');
    expect(checkCallbackUrl('ws://hooks.example.com/', DEV)).toEqual({ ok: false, reason: 'scheme must be https or http, got ws' });
  });

  it('allows exactly 127.0.0.1 and localhost in development, any port, and still refuses them in production', () => {
    const allowed = ['http://127.0.0.1:54321/hook', 'https://127.0.0.1/', 'http://localhost:8787/cb', 'https://localhost/'];
    for (const url of allowed) {
      const check = checkCallbackUrl(url, DEV);
      expect([url, check.ok]).toEqual([url, true]);
      expect([url, checkCallbackUrl(url.replace(/^http:/, 'https:'), PROD).ok]).toEqual([url, false]);
    }
  });

  it('refuses every other loopback and private address in development too', () => {
    const refused: [string, string][] = [
      ['http://127.0.0.2/', 'loopback'],
      ['http://[::1]:8787/', 'loopback (::1)'],
      ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped loopback'],
      ['http://api.localhost/', 'local name (.localhost)'],
      ['http://localhost./', 'local name (.localhost)'], // the dev exception is the exact name
      ['http://10.1.2.3/', 'private'],
      ['http://192.168.0.10:3000/', 'private'],
      ['http://169.254.169.254/', 'link-local'],
      ['http://100.64.1.1/', 'carrier-grade NAT'],
      ['http://user:pw@127.0.0.1/', 'must not contain credentials'],
    ];
    for (const [url, reason] of refused) {
      const check = checkCallbackUrl(url, DEV);
      expect([url, check.ok ? 'accepted' : check.reason]).toEqual([url, expect.stringContaining(reason)]);
    }
  });

  it('hands back the parsed URL, ready to fetch', () => {
    const check = checkCallbackUrl('https://Hooks.Example.com:443/a/../b?x=1', PROD);
    expect(check).toEqual({ ok: true, url: expect.any(URL) });
    expect(check.ok && [check.url.host, check.url.pathname, check.url.search]).toEqual(['hooks.example.com', '/b', '?x=1']);
  });
});
