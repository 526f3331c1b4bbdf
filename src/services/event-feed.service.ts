import type { Database } from '../db/client';
import { listenForEvents, type EventListener } from '../db/event-listener';
import { onEventsWritten } from '../db/event-signal';
import type { AuditRow } from '../db/repositories/audit.repository';
import { findEventsAfter, findMatchingEvents, latestEventId } from '../db/repositories/event.repository';
import { eventMatcher, matches, type EventFilter, type EventMatcher } from '../domain/events';

const READ_PAGE = 500;
const REPLAY_PAGE = 500;

export interface FeedOptions {
  /** Read the database this often even without a wake-up (a lost notification costs at most this long). */
  pollMs: number;
  onError(error: unknown): void;
}

export interface SubscribeOptions {
  filter?: EventFilter | null;
  /** Replay the events committed after this id first; null: only what commits from now on. */
  after: number | null;
  /** Events a subscriber may have waiting before it is dropped. */
  bufferLimit: number;
  /** Called once when the subscriber fell more than bufferLimit events behind; it then ends. */
  onOverflow(): void;
}

/**
 * The process's one reader of committed events: woken on commit (in process on SQLite,
 * LISTEN/NOTIFY on PostgreSQL, so writes of other processes count too), it reads what follows
 * the last id it saw, in id order (= commit order, see event.repository.ts), and hands each
 * event to every subscriber whose filter matches. One read per wake-up, however many
 * subscribers there are; a subscriber never blocks the reader or the others: it buffers, and
 * past its limit it is dropped.
 *
 * While nobody in the process listens (no subscription, no retained consumer such as an open
 * WebSocket connection), commits do not wake a read: under a write load that read cost as much
 * CPU as a sixth of the writes. The poll still reads, so the position is never more than one
 * poll behind, and a new subscriber first waits for a read that starts after it came.
 */
export class EventFeed {
  /** Events read from the database, counted once per process. */
  published = 0;
  private lastId = 0;
  private readonly subscribers = new Set<EventSubscription>();
  private readonly watchers = new Set<(event: AuditRow) => void>();
  private dirty = true;
  /** A read is owed even with nobody listening: the poll, or someone waiting for the position. */
  private due = true;
  /** Consumers other than subscriptions that need every event (see retain). */
  private retained = 0;
  /** Resolved when the next read that starts completes. */
  private afterNextRead: Array<() => void> = [];
  /** The read that brings the position up to date after nobody listened (retain). */
  private catchingUp: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private positioned!: () => void;
  /** Resolves once the feed knows the newest committed event. */
  private readonly ready = new Promise<void>((resolve) => (this.positioned = resolve));
  private stopped = false;
  private running: Promise<void> | undefined;
  private cleanup: Array<() => Promise<void> | void> = [];

  constructor(private readonly db: Database) {}

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Nobody in the process listens: no subscription, no retained consumer. */
  private get unheard(): boolean {
    return this.subscribers.size + this.retained === 0;
  }

  /**
   * Starts following from the newest committed event. Does not wait for the database: a
   * gateway may start before its migrations ran (readiness says so); the feed finds its
   * position once the table answers, and subscribers wait for that.
   */
  start(options: FeedOptions): void {
    if (this.running) return;
    const wake = () => this.wake();
    if (this.db.provider === 'postgres') {
      const listener: EventListener = listenForEvents(this.db.url, { onWake: wake, onError: options.onError });
      this.cleanup.push(() => listener.close());
    } else {
      this.cleanup.push(onEventsWritten(wake));
    }
    const poll = setInterval(() => this.wake(true), options.pollMs);
    poll.unref();
    this.cleanup.push(() => clearInterval(poll));
    // Started here, outside any request: reads it runs count toward no request's statements.
    this.running = this.follow(options.onError);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    for (const resolve of this.afterNextRead.splice(0)) resolve();
    for (const subscription of [...this.subscribers]) subscription.end();
    await Promise.all(this.cleanup.map((fn) => fn()));
    await this.running;
  }

  /** Something committed (or, with `due`, a read is owed whoever listens). */
  wake(due = false): void {
    this.dirty = true;
    if (due) this.due = true;
    this.wakeUp?.();
  }

  /**
   * Declares a consumer that needs every event as it commits, such as a WebSocket connection whose
   * key's revocation must close it; returns its release. The position is brought up to date first.
   */
  retain(): () => void {
    if (this.unheard) {
      const caughtUp: Promise<void> = this.upToDate().finally(() => {
        if (this.catchingUp === caughtUp) this.catchingUp = undefined;
      });
      this.catchingUp = caughtUp;
    }
    this.retained += 1;
    let released = false;
    return () => {
      if (!released) this.retained -= 1;
      released = true;
    };
  }

  /** Resolves after a read that started after this call (the position is then current). */
  private upToDate(): Promise<void> {
    return new Promise((resolve) => {
      this.afterNextRead.push(resolve);
      this.wake(true);
    });
  }

  /** Calls fn with every event read, before subscribers get it (e.g. to close connections of a revoked key). */
  watch(fn: (event: AuditRow) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /** A live stream of matching events; validates the filter first (BAD_USER_INPUT). */
  async subscribe(options: SubscribeOptions): Promise<AsyncIterableIterator<AuditRow>> {
    const matcher = eventMatcher(options.filter);
    await this.ready;
    // Live means from now on: the position must be current before it becomes the seam.
    if (this.unheard) await this.upToDate();
    else await this.catchingUp;
    const subscription = new EventSubscription(this, matcher, this.lastId, options);
    this.subscribers.add(subscription);
    return subscription;
  }

  /** @internal */
  remove(subscription: EventSubscription): void {
    this.subscribers.delete(subscription);
  }

  /** @internal A replay page for a subscription that resumes with `after`. */
  replay(matcher: EventMatcher, after: number, upTo: number): Promise<AuditRow[]> {
    const filter = {
      modelNames: matcher.modelNames && [...matcher.modelNames],
      actions: matcher.actions && [...matcher.actions],
    };
    return findMatchingEvents(this.db.prisma, { after, upTo }, filter, REPLAY_PAGE);
  }

  private async follow(onError: (error: unknown) => void): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        this.lastId = await latestEventId(this.db.prisma);
        this.positioned();
        break;
      } catch (error) {
        if (failures++ === 0) onError(error);
        await new Promise((resolve) => setTimeout(resolve, 500).unref());
      }
    }
    while (!this.stopped) {
      if (!this.dirty) await new Promise<void>((resolve) => (this.wakeUp = resolve));
      this.wakeUp = undefined;
      if (this.stopped) return;
      this.dirty = false;
      if (!this.due && this.unheard) continue;
      this.due = false;
      const waiting = this.afterNextRead;
      this.afterNextRead = [];
      try {
        await this.readNew();
        for (const resolve of waiting) resolve();
      } catch (error) {
        this.afterNextRead.push(...waiting);
        this.due = true;
        onError(error);
        this.dirty = true;
        await new Promise((resolve) => setTimeout(resolve, 500).unref());
      }
    }
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const events = await findEventsAfter(this.db.prisma, this.lastId, READ_PAGE);
      for (const event of events) {
        this.lastId = event.id;
        this.published += 1;
        for (const watcher of this.watchers) watcher(event);
        for (const subscription of this.subscribers) subscription.offer(event);
      }
      if (events.length < READ_PAGE || this.stopped) return;
      // A burst: let every subscriber send what it can before the next page lands in its
      // buffer, so only one that really stopped reading fills up to its limit.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/**
 * One subscriber's stream. With `after`, it first replays, page by page as it is consumed,
 * the matching events with after < id <= the feed's position when it subscribed, while live
 * events (all above that position) wait in its buffer: no gap at the seam, and no duplicate,
 * since nothing at or below the last id delivered is delivered again.
 */
class EventSubscription implements AsyncIterableIterator<AuditRow> {
  private buffer: AuditRow[] = [];
  private head = 0;
  private waiting: ((result: IteratorResult<AuditRow>) => void) | undefined;
  private ended = false;
  private delivered: number;
  private replaying: boolean;
  private replayed: AuditRow[] = [];

  constructor(
    private readonly feed: EventFeed,
    private readonly matcher: EventMatcher,
    /** The feed's position at subscribe time: live events are all above it. */
    private readonly seam: number,
    private readonly options: SubscribeOptions,
  ) {
    this.delivered = options.after ?? seam;
    this.replaying = options.after !== null && options.after < seam;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Called by the feed for every event, in id order. */
  offer(event: AuditRow): void {
    if (this.ended || event.id <= this.delivered || !matches(this.matcher, event)) return;
    if (this.waiting && !this.replaying) {
      const resolve = this.waiting;
      this.waiting = undefined;
      this.delivered = event.id;
      resolve({ value: event, done: false });
      return;
    }
    this.buffer.push(event);
    if (this.buffer.length - this.head > this.options.bufferLimit) {
      this.end();
      this.options.onOverflow();
    }
  }

  async next(): Promise<IteratorResult<AuditRow>> {
    while (this.replaying && !this.ended) {
      if (this.replayed.length === 0) {
        this.replayed = await this.feed.replay(this.matcher, this.delivered, this.seam);
        if (this.replayed.length === 0) this.replaying = false;
        continue;
      }
      const event = this.replayed.shift()!;
      if (event.id <= this.delivered) continue;
      this.delivered = event.id;
      return { value: event, done: false };
    }
    if (this.ended) return { value: undefined, done: true };
    while (this.head < this.buffer.length) {
      const event = this.buffer[this.head++];
      this.compact();
      if (event.id <= this.delivered) continue;
      this.delivered = event.id;
      return { value: event, done: false };
    }
    return new Promise((resolve) => (this.waiting = resolve));
  }

  async return(): Promise<IteratorResult<AuditRow>> {
    this.end();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<AuditRow>> {
    this.end();
    throw error;
  }

  /** Stops the stream: buffered events are dropped, a pending next() completes. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.buffer = [];
    this.head = 0;
    this.feed.remove(this);
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
  }

  /** Drops delivered events from the front once they are most of the array. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
  }
}
