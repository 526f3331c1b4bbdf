import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  /** The request path with its query, e.g. /hook?hook=name. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * A webhook receiver on 127.0.0.1, as a bot would run one: it records every POST and answers
 * with the status `respond` gives (200 by default). Tests never send anywhere else.
 */
export interface Receiver {
  url: string;
  received: Received[];
  respond: (received: Received) => number | Promise<number>;
  /** Verifies a received POST as a Standard Webhooks receiver does; returns the parsed payload. */
  verify(secret: string, r: Received, body?: string): unknown;
  /** What was POSTed to `${url}?hook=<name>`. */
  of(name: string): Received[];
  /** Waits until `predicate` holds for what was received (polling), or fails after `ms`. */
  waitFor(predicate: (received: Received[]) => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const receiver: Receiver = {
    url: '',
    received,
    respond: () => 200,
    verify(secret, r, body = r.body) {
      const h = r.headers;
      return new Webhook(secret).verify(body, {
        'webhook-id': String(h['webhook-id']),
        'webhook-timestamp': String(h['webhook-timestamp']),
        'webhook-signature': String(h['webhook-signature']),
      });
    },
    of: (name) => received.filter((r) => r.path.endsWith(`?hook=${encodeURIComponent(name)}`)),
    async waitFor(predicate, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (!predicate(received)) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met within ${ms} ms (${received.length} received)`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const r = { path: req.url ?? '', headers: req.headers, body, at: Date.now() };
      received.push(r);
      Promise.resolve(receiver.respond(r)).then(
        (status) => res.writeHead(status).end(),
        () => res.writeHead(500).end(),
      );
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  receiver.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  return receiver;
}
