import {
  GovAuditEventsDocument,
  GovCreateApiKeyDocument,
  GovNodeDocument,
  GovRevokeApiKeyDocument,
  GovViewerDocument,
} from './__generated__/graphql';
import { createDatabase, databaseTarget } from '../src/db/client';
import { migrate } from '../src/db/migrate';
import { hashToken, newToken } from '../src/db/repositories/api-key.repository';
import { Role } from '../src/domain/roles';
import { createLogger } from '../src/http/logger';
import { bootstrapAdmin } from '../src/services/bootstrap.service';
import { freshDatabase } from './support/databases';
import { codes, startApi, type TestApi } from './support/api';

const lines: string[] = [];
const logger = createLogger('trace', { write: (line: string) => void lines.push(line) });

let api: TestApi;
/** Every token this file handles: none may show in an audit event, an error or a log line. */
const tokens: string[] = [];
beforeAll(async () => {
  api = await startApi({ LOG_LEVEL: 'trace' }, { logger });
  tokens.push(api.adminToken);
});
afterAll(() => api.stop());

const auditCount = async () => (await api.data(GovAuditEventsDocument, { first: 0 })).auditEvents.totalCount;
async function createKey(name: string, roles: Role[], token?: string) {
  const result = await api.gql(GovCreateApiKeyDocument, { input: { name, roles } }, { token });
  if (result.data) tokens.push(result.data.createApiKey.token);
  return result;
}

describe('createApiKey', () => {
  it('returns the token once, with a principal that the token then is', async () => {
    const result = await createKey('deploy-bot', [Role.CONTRIBUTOR, Role.CONTRIBUTOR]);
    const { token, principal } = result.data!.createApiKey;
    expect(token).toMatch(/^mg_[A-Za-z0-9_-]{43}$/);
    expect(principal).toEqual({ id: expect.any(String), name: 'deploy-bot', roles: ['CONTRIBUTOR'] });
    expect((await api.data(GovViewerDocument, {}, { token })).viewer).toEqual(principal);
    expect((await api.data(GovNodeDocument, { id: principal.id })).node).toEqual({
      id: principal.id,
      name: 'deploy-bot',
      roles: ['CONTRIBUTOR'],
    });
    // Only the hash is stored.
    const row = await api.db.prisma.apiKey.findUniqueOrThrow({ where: { name: 'deploy-bot' } });
    expect(row.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('refuses a taken name, a bad name, no roles and a non-admin, recording nothing', async () => {
    const approver = await api.token('key-approver', [Role.APPROVER]);
    tokens.push(approver);
    const before = await auditCount();
    expect(codes(await createKey('deploy-bot', [Role.VIEWER]))).toEqual(['ALREADY_EXISTS']);
    expect(codes(await createKey('has space', [Role.VIEWER]))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await createKey('', [Role.VIEWER]))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await createKey('anonymous', [Role.VIEWER]))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await createKey('no-roles', []))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await createKey('sneaky', [Role.ADMIN], approver))).toEqual(['FORBIDDEN']);
    expect(await auditCount()).toBe(before);
  });

  it('records API_KEY_CREATED with the name and roles', async () => {
    const events = await api.data(GovAuditEventsDocument, {
      filter: { actions: ['API_KEY_CREATED'], actor: (await api.data(GovViewerDocument, {})).viewer!.name },
    });
    const details = events.auditEvents.edges.map((e) => JSON.parse(e.node.details));
    expect(details).toContainEqual({ name: 'deploy-bot', roles: ['CONTRIBUTOR'] });
  });
});

describe('revokeApiKey', () => {
  it('refuses the revoked token from the next request on', async () => {
    const token = (await createKey('short-lived', [Role.APPROVER])).data!.createApiKey.token;
    expect((await api.data(GovViewerDocument, {}, { token })).viewer?.name).toBe('short-lived');
    expect((await api.data(GovRevokeApiKeyDocument, { input: { name: 'short-lived' } })).revokeApiKey.revokedName).toBe('short-lived');
    const after = await api.gql(GovViewerDocument, {}, { token });
    expect(after.status).toBe(401);
    expect(codes(after)).toEqual(['UNAUTHENTICATED']);
    const events = await api.data(GovAuditEventsDocument, { filter: { actions: ['API_KEY_REVOKED'] } });
    expect(events.auditEvents.edges.map((e) => JSON.parse(e.node.details))).toEqual([{ name: 'short-lived', roles: ['APPROVER'] }]);
    // Revoking again changes nothing and records nothing.
    const before = await auditCount();
    expect((await api.data(GovRevokeApiKeyDocument, { input: { name: 'short-lived' } })).revokeApiKey.revokedName).toBe('short-lived');
    expect(await auditCount()).toBe(before);
  });

  it('answers an unknown name with NOT_FOUND and a non-admin with FORBIDDEN', async () => {
    const before = await auditCount();
    expect(codes(await api.gql(GovRevokeApiKeyDocument, { input: { name: 'nobody' } }))).toEqual(['NOT_FOUND']);
    const contributor = (await createKey('revoker', [Role.CONTRIBUTOR])).data!.createApiKey.token;
    const mid = await auditCount();
    expect(codes(await api.gql(GovRevokeApiKeyDocument, { input: { name: 'deploy-bot' } }, { token: contributor }))).toEqual(['FORBIDDEN']);
    expect(await auditCount()).toBe(mid);
    expect(mid).toBe(before + 1);
  });

  it('keeps the last active ADMIN key; an admin may revoke their own key while another remains', async () => {
    const bootstrapName = (await api.data(GovViewerDocument, {})).viewer!.name;
    expect(codes(await api.gql(GovRevokeApiKeyDocument, { input: { name: bootstrapName } }))).toEqual(['CONFLICT']);
    const second = (await createKey('second-admin', [Role.ADMIN])).data!.createApiKey.token;
    expect((await api.data(GovRevokeApiKeyDocument, { input: { name: 'second-admin' } }, { token: second })).revokeApiKey.revokedName).toBe(
      'second-admin',
    );
    expect(codes(await api.gql(GovViewerDocument, {}, { token: second }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await api.gql(GovRevokeApiKeyDocument, { input: { name: bootstrapName } }))).toEqual(['CONFLICT']);
  });

  it('keeps one admin when the last two admins revoke each other at the same moment', async () => {
    const other = await startApi();
    try {
      const create = async (name: string) => {
        const token = (await other.data(GovCreateApiKeyDocument, { input: { name, roles: [Role.ADMIN] } })).createApiKey.token;
        tokens.push(token);
        return token;
      };
      const [a, b] = [await create('admin-a'), await create('admin-b')];
      const bootstrapName = (await other.data(GovViewerDocument, {})).viewer!.name;
      await other.data(GovRevokeApiKeyDocument, { input: { name: bootstrapName } }, { token: a });
      const results = await Promise.all([
        other.gql(GovRevokeApiKeyDocument, { input: { name: 'admin-b' } }, { token: a }),
        other.gql(GovRevokeApiKeyDocument, { input: { name: 'admin-a' } }, { token: b }),
      ]);
      const outcomes = results.map((r) => (r.errors ? String(codes(r)[0]) : 'OK'));
      // The loser is refused as the last admin, or (if it arrived after the commit) as revoked.
      expect(outcomes.filter((o) => o === 'OK')).toHaveLength(1);
      expect(outcomes.find((o) => o !== 'OK')).toMatch(/^(CONFLICT|UNAUTHENTICATED)$/);
      expect(await other.db.prisma.apiKey.count({ where: { revokedAt: null, roles: { contains: 'ADMIN' } } })).toBe(1);
    } finally {
      await other.stop();
    }
  });
});

describe('viewer and anonymous reads', () => {
  it('names the caller, and needs a token while anonymous reads are off (the default)', async () => {
    expect((await api.data(GovViewerDocument, {})).viewer).toMatchObject({
      name: expect.stringMatching(/^bootstrap-admin-/),
      roles: ['ADMIN'],
    });
    expect(codes(await api.gql(GovViewerDocument, {}, { token: null }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await api.gql(GovAuditEventsDocument, {}, { token: null }))).toEqual(['UNAUTHENTICATED']);
  });

  it('with ALLOW_ANONYMOUS_READ=true lets a caller without a token read, and nothing more', async () => {
    const open = await startApi({ ALLOW_ANONYMOUS_READ: 'true' });
    try {
      expect((await open.data(GovViewerDocument, {}, { token: null })).viewer).toBeNull();
      expect((await open.data(GovAuditEventsDocument, { first: 5 }, { token: null })).auditEvents.totalCount).toBeGreaterThan(0);
      const write = await open.gql(GovCreateApiKeyDocument, { input: { name: 'anon-key', roles: [Role.ADMIN] } }, { token: null });
      expect(codes(write)).toEqual(['UNAUTHENTICATED']);
      expect(codes(await open.gql(GovViewerDocument, {}, { token: newToken() }))).toEqual(['UNAUTHENTICATED']);
    } finally {
      await open.stop();
    }
  });
});

describe('bootstrap', () => {
  it('generates an admin token on an empty database once, and BOOTSTRAP_ADMIN_TOKEN adds its own key', async () => {
    const database = await freshDatabase();
    await migrate(database.url);
    const db = createDatabase(databaseTarget(database.url, 2));
    try {
      const first = await bootstrapAdmin(db);
      expect(first).toMatchObject({ created: true, name: 'admin', generatedToken: expect.stringMatching(/^mg_/) });
      const generated = (first as { generatedToken: string }).generatedToken;
      expect(await bootstrapAdmin(db)).toEqual({ created: false });
      const configured = newToken();
      expect(await bootstrapAdmin(db, configured)).toMatchObject({ created: true });
      expect(await bootstrapAdmin(db, configured)).toEqual({ created: false });
      const keys = await db.prisma.apiKey.findMany({ orderBy: { id: 'asc' } });
      expect(keys.map((k) => [k.roles, k.tokenHash])).toEqual([
        ['ADMIN', hashToken(generated)],
        ['ADMIN', hashToken(configured)],
      ]);
      const audit = await db.prisma.auditEvent.findMany();
      expect(audit.map((e) => e.action)).toEqual(['API_KEY_CREATED', 'API_KEY_CREATED']);
      for (const e of audit) for (const secret of [generated, configured]) expect(e.details).not.toContain(secret);
    } finally {
      await db.close();
      await database.drop();
    }
  });

  it('the configured admin token works over HTTP', async () => {
    expect((await api.data(GovViewerDocument, {}, { token: api.adminToken })).viewer?.roles).toEqual(['ADMIN']);
  });
});

describe('tokens never leak', () => {
  it('into audit events, error messages or log lines', async () => {
    const stolen = newToken();
    tokens.push(stolen);
    const errors = [
      await api.gql(GovViewerDocument, {}, { token: stolen }),
      await api.gql(GovViewerDocument, {}, { headers: { authorization: `Bearer ${stolen} extra` } }),
      await api.gql(GovViewerDocument, {}, { headers: { authorization: `Token ${stolen}` } }),
      await api.gql(GovViewerDocument, {}, { token: tokens[1] }), // revoked or live, whichever it is now
      await api.gql(GovCreateApiKeyDocument, { input: { name: 'deploy-bot', roles: [Role.VIEWER] } }),
      await api.gql('{ viewer { id name roles nope } }', {}, { token: stolen }),
    ].flatMap((r) => r.errors ?? []);
    expect(errors.length).toBeGreaterThanOrEqual(5);
    const all = (await api.data(GovAuditEventsDocument, { first: 100 })).auditEvents.edges.map((e) => JSON.stringify(e.node)).join('\n');
    const text = JSON.stringify(errors) + all + lines.join('');
    expect(tokens.length).toBeGreaterThan(5);
    for (const token of tokens) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.slice(3));
    }
  });
});
