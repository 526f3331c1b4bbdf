import { randomBytes } from 'node:crypto';
import { FoundationModelNameDocument } from './__generated__/graphql';
import { newToken } from '../src/db/repositories/api-key.repository';
import { Role } from '../src/domain/roles';
import { createLogger } from '../src/http/logger';
import { codes, startApi, type TestApi } from './support/api';

// Tokens and Authorization headers never reach the logs, even when a request fails in a way
// that gets logged. The gateway logs JSON lines to a stream this test reads.
const lines: string[] = [];
const capture = { write: (line: string) => void lines.push(line) };
const logger = createLogger('trace', capture);
const logs = () => lines.join('');

let api: TestApi;
let viewerToken: string;
const unknownToken = newToken();
const basicSecret = `user:${randomBytes(16).toString('hex')}`;
const variableSecret = `mg_${randomBytes(24).toString('hex')}`;

beforeAll(async () => {
  api = await startApi({ LOG_LEVEL: 'trace' }, { logger });
  viewerToken = await api.token('log-viewer', [Role.VIEWER]);
});
afterAll(() => api.stop());

/** Every secret this test sent: none may appear in a log line. */
const secrets = () => [api.adminToken, viewerToken, unknownToken, Buffer.from(basicSecret).toString('base64'), basicSecret, variableSecret];

describe('the logs', () => {
  it('are JSON lines', async () => {
    logger.info({ probe: 1 }, 'probe');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(JSON.parse(lines[lines.length - 1])).toMatchObject({ level: 30, service: 'modelgate', msg: 'probe', probe: 1 });
  });

  it('redact tokens and Authorization headers wherever a log call puts them', () => {
    const before = lines.length;
    logger.info({ token: api.adminToken, authorization: `Bearer ${viewerToken}` }, 'top level');
    logger.warn({ req: { headers: { authorization: `Bearer ${api.adminToken}` } }, key: { token: viewerToken } }, 'nested');
    logger.error({ headers: { authorization: `Basic ${Buffer.from(basicSecret).toString('base64')}` } }, 'headers');
    const written = lines.slice(before).join('');
    expect(written).toContain('[redacted]');
    for (const secret of secrets()) expect(written).not.toContain(secret);
  });

  it('log an unexpected error with its request id, while the client gets it masked', async () => {
    // Break the database under the running gateway: the next query fails inside Prisma.
    await api.db.prisma.$executeRawUnsafe('ALTER TABLE "RegisteredModel" RENAME TO "RegisteredModel_gone"');
    const result = await api.gql(FoundationModelNameDocument, { name: variableSecret }, { headers: { 'x-request-id': 'log-test-1' } });
    expect(codes(result)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(result.errors![0].message).toBe('Internal server error');
    expect(result.errors![0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'log-test-1' });
    expect(JSON.stringify(result)).not.toMatch(/RegisteredModel_gone|SELECT|no such table|does not exist/);

    const entry = lines.map((l) => JSON.parse(l)).find((l) => l.requestId === 'log-test-1');
    expect(entry).toMatchObject({ level: 50, msg: 'unexpected error', err: expect.any(Object) });
    await api.db.prisma.$executeRawUnsafe('ALTER TABLE "RegisteredModel_gone" RENAME TO "RegisteredModel"');
  });

  it('never contain a token or an Authorization header, whatever the requests carried', async () => {
    await api.gql(FoundationModelNameDocument, { name: 'x' });
    await api.gql(FoundationModelNameDocument, { name: 'x' }, { token: viewerToken });
    expect(codes(await api.gql(FoundationModelNameDocument, { name: 'x' }, { token: unknownToken }))).toEqual(['UNAUTHENTICATED']);
    const basic = await api.gql(
      FoundationModelNameDocument,
      { name: 'x' },
      { token: null, headers: { authorization: `Basic ${Buffer.from(basicSecret).toString('base64')}` } },
    );
    expect(codes(basic)).toEqual(['UNAUTHENTICATED']);
    await api.gql('{ registeredModel(name: "x") { nope } }');

    const all = logs();
    expect(all.length).toBeGreaterThan(0);
    for (const secret of secrets()) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/Bearer\s+\S/i);
    expect(all).not.toMatch(/Basic\s+[A-Za-z0-9+/=]{8,}/);
  });
});
