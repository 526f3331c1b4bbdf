/**
 * In-process wake-up for event readers on SQLite, where one process is the only writer. It is
 * raised inside the writing transaction, before commit: a reader woken by it queues behind
 * that transaction on the serialized connection (sqlite-adapter.ts), so it reads only what was
 * committed, and reads nothing new if the transaction rolled back.
 */
const listeners = new Set<() => void>();

export function onEventsWritten(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function signalEventsWritten(): void {
  for (const listener of listeners) listener();
}

/**
 * In-process note that a transaction of this process queued webhook deliveries (raised before its
 * commit). The dispatcher is woken after a mutation only while such writes happen, so that a
 * registry without webhooks pays no lease query per write (services/webhook-dispatcher.ts).
 */
const queuedListeners = new Set<() => void>();

export function onDeliveriesQueued(listener: () => void): () => void {
  queuedListeners.add(listener);
  return () => queuedListeners.delete(listener);
}

export function signalDeliveriesQueued(count: number): void {
  if (count > 0) for (const listener of queuedListeners) listener();
}
