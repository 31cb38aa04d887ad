// A failing receiver: an event retried on the short schedule (0.3 s, 0.3 s)
// until EXPIRED, watched on its page; then replayed once the receiver answers
// 200: a 4th attempt with 200 and DELIVERED, all without a reload.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  fileFixture, visit, expectText, expectPath, signIn, createEndpoint, createApiKey, apiWithKey, confirm,
  assertConsoleClean, waitFor,
} from './harness.mjs';

const fx = fileFixture('replay', { retrySchedule: '0.3,0.3' });
before(fx.setup, { timeout: 60_000 });
after(fx.teardown, { timeout: 30_000 });

let endpointId;
let key;

fx.pageTest('an event EXPIRED after 3 failed attempts, replayed: attempt 4 gets 200, DELIVERED', async (page) => {
  const { server, receiver } = fx;
  receiver.setStatus(500);
  await signIn(page, server);
  endpointId = await createEndpoint(page, server, receiver.url + '/hooks/failing', 'Fails at first');
  key = await createApiKey(page, server, 'e2e replay');

  const sent = await apiWithKey(server, key, 'POST', `/api/v1/e/${endpointId}`, { event: 'invoice.paid', data: { n: 1 } });
  assert.equal(sent.status, 202, sent.text);
  const id = sent.json.id;

  await page.goto(`${server.url}/events/${id}`);
  await expectText(page.locator('main h1'), new RegExp(id));
  await page.evaluate(() => { window.__e2eNoReload = 'still here'; });
  await expectText(page.getByTestId('status-badge'), 'EXPIRED', { timeout: 20_000 });
  for (const n of [1, 2, 3]) await expectText(page.locator(`tr[data-attempt="${n}"]`), /\b500\b/);
  assert.equal(await page.locator('tr[data-attempt="4"]').count(), 0);
  assert.equal(receiver.requests.filter((r) => r.headers['x-promptjang-event-id'] === id).length, 3);
  await visit(page, 'event-detail-expired');

  receiver.setStatus(200);
  await page.getByRole('button', { name: 'Replay', exact: true }).click();
  const fourth = page.locator('tr[data-attempt="4"]');
  await fourth.waitFor({ state: 'visible', timeout: 15_000 });
  await expectText(fourth, /\b200\b/, { timeout: 15_000 });
  await expectText(page.getByTestId('status-badge'), 'DELIVERED', { timeout: 15_000 });
  assert.equal(await page.evaluate(() => window.__e2eNoReload), 'still here', 'the page was not reloaded');
  assert.equal(new URL(page.url()).pathname, `/events/${id}`);

  const got = await receiver.waitForRequest((r) => r.headers['x-promptjang-event-id'] === id && r.status === 200);
  assert.equal(got.headers['x-promptjang-attempt'], '4');
  await visit(page, 'event-detail-replayed');
});

fx.pageTest('"Replay expired events" on the endpoint page replays them', async (page) => {
  const { server, receiver } = fx;
  assert.ok(endpointId && key, 'the previous test made the endpoint and key');
  receiver.setStatus(500);
  const sent = await apiWithKey(server, key, 'POST', `/api/v1/e/${endpointId}`, { event: 'invoice.paid', data: { n: 2 } });
  assert.equal(sent.status, 202, sent.text);
  const id = sent.json.id;
  await waitFor(async () => (await apiWithKey(server, key, 'GET', `/api/v1/events/${id}`)).json?.status === 'EXPIRED',
    { timeout: 20_000, message: 'the event EXPIRED' });

  const expired = await apiWithKey(server, key, 'GET', `/api/v1/events?status=EXPIRED&endpoint_id=${endpointId}`);
  const count = expired.json.data.length; // this one, and the first test's when it failed before its replay
  assert.ok(count >= 1);

  receiver.setStatus(200);
  await page.goto(`${server.url}/endpoints/${endpointId}`);
  await expectText(page.locator('main h1'), receiver.url + '/hooks/failing');
  await page.getByRole('button', { name: 'Replay expired events', exact: true }).click();
  await confirm(page, 'Replay');
  await expectText(page.getByRole('status'), new RegExp(`\\b${count}\\b`));
  await waitFor(async () => (await apiWithKey(server, key, 'GET', `/api/v1/events/${id}`)).json?.status === 'DELIVERED',
    { timeout: 15_000, message: 'the replayed event DELIVERED' });
  await receiver.waitForRequest((r) => r.headers['x-promptjang-event-id'] === id && r.status === 200);
  assertConsoleClean(page, [], 'replaying expired events');
});
