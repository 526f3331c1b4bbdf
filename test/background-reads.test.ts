import { startApi, type TestApi } from './support/api';
import { openSubscriptions, subscribe } from './support/subscriber';

/*
 * What a write costs beyond its own statements. The event feed reads committed events for its
 * listeners and the webhook dispatcher leases due deliveries; neither runs a statement per write
 * while nobody in the process listens and no webhook is registered. With their polls set far
 * apart, every statement the process runs is then one of the requests' own.
 */
const CREATE = `mutation Create($input: CreateRegisteredModelInput!) { createRegisteredModel(input: $input) { registeredModel { name } } }`;
const TAG = `mutation Tag($input: SetRegisteredModelTagInput!) { setRegisteredModelTag(input: $input) { registeredModel { name } } }`;

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ EVENT_POLL_INTERVAL_MS: '60000', WEBHOOK_POLL_INTERVAL: '60s' });
});
afterAll(() => api.stop());

/** Runs the writes one at a time; returns what their responses counted and what the process ran. */
async function writes(prefix: string, count: number): Promise<{ counted: number; ran: number }> {
  const before = api.db.statements.total;
  let counted = 0;
  for (let i = 0; i < count; i++) {
    const created = await api.gql(CREATE, { input: { name: `${prefix}-${i}` } });
    const tagged = await api.gql(TAG, { input: { name: `${prefix}-${i}`, key: 'k', value: 'v' } });
    expect(created.errors ?? tagged.errors).toBeUndefined();
    counted += created.statements + tagged.statements;
  }
  // Whatever a write woke would run right after its response: give it the time to.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { counted, ran: api.db.statements.total - before };
}

it('runs no statement of its own per write while nobody listens and no webhook exists', async () => {
  // Past the start: the feed finds its position and the dispatcher leases once, then both wait.
  await writes('warm', 1);
  const { counted, ran } = await writes('quiet', 10);
  expect(ran).toBe(counted);
});

it('reads the events again for a subscriber, from the moment it subscribed', async () => {
  const subscriber = await subscribe(api.url, { token: api.adminToken });
  try {
    await openSubscriptions(api.url, 1);
    await api.data(CREATE, { input: { name: 'heard' } });
    const [event] = await subscriber.waitFor(1);
    // Not one of the 22 events written before it subscribed.
    expect(event).toMatchObject({ action: 'MODEL_CREATED', modelName: 'heard' });
  } finally {
    await subscriber.dispose();
  }
});
