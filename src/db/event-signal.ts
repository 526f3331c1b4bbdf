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
