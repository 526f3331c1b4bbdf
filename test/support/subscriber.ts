import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export const REGISTRY_EVENTS = `subscription Events($filter: RegistryEventFilter, $after: ID) {
  registryEvents(filter: $filter, after: $after) { id action actor modelName version at details }
}`;

export interface ReceivedEvent {
  id: string;
  action: string;
  actor: string;
  modelName: string | null;
  version: number | null;
  at: string;
  details: string;
}

export interface Subscriber {
  events: ReceivedEvent[];
  errors: unknown[];
  /** The close code once the connection closed. */
  closed: Promise<number>;
  /** Resolves once `n` events arrived (fails after `ms`). */
  waitFor(n: number, ms?: number): Promise<ReceivedEvent[]>;
  dispose(): Promise<void>;
}

export interface SubscribeOptions {
  token?: string | null;
  variables?: { filter?: { modelNames?: string[]; actions?: string[] }; after?: string | null };
  query?: string;
  /** Sent with the operation, as GraphiQL sends its Headers tab. */
  extensions?: Record<string, unknown>;
}

/** A graphql-ws client (as a bot would use it) subscribed to registryEvents on `baseUrl`'s /graphql. */
export async function subscribe(baseUrl: string, options: SubscribeOptions = {}): Promise<Subscriber> {
  const events: ReceivedEvent[] = [];
  const errors: unknown[] = [];
  let resolveClosed: (code: number) => void = () => {};
  const closed = new Promise<number>((resolve) => (resolveClosed = resolve));
  let connected: () => void = () => {};
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const client: Client = createClient({
    url: baseUrl.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    // The close code is what the tests check (closed); graphql-ws would also print the event.
    onNonLazyError: () => {},
    connectionParams: options.token ? { Authorization: `Bearer ${options.token}` } : {},
    on: {
      connected: () => connected(),
      closed: (event) => {
        resolveClosed((event as { code: number }).code);
        connected();
      },
    },
  });
  let listeners: Array<() => void> = [];
  const notify = () => {
    for (const l of listeners) l();
  };
  client.subscribe<{ registryEvents: ReceivedEvent }>(
    { query: options.query ?? REGISTRY_EVENTS, variables: options.variables ?? {}, extensions: options.extensions },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data?.registryEvents) events.push(result.data.registryEvents);
        notify();
      },
      error: (error) => {
        // graphql-ws hands over the errors of a refused operation as an array, a close event otherwise.
        errors.push(...(Array.isArray(error) ? error : [error]));
        notify();
      },
      complete: () => notify(),
    },
  );
  await ready;
  return {
    events,
    errors,
    closed,
    waitFor(n, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (events.length >= n) {
            listeners = listeners.filter((l) => l !== check);
            clearTimeout(timer);
            resolve(events);
          }
        };
        const timer = setTimeout(() => {
          listeners = listeners.filter((l) => l !== check);
          reject(new Error(`expected ${n} events within ${ms} ms, got ${events.length}: ${JSON.stringify(errors)}`));
        }, ms);
        listeners.push(check);
        check();
      });
    },
    async dispose() {
      await client.dispose();
    },
  };
}

/** Waits until the gateway at baseUrl reports `n` open subscriptions on /metrics. */
export async function openSubscriptions(baseUrl: string, n: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    // A pooled keep-alive connection the server just closed fails once: ask again.
    const text = await fetch(`${baseUrl}/metrics`).then(
      (r) => r.text(),
      () => '',
    );
    const value = Number(/^modelgate_subscriptions (\d+)/m.exec(text)?.[1] ?? NaN);
    if (value === n) return;
    if (Date.now() > deadline) throw new Error(`expected ${n} open subscriptions, /metrics says ${value}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
