import { Agent as HttpAgent, request as httpRequest, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { checkedAddresses, hostOf, type Resolve, resolveHost } from '../services/webhook-guard';
import type { WebhookRequest, WebhookResponse, WebhookTransport } from '../services/webhook-dispatcher';

/** Bytes of a receiver's answer read at most; its body is never used, only the status. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * A lookup for the socket that resolves the host, runs the SSRF guard on every address, and
 * connects to the first one it checked: the address checked is the address connected to, so a
 * DNS answer that changes between check and connect (rebinding) cannot slip through.
 */
function guardedLookup(allowPrivate: boolean, resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    checkedAddresses(hostname, allowPrivate, resolve).then(
      (addresses) => {
        const family = typeof options === 'object' && options.family ? Number(options.family) : 0;
        const address = addresses.find((a) => !family || isIP(a) === family) ?? addresses[0];
        if (typeof options === 'object' && options.all) {
          (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family: isIP(address) }]);
        } else callback(null, address, isIP(address));
      },
      (error: Error) => callback(Object.assign(error, { code: 'EWEBHOOKGUARD' }) as NodeJS.ErrnoException, '', 0),
    );
  };
}

/**
 * Webhook HTTP: one POST per attempt, JSON, signed headers as given; the status code is the
 * outcome. Redirects are not followed (a 3xx is a failed attempt), the whole attempt has one
 * deadline, and every connection goes through the SSRF guard again (literal IP hosts too, which
 * skip DNS). Keep-alive connections are reused per host.
 */
export function httpWebhookTransport(options: { allowPrivate: boolean; resolve?: Resolve }): WebhookTransport & { close(): void } {
  const lookup = guardedLookup(options.allowPrivate, options.resolve ?? resolveHost);
  const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 16 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 16 }) };

  const send = async (req: WebhookRequest): Promise<WebhookResponse> => {
    const url = new URL(req.url);
    const host = hostOf(url);
    if (isIP(host)) {
      try {
        await checkedAddresses(host, options.allowPrivate);
      } catch (error) {
        return { statusCode: null, error: (error as Error).message };
      }
    }
    const secure = url.protocol === 'https:';
    const requestOptions: RequestOptions = {
      method: 'POST',
      agent: secure ? agents.https : agents.http,
      lookup,
      signal: req.signal,
      headers: {
        ...req.headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(req.body)),
        'user-agent': 'modelgate-webhooks',
      },
    };
    return new Promise<WebhookResponse>((resolve) => {
      let settled = false;
      const finish = (response: WebhookResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(response);
      };
      const outgoing = (secure ? httpsRequest : httpRequest)(url, requestOptions, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_RESPONSE_BYTES) res.destroy();
        });
        res.on('close', () => finish({ statusCode: res.statusCode ?? null, error: null }));
        res.on('error', () => finish({ statusCode: res.statusCode ?? null, error: null }));
      });
      const deadline = setTimeout(() => {
        outgoing.destroy(new Error(`no answer within ${req.timeoutMs} ms`));
      }, req.timeoutMs);
      outgoing.on('error', (error: NodeJS.ErrnoException) => finish({ statusCode: null, error: error.message || String(error.code) }));
      outgoing.end(req.body);
    });
  };
  return Object.assign(send, {
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  });
}
