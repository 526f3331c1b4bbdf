import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { newToken } from '../src/db/repositories/api-key.repository';
import { fromGlobalId } from '../src/domain/ids';
import { projectRoot } from '../src/db/paths';
import { freshDatabase, testProvider, type TestDatabase } from './support/databases';
import { listeningPort } from '../bench/server';
import { buildGateway } from './support/gateway-process';
import { openSubscriptions, subscribe, type Subscriber } from './support/subscriber';

// Several gateway processes on one PostgreSQL database: LISTEN/NOTIFY carries the wake-up
// between them. SQLite is one process; its in-process path is what the other tests run.
const describePostgres = testProvider() === 'postgres' ? describe : describe.skip;

let MAIN: string;

interface Gateway {
  child: ChildProcess;
  url: string;
  output(): string;
}

async function startGateway(env: Record<string, string>): Promise<Gateway> {
  let output = '';
  const child = spawn(process.execPath, [MAIN], {
    cwd: projectRoot,
    // PORT=0 and the port from the log: see support/gateway-process.ts.
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'info', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  let url: string;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited (${child.exitCode}): ${output}`);
    const port = listeningPort(output);
    url = `http://127.0.0.1:${port}`;
    try {
      if (port !== null && (await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`gateway not ready: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, output: () => output };
}

function stopGateway(gateway: Gateway, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (gateway.child.exitCode !== null || gateway.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    gateway.child.once('exit', () => resolve());
    gateway.child.kill(signal);
  });
}

const CREATE = `mutation Create($input: CreateRegisteredModelInput!) { createRegisteredModel(input: $input) { registeredModel { name } } }`;

describePostgres('several gateway processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  const token = newToken();
  let a: Gateway;
  let b: Gateway;
  const subscribers: Subscriber[] = [];

  async function create(gateway: Gateway, name: string): Promise<void> {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: CREATE, variables: { input: { name } } }),
    });
    const body = (await response.json()) as { errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  }

  async function subscribed(gateway: Gateway, after?: string): Promise<Subscriber> {
    const subscriber = await subscribe(gateway.url, { token, variables: after ? { after } : {} });
    subscribers.push(subscriber);
    return subscriber;
  }

  beforeAll(async () => {
    MAIN = buildGateway('events-test');
    database = await freshDatabase();
    // A long poll interval: what arrives quickly was woken by NOTIFY, not found by polling.
    env = { DATABASE_URL: database.url, BOOTSTRAP_ADMIN_TOKEN: token, DB_POOL_SIZE: '4', EVENT_POLL_INTERVAL_MS: '60000' };
    a = await startGateway(env); // migrates first, alone
    b = await startGateway(env);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(subscribers.map((s) => s.dispose()));
    await Promise.all([a, b].filter(Boolean).map((g) => stopGateway(g)));
    await database?.drop();
  });

  it('a subscriber on A receives, in order and promptly, the writes made through B (and the reverse)', async () => {
    const onA = await subscribed(a);
    const onB = await subscribed(b);
    await Promise.all([openSubscriptions(a.url, 1), openSubscriptions(b.url, 1)]);
    const started = Date.now();
    await create(b, 'proc-b1');
    await create(a, 'proc-a1');
    await create(b, 'proc-b2');
    for (const subscriber of [onA, onB]) {
      expect((await subscriber.waitFor(3)).map((e) => e.modelName)).toEqual(['proc-b1', 'proc-a1', 'proc-b2']);
    }
    // Far below the one-minute poll: NOTIFY woke them (generous for a loaded machine).
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('after A is killed (SIGKILL), a subscriber resumes with after and misses nothing written meanwhile', async () => {
    const onA = await subscribed(a);
    await openSubscriptions(a.url, 2);
    await create(b, 'crash-1');
    await create(b, 'crash-2');
    const seen = await onA.waitFor(2);
    const last = seen.at(-1)!;
    expect(last.modelName).toBe('crash-2');

    await stopGateway(a, 'SIGKILL');
    expect(await onA.closed).not.toBe(1000);
    await create(b, 'crash-3');
    await create(b, 'crash-4');
    a = await startGateway(env);
    const resumed = await subscribed(a, last.id);
    await openSubscriptions(a.url, 1);
    await create(b, 'crash-5');
    const events = await resumed.waitFor(3);
    expect(events.map((e) => e.modelName)).toEqual(['crash-3', 'crash-4', 'crash-5']);
    const ids = events.map((e) => fromGlobalId(e.id)!.id);
    expect(ids[0]).toBeGreaterThan(fromGlobalId(last.id)!.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(resumed.events).toHaveLength(3);
  });

  it('when the listening connections are cut, they reconnect and events keep flowing without waiting for the poll', async () => {
    const onA = await subscribed(a);
    await openSubscriptions(a.url, 2);
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    try {
      const cut = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'modelgate-events' AND datname = current_database()",
      );
      expect(cut.rowCount).toBe(2);
    } finally {
      await admin.end();
    }
    await new Promise((r) => setTimeout(r, 1500));
    const started = Date.now();
    await create(b, 'relisten-1');
    expect((await onA.waitFor(1)).map((e) => e.modelName)).toEqual(['relisten-1']);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('revoking a key through B closes its subscriptions on A with 4403', async () => {
    const gql = async (query: string) => {
      const response = await fetch(`${b.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      });
      return (await response.json()) as { data?: { createApiKey?: { token: string } }; errors?: unknown };
    };
    const created = await gql(`mutation { createApiKey(input: { name: "proc-viewer", roles: [VIEWER] }) { token } }`);
    const viewerToken = created.data?.createApiKey?.token;
    if (!viewerToken) throw new Error(JSON.stringify(created));
    const onA = await subscribe(a.url, { token: viewerToken });
    subscribers.push(onA);
    await openSubscriptions(a.url, 3);
    const started = Date.now();
    expect((await gql(`mutation { revokeApiKey(input: { name: "proc-viewer" }) { revokedName } }`)).errors).toBeUndefined();
    expect(await onA.closed).toBe(4403);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

// One gateway process on either database: a subscriber that crashed comes back with `after`
// to a gateway that was itself killed in between, and gets every acknowledged write's event.
describe('a crashed subscriber and a killed gateway', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  const token = newToken();
  let gateway: Gateway | undefined;

  beforeAll(async () => {
    MAIN = buildGateway('events-test');
    database = await freshDatabase();
    env = { DATABASE_URL: database.url, BOOTSTRAP_ADMIN_TOKEN: token };
  }, 120_000);

  afterAll(async () => {
    if (gateway) await stopGateway(gateway);
    await database?.drop();
  });

  async function create(name: string): Promise<void> {
    const response = await fetch(`${gateway!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: CREATE, variables: { input: { name } } }),
    });
    const body = (await response.json()) as { errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  }

  it('resumes with after and receives exactly the events it missed, then live ones', async () => {
    gateway = await startGateway(env);
    const first = await subscribe(gateway.url, { token });
    await openSubscriptions(gateway.url, 1);
    await create('resume-1');
    const [seen] = await first.waitFor(1);
    await first.dispose(); // the bot goes away ...
    await create('resume-2'); // ... writes are acknowledged meanwhile ...
    await create('resume-3');
    await stopGateway(gateway, 'SIGKILL'); // ... and the gateway dies too.
    gateway = await startGateway(env);
    const resumed = await subscribe(gateway.url, { token, variables: { after: seen.id } });
    await openSubscriptions(gateway.url, 1);
    await create('resume-4');
    const events = await resumed.waitFor(3);
    await new Promise((r) => setTimeout(r, 300));
    expect(resumed.events.map((e) => e.modelName)).toEqual(['resume-2', 'resume-3', 'resume-4']);
    expect(events.every((e) => fromGlobalId(e.id)!.id > fromGlobalId(seen.id)!.id)).toBe(true);
    await resumed.dispose();
  });
});
