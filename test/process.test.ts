import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
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

  it('reports a busy port in one line naming PORT, before migrating or printing a token', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    const fresh = join(dir, 'never-created.db');
    try {
      const running = start({ DATABASE_URL: `file:${fresh}`, PORT: String(port) });
      expect(await running.exited).toBe(1);
      expect(running.stderr().trim()).toBe(
        `modelgate: port ${port} on 127.0.0.1 is in use; set PORT to a free port (or stop what listens there)`,
      );
      expect(running.stdout()).not.toContain('shown only this once');
      expect(existsSync(fresh)).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('refuses a DATABASE_URL file that is not SQLite in one line, without a backtrace', async () => {
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'these are my notes, not a database\n'.repeat(100));
    const running = start({ DATABASE_URL: `file:${notes}`, PORT: String(await freePort()) });
    expect(await running.exited).toBe(1);
    expect(running.stderr().trim()).toBe(
      `modelgate: failed to start: DATABASE_URL points at ${notes}, which is not a SQLite database; point it at a new file or a modelgate database`,
    );
    expect(running.stdout()).toBe('');
  });

  it('runs `npm run token -- create|list` from the built tree without rebuilding', () => {
    const env = { ...process.env, DATABASE_URL };
    const launcher = join(projectRoot, 'scripts', 'token-launcher.mjs');
    const started = Date.now();
    const created = spawnSync(process.execPath, [launcher, 'create', 'list-me', 'VIEWER'], { cwd: projectRoot, env, encoding: 'utf8' });
    expect(created.status).toBe(0);
    expect(created.stderr).not.toContain('building first');
    expect(created.stdout.trim()).toMatch(/^mg_\S{43}$/);
    const listed = spawnSync(process.execPath, [launcher, 'list'], { cwd: projectRoot, env, encoding: 'utf8' });
    console.log(`token create + list from the built tree: ${Date.now() - started} ms`);
    expect(listed.status).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ROLES\s+CREATED BY\s+CREATED AT\s+REVOKED AT$/);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^list-me\s+VIEWER\s+cli\s+\S+Z\s+-$/)]));
    expect(listed.stdout).not.toContain('mg_');
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
