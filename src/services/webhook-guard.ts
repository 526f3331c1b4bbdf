import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { forbiddenRange } from '../domain/addresses';
import { badInput } from '../domain/errors';

/** The addresses a host name resolves to (every family). */
export type Resolve = (host: string) => Promise<string[]>;

export const resolveHost: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** A URL's host without the brackets of an IPv6 literal. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * The SSRF guard: the addresses a webhook may be sent to, checked when a webhook is created or
 * its URL changed, and again at every delivery (DNS can change). Every address of the host must
 * be public: one private answer among public ones refuses it, so a host cannot alternate.
 * With `allowPrivate` (WEBHOOK_ALLOW_PRIVATE_URLS) any address passes.
 */
export async function checkedAddresses(host: string, allowPrivate: boolean, resolve: Resolve = resolveHost): Promise<string[]> {
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw badInput(`url: the host "${host}" does not resolve`, { field: 'url' });
    }
  }
  if (!addresses.length) throw badInput(`url: the host "${host}" does not resolve`, { field: 'url' });
  if (allowPrivate) return addresses;
  for (const address of addresses) {
    const range = forbiddenRange(address);
    if (range) {
      throw badInput(`url: webhooks may not be sent to ${range} addresses (${host} is ${address})`, { field: 'url', range });
    }
  }
  return addresses;
}
