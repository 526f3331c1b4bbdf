import { Client } from 'pg';
import { EVENTS_CHANNEL } from './repositories/event.repository';

export interface EventListener {
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Called on every notification, and after each (re)connect, when notifications may have been missed. */
  onWake(): void;
  onError(error: Error): void;
  /** Delay before reconnecting after the connection is lost. */
  retryMs?: number;
}

/**
 * LISTENs for committed events on a dedicated PostgreSQL connection (the pool's connections
 * come and go; a listener must stay), reconnecting whenever it is lost.
 */
export function listenForEvents(url: string, options: ListenOptions): EventListener {
  const retryMs = options.retryMs ?? 1000;
  let client: Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const retry = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, retryMs);
    timer.unref();
  };

  const connect = async () => {
    const next = new Client({ connectionString: url, application_name: 'modelgate-events' });
    client = next;
    next.on('notification', () => options.onWake());
    next.on('error', (error) => {
      options.onError(error);
      void next.end().catch(() => {});
      retry();
    });
    next.on('end', () => {
      if (client === next) retry();
    });
    try {
      await next.connect();
      if (closed) {
        await next.end();
        return;
      }
      await next.query(`LISTEN ${EVENTS_CHANNEL}`);
      options.onWake();
    } catch (error) {
      options.onError(error as Error);
      void next.end().catch(() => {});
      retry();
    }
  };

  void connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
