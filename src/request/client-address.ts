/**
 * The caller's network, as Cloudflare reports it (`CF-Connecting-IP`), reduced to a prefix: the
 * unit a rate limit counts and the audit log keeps. One IPv6 customer holds a whole /64 (2^64
 * addresses), so per-address limits on IPv6 count the /64, not the /128; IPv4-mapped IPv6
 * (`::ffff:192.0.2.1`) counts as the IPv4 address it is. Parsed with ipaddr.js, so every
 * spelling of one address (`2001:db8::1`, `2001:DB8:0:0::1`) is the same network.
 */
import ipaddr from "ipaddr.js";

export type ClientNetwork =
  | { kind: "network"; cidr: string }
  /** No address header (only outside Cloudflare), or one that does not parse. */
  | { kind: "unknown" | "unparsable" };

/**
 * A request asks twice (its rate limit, its audit event) and a client sends many: recent answers
 * are kept, at most CACHED, for headers no longer than an IPv6 address can be written.
 */
const CACHED = 1024;
const CACHED_HEADER_LENGTH = 64;
const recent = new Map<string, ClientNetwork>();

export function clientNetwork(header: string | undefined, prefixes: { ipv4: number; ipv6: number }): ClientNetwork {
  if (!header) return { kind: "unknown" };
  if (header.length > CACHED_HEADER_LENGTH) return parseNetwork(header, prefixes);
  const key = `${prefixes.ipv4}/${prefixes.ipv6} ${header}`;
  let network = recent.get(key);
  if (!network) {
    if (recent.size >= CACHED) recent.clear();
    network = Object.freeze(parseNetwork(header, prefixes));
    recent.set(key, network);
  }
  return network;
}

function parseNetwork(header: string, prefixes: { ipv4: number; ipv6: number }): ClientNetwork {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.process(header.trim());
  } catch {
    return { kind: "unparsable" };
  }
  const prefix = address.kind() === "ipv4" ? prefixes.ipv4 : prefixes.ipv6;
  const network =
    address.kind() === "ipv4"
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefix}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${(address as ipaddr.IPv6).toNormalizedString()}/${prefix}`);
  return { kind: "network", cidr: `${network.toString()}/${prefix}` };
}
