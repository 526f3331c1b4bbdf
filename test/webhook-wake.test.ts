import { startApi, type TestApi } from './support/api';
import { startReceiver, type Receiver } from './support/webhook-receiver';

// With a poll interval of an hour, only the wake-up after a committed mutation can send.
let api: TestApi;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  api = await startApi({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_POLL_INTERVAL: '1h' });
});
afterAll(async () => {
  await api.stop();
  await receiver.close();
});

it('sends a mutation’s events as soon as it is answered, without waiting for the poll', async () => {
  const created = await api.data<{ createWebhook: { secret: string } }, unknown>(
    `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }`,
    { input: { name: 'prompt', url: receiver.url, actions: ['MODEL_CREATED'] } },
  );
  await api.data(`mutation { createRegisteredModel(input: { name: "prompt-model" }) { registeredModel { name } } }`);
  await receiver.waitFor((r) => r.length === 1, 5_000);
  expect(receiver.verify(created.createWebhook.secret, receiver.received[0])).toMatchObject({
    action: 'MODEL_CREATED',
    modelName: 'prompt-model',
  });
});
