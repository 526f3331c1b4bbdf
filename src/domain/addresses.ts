/**
 * Which IP addresses a webhook may be sent to (the SSRF guard). A webhook URL is chosen by a
 * user of the API, so without this rule the gateway would POST into its own network: the
 * database, a cloud metadata service, an admin port on localhost. Only public unicast addresses
 * pass; everything else is named by the range it falls in.
 */
export type AddressRange =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'cgnat'
  | 'metadata'
  | 'reserved'
  | 'multicast'
  | 'documentation'
  | 'benchmarking'
  | 'invalid';

type Cidr = [prefix: number[], bits: number, range: AddressRange];

// Order matters: the first match names the range (metadata before link-local and unique-local).
const V4: Cidr[] = [
  [[169, 254, 169, 254], 32, 'metadata'], // AWS, GCP, Azure, OpenStack
  [[100, 100, 100, 200], 32, 'metadata'], // Alibaba Cloud
  [[0], 8, 'unspecified'],
  [[10], 8, 'private'],
  [[100, 64], 10, 'cgnat'],
  [[127], 8, 'loopback'],
  [[169, 254], 16, 'link-local'],
  [[172, 16], 12, 'private'],
  [[192, 0, 0], 24, 'reserved'], // IETF protocol assignments
  [[192, 0, 2], 24, 'documentation'],
  [[192, 88, 99], 24, 'reserved'], // 6to4 relay anycast
  [[192, 168], 16, 'private'],
  [[198, 18], 15, 'benchmarking'],
  [[198, 51, 100], 24, 'documentation'],
  [[203, 0, 113], 24, 'documentation'],
  [[224], 4, 'multicast'],
  [[240], 4, 'reserved'], // includes 255.255.255.255
];

const V6: Cidr[] = [
  [[0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54], 128, 'metadata'], // AWS fd00:ec2::254
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128, 'loopback'],
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 128, 'unspecified'],
  [[0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, 'reserved'], // discard prefix
  [[0x20, 0x01, 0x0d, 0xb8], 32, 'documentation'],
  [[0x20, 0x01, 0x00, 0x00], 32, 'reserved'], // Teredo: hides an IPv4 address
  [[0x20, 0x01, 0x00, 0x02, 0, 0], 48, 'benchmarking'],
  [[0xfc], 7, 'unique-local'],
  [[0xfe, 0x80], 10, 'link-local'],
  [[0xfe, 0xc0], 10, 'reserved'], // deprecated site-local
  [[0xff], 8, 'multicast'],
];

function inCidr(bytes: readonly number[], [prefix, bits]: Cidr): boolean {
  for (let i = 0; i * 8 < bits; i++) {
    const take = Math.min(8, bits - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** Bytes of a dotted-quad IPv4 address (the canonical form DNS and URL parsing give), or null. */
export function parseIPv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}

/** The 16 bytes of an IPv6 address (with `::`, an IPv4 tail, brackets or a zone), or null. */
export function parseIPv6(text: string): number[] | null {
  let s = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const tail: number[] = [];
  const v4 = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const bytes = parseIPv4(v4[1]);
    if (!bytes) return null;
    tail.push(...bytes);
    s = s.slice(0, s.length - v4[1].length);
    if (!s.endsWith(':')) return null;
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const total = head.length + rest.length + tail.length / 2;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const words = [...head, ...Array<string>(8 - total).fill('0'), ...rest];
  if (!words.every((w) => /^[0-9a-fA-F]{1,4}$/.test(w))) return null;
  const bytes = words.flatMap((w) => [parseInt(w, 16) >> 8, parseInt(w, 16) & 0xff]);
  return [...bytes, ...tail];
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64 or 6to4), else null. */
function embeddedIPv4(b: readonly number[]): number[] | null {
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.slice(12); // ::ffff:a.b.c.d
  if (zero(0, 12) && !zero(12, 16) && !(zero(12, 15) && b[15] === 1)) return b.slice(12); // ::a.b.c.d (deprecated)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return b.slice(12); // 64:ff9b::/96
  if (b[0] === 0x20 && b[1] === 0x02) return b.slice(2, 6); // 6to4 2002::/16
  return null;
}

/** The range an address falls in, or null when it is a public unicast address a webhook may reach. */
export function forbiddenRange(address: string): AddressRange | null {
  const v4 = parseIPv4(address);
  if (v4) return V4.find((c) => inCidr(v4, c))?.[2] ?? null;
  const v6 = parseIPv6(address);
  if (!v6) return 'invalid';
  const inner = embeddedIPv4(v6);
  if (inner) return V4.find((c) => inCidr(inner, c))?.[2] ?? null;
  return V6.find((c) => inCidr(v6, c))?.[2] ?? null;
}
