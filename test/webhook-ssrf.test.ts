import { httpWebhookTransport } from '../src/http/webhook-transport';
import { codes, startApi, type TestApi } from './support/api';
import { startReceiver, type Receiver } from './support/webhook-receiver';

// The SSRF guard as the server runs by default (WEBHOOK_ALLOW_PRIVATE_URLS unset). Every URL
// here points at this machine or a reserved range; nothing is sent anywhere but 127.0.0.1.
let api: TestApi;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  api = await startApi({ WEBHOOK_POLL_INTERVAL: '50ms' });
});
afterAll(async () => {
  await api.stop();
  await receiver.close();
});

const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { name } } }`;

describe('creating a webhook whose URL reaches inside', () => {
  it.each([
    ['loopback', 'http://127.0.0.1:9/hook'],
    ['loopback', 'http://localhost:9/hook'],
    ['loopback', 'http://[::1]:9/hook'],
    ['loopback', 'http://2130706433:9/'], // 127.0.0.1 in decimal
    ['loopback', 'http://0x7f.1:9/'],
    ['loopback', 'http://[::ffff:127.0.0.1]:9/'],
    ['private', 'https://10.1.2.3/hook'],
    ['private', 'https://192.168.0.10/hook'],
    ['metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['link-local', 'http://[fe80::1]/'],
    ['unique-local', 'http://[fd00::1]/'],
    ['cgnat', 'http://100.64.0.1/'],
    ['unspecified', 'http://0.0.0.0:9/'],
  ])('is refused: %s (%s)', async (range, url) => {
    const result = await api.gql(CREATE, { input: { name: 'inside', url } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0].extensions).toMatchObject({ field: 'url', range });
  });

  it('leaves nothing behind, and the same goes for updateWebhook', async () => {
    const state = await api.data<{ webhooks: unknown[]; auditEvents: { totalCount: number } }, unknown>(
      `{ webhooks { name } auditEvents(filter: { actions: ["WEBHOOK_CREATED"] }) { totalCount } }`,
    );
    expect(state).toEqual({ webhooks: [], auditEvents: { totalCount: 0 } });
    const update = `mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { name } } }`;
    const result = await api.gql(update, { input: { name: 'any', url: 'http://127.0.0.1/' } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('the transport checks again at delivery time', () => {
  const request = (url: string) => ({
    url,
    headers: { 'webhook-id': 'x', 'webhook-timestamp': '1', 'webhook-signature': 'v1,x' },
    body: '{}',
    timeoutMs: 2_000,
    signal: new AbortController().signal,
  });

  it('refuses a literal private address without connecting', async () => {
    const transport = httpWebhookTransport({ allowPrivate: false });
    const response = await transport(request(receiver.url));
    transport.close();
    expect(response).toEqual({ statusCode: null, error: expect.stringContaining('loopback') });
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses a host that resolves to a private address now (DNS changed since the webhook was created)', async () => {
    const rebound = async () => ['127.0.0.1'];
    const transport = httpWebhookTransport({ allowPrivate: false, resolve: rebound });
    const response = await transport(request(receiver.url.replace('127.0.0.1', 'rebound.invalid')));
    transport.close();
    expect(response).toEqual({ statusCode: null, error: expect.stringContaining('loopback addresses (rebound.invalid is 127.0.0.1)') });
    expect(receiver.received).toHaveLength(0);
  });

  it('connects to the address it checked (pinned), not to a second lookup', async () => {
    // `pinned.invalid` exists in no DNS: the POST can only arrive through the checked answer.
    const transport = httpWebhookTransport({ allowPrivate: true, resolve: async () => ['127.0.0.1'] });
    const response = await transport(request(receiver.url.replace('127.0.0.1', 'pinned.invalid')));
    transport.close();
    expect(response).toEqual({ statusCode: 200, error: null });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].headers.host).toMatch(/^pinned\.invalid:\d+$/);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    receiver.respond = () => new Promise((resolve) => setTimeout(() => resolve(200), 3_000).unref());
    const transport = httpWebhookTransport({ allowPrivate: true });
    const started = Date.now();
    const response = await transport({ ...request(receiver.url), timeoutMs: 300 });
    transport.close();
    expect(response).toEqual({ statusCode: null, error: 'no answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(2_000);
    receiver.respond = () => 200;
  });
});
