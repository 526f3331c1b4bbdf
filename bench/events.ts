import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { BenchKeys } from './keys';
import { approve, type PoolVersion, type Workload } from './workloads';

const EVENTS = `subscription BenchEvents { registryEvents { id action at } }`;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function openSubscriptions(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^modelgate_subscriptions (\d+)/m.exec(text)?.[1] ?? NaN);
}

/**
 * The approval bots write while `subscribers` graphql-ws clients (VIEWER, no filter) receive
 * every event. Measures events per second (distinct events one subscriber saw), deliveries per
 * second (over all subscribers), and write-to-receive latency: from the event's `at`, stamped
 * when it is written in the committing transaction, to its arrival at a subscriber.
 * The pool is read when the workload starts, since the approve workload before it moved versions.
 */
export function events(loadPool: () => Promise<PoolVersion[]>, keys: BenchKeys, subscribers = 100): Workload {
  let base: Workload | undefined;
  let clients: Client[] = [];
  const seen = new Set<string>();
  let latencies: number[] = [];
  let deliveries = 0;
  let since = Date.now();
  let closedEarly = 0;
  const need = () => {
    if (!base) throw new Error('the events workload was not prepared');
    return base;
  };

  return {
    name: 'events',
    family: 'events',
    token: keys.viewer,
    get requests() {
      return need().requests;
    },
    probes: [],
    get maxConnections() {
      return need().maxConnections;
    },
    async prepare(url: string) {
      base = approve(await loadPool(), keys);
      const wsUrl = url.replace(/^http/, 'ws') + '/graphql';
      clients = Array.from({ length: subscribers }, () =>
        createClient({
          url: wsUrl,
          webSocketImpl: WebSocket,
          lazy: false,
          retryAttempts: 0,
          connectionParams: { Authorization: `Bearer ${keys.viewer}` },
          onNonLazyError: () => {},
        }),
      );
      for (const client of clients) {
        client.subscribe<{ registryEvents: { id: string; at: string } }>(
          { query: EVENTS },
          {
            next: ({ data }) => {
              if (!data) return;
              const now = Date.now();
              deliveries += 1;
              seen.add(data.registryEvents.id);
              latencies.push(now - Date.parse(data.registryEvents.at));
            },
            error: () => {
              closedEarly += 1;
            },
            complete: () => {},
          },
        );
      }
      const deadline = Date.now() + 30_000;
      while ((await openSubscriptions(url)) < subscribers) {
        if (Date.now() > deadline) throw new Error(`${subscribers} subscribers did not connect within 30 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    reset() {
      need().reset?.();
      seen.clear();
      latencies = [];
      deliveries = 0;
      since = Date.now();
    },
    extra() {
      const seconds = (Date.now() - since) / 1000;
      const sorted = [...latencies].sort((a, b) => a - b);
      return {
        ...need().extra?.(),
        subscribers,
        subscribersClosedEarly: closedEarly,
        eventsPerSecond: seen.size / seconds,
        deliveriesPerSecond: deliveries / seconds,
        receiveLatencyP50Ms: percentile(sorted, 50),
        receiveLatencyP99Ms: percentile(sorted, 99),
        // Webhooks: the webhooks half adds webhookDeliveriesPerSecond (to a local receiver) here.
      };
    },
    async finish() {
      await Promise.all(clients.map((c) => c.dispose()));
      clients = [];
    },
  };
}
