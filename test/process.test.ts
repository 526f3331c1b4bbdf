import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/db/paths';
import { testProvider } from './support/databases';
import { freePort } from '../bench/free-port';

// The real entry point, as `npm start` runs it: built JavaScript in its own process. One
// database is enough to prove start, serve and stop; the other tests cover PostgreSQL.
const describeSqlite = testProvider() === 'sqlite' ? describe : describe.skip;

const MAIN = join(projectRoot, 'dist', 'src', 'main.js');

interface Running {
  child: ChildProcess;
  port: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Running {
  let out = '';
  let err = '';
  const child = spawn(process.execPath, [MAIN], {
    cwd: projectRoot,
    // Only what the test sets: nothing from the developer's shell leaks into the run.
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    err += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port: Number(env.PORT), stdout: () => out, stderr: () => err, exited };
}

async function waitUntilReady(running: Running): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (running.child.exitCode !== null)
      throw new Error(`exited early (${running.child.exitCode}): ${running.stderr()}${running.stdout()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${running.port}/readyz`);
      if (response.status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`not ready after 30 s: ${running.stderr()}${running.stdout()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function logLines(running: Running): Record<string, unknown>[] {
  return running
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

/** A POST whose body arrives in two parts: the request is in flight between them. */
function slowPost(port: number, token: string, body: string) {
  const req = request({
    host: '127.0.0.1',
    port,
    path: '/graphql',
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      authorization: `Bearer ${token}`,
    },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  return { finish: () => req.end(body.slice(half)), response };
}

describeSqlite('the built gateway process (node dist/src/main.js)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-process-'));
  const DATABASE_URL = `file:${join(dir, 'gateway.db')}`;

  beforeAll(() => {
    // The Prisma clients exist already: `npm test` runs `npm run generate` first.
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: projectRoot, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`the build failed:\n${build.stdout}${build.stderr}`);
  }, 180_000);

  it('starts on a fresh database, prints the admin token once, serves, and drains on SIGTERM', async () => {
    const running = start({ DATABASE_URL, PORT: String(await freePort()) });
    try {
      await waitUntilReady(running);
      const token = /shown only this once:\s+(\S+)/.exec(running.stdout())?.[1];
      expect(token).toMatch(/^\S{32,}$/);

      const gql = (query: string) =>
        fetch(`http://127.0.0.1:${running.port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query }),
        }).then((r) => r.json());
      expect(await gql('mutation { createRegisteredModel(input: { name: "proc" }) { registeredModel { name createdBy } } }')).toEqual({
        data: { createRegisteredModel: { registeredModel: { name: 'proc', createdBy: 'admin' } } },
      });

      // A request is in flight (its body half sent) when the signal arrives: it still gets its answer.
      const inFlight = slowPost(running.port, token!, JSON.stringify({ query: '{ registeredModel(name: "proc") { name } }' }));
      await new Promise((r) => setTimeout(r, 200));
      running.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      inFlight.finish();
      const answered = await inFlight.response;
      expect(answered.status).toBe(200);
      expect(JSON.parse(answered.body)).toEqual({ data: { registeredModel: { name: 'proc' } } });

      expect(await running.exited).toBe(0);
      const messages = logLines(running).map((l) => l.msg);
      expect(messages).toEqual(expect.arrayContaining(['migrations applied', 'draining in-flight requests', 'stopped']));
      expect(messages.indexOf('stopped')).toBe(messages.length - 1);
      // The token is on the console once, in the banner, and in no log line.
      expect(running.stdout().split(token!).length - 1).toBe(1);
      expect(JSON.stringify(logLines(running))).not.toContain(token);
    } finally {
      running.child.kill('SIGKILL');
    }
  });

  it('starts again on the same database without new migrations or a new token, and stops on SIGINT', async () => {
    const running = start({ DATABASE_URL, PORT: String(await freePort()) });
    try {
      await waitUntilReady(running);
      running.child.kill('SIGINT');
      expect(await running.exited).toBe(0);
      expect(running.stdout()).not.toContain('shown only this once');
      const messages = logLines(running).map((l) => l.msg);
      expect(messages).not.toContain('migrations applied');
      expect(messages[messages.length - 1]).toBe('stopped');
    } finally {
      running.child.kill('SIGKILL');
    }
  });

  it.each([
    ['PORT', 'abc'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['MAX_QUERY_DEPTH', '0'],
  ])('refuses to start with %s=%s and says which variable is wrong', async (name, value) => {
    const running = start({ DATABASE_URL, PORT: String(await freePort()), [name]: value });
    const code = await running.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(running.stderr()).toContain(`configuration error: ${name}`);
    expect(running.stderr()).not.toMatch(/\n\s+at /);
  });
});
