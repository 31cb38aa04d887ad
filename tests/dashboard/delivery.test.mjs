// The main path: an endpoint and an API key made in the dashboard, an event
// sent with that key and seen DELIVERED live, a test event whose signature
// verifies with the revealed secret, and every signed-in page's screenshot.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  fileFixture, visit, expectText, expectPath, signIn, goTo, createEndpoint, createApiKey, apiWithKey,
  hmacHex, assertConsoleClean, waitFor,
} from './harness.mjs';

const fx = fileFixture('delivery');
before(fx.setup, { timeout: 60_000 });
after(fx.teardown, { timeout: 30_000 });

let endpointId;
let eventId;

fx.pageTest('an event sent with a key made in the dashboard shows DELIVERED without a reload', async (page) => {
  const { server, receiver } = fx;
  await signIn(page, server);

  const target = receiver.url + '/hooks/main';
  endpointId = await createEndpoint(page, server, target, 'Main receiver');
  assert.match(endpointId, /^ep_/);
  await visit(page, 'endpoint-detail');

  const key = await createApiKey(page, server, 'e2e ingest');
  await visit(page, 'api-keys');

  await goTo(page, 'Events', '/events', 'Events');
  await page.evaluate(() => { window.__e2eNoReload = 'still here'; });

  const body = JSON.stringify({ event: 'order.created', data: { order: 'ord_42', total_cents: 1299 } });
  const sent = await apiWithKey(server, key, 'POST', `/api/v1/e/${endpointId}`, body);
  assert.equal(sent.status, 202, sent.text);
  eventId = sent.json.id;
  assert.match(eventId, /^evt_/);

  const row = page.locator(`tr[data-event-id="${eventId}"]`);
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await expectText(row.getByTestId('status-badge'), 'DELIVERED', { timeout: 15_000 });
  assert.equal(await page.evaluate(() => window.__e2eNoReload), 'still here', 'the page was not reloaded');
  assert.equal(new URL(page.url()).pathname, '/events');

  const got = await receiver.waitForRequest((r) => r.headers['x-promptjang-event-id'] === eventId);
  assert.equal(got.method, 'POST');
  assert.equal(got.url, '/hooks/main');
  assert.equal(got.text, body, 'the body is delivered byte for byte');
  assert.equal(got.headers['x-promptjang-event'], 'order.created');
  await visit(page, 'events');

  // The event's own page, reached from its row.
  await row.getByRole('link').first().click();
  await expectPath(page, `/events/${eventId}`);
  await expectText(page.locator('main h1'), new RegExp(eventId));
  await expectText(page.getByTestId('status-badge'), 'DELIVERED');
  await expectText(page.getByTestId('payload'), /ord_42/);
  await expectText(page.locator('tr[data-attempt="1"]'), /\b200\b/);
  await visit(page, 'event-detail');

  await goTo(page, 'Endpoints', '/endpoints', 'Endpoints');
  const epRow = page.locator(`tr[data-endpoint-id="${endpointId}"]`);
  await epRow.getByRole('link', { name: target }).waitFor({ state: 'visible' });
  await visit(page, 'endpoints');

  await goTo(page, 'Overview', '/', 'Overview');
  for (const name of ['Usage this month', 'Deliveries, last 24 hours', 'Recent failures'])
    await page.getByRole('heading', { name, exact: true }).waitFor({ state: 'visible' });
  await page.getByTestId('delivery-chart').waitFor({ state: 'visible' });
  await visit(page, 'overview');

  await goTo(page, 'Plan & usage', '/usage', 'Plan & usage');
  await visit(page, 'usage');
});

fx.pageTest('"Send test event" delivers promptjang.test, signed with the revealed secret', async (page) => {
  const { server, receiver } = fx;
  assert.ok(endpointId, 'the previous test made the endpoint');
  await page.goto(`${server.url}/endpoints/${endpointId}`);
  await expectText(page.locator('main h1'), receiver.url + '/hooks/main');

  await page.getByRole('button', { name: 'Send test event', exact: true }).click();
  const note = page.getByRole('status').filter({ has: page.locator('a[href*="/events/evt_"]') });
  const href = await note.locator('a[href*="/events/evt_"]').first().getAttribute('href');
  const testId = /\/events\/(evt_[^/?#]+)/.exec(href)[1];

  const got = await receiver.waitForRequest((r) => r.headers['x-promptjang-event-id'] === testId);
  assert.equal(got.headers['x-promptjang-event'], 'promptjang.test');
  assert.equal(JSON.parse(got.text).event, 'promptjang.test');

  // The note's link leads to the event; Back returns to the endpoint.
  await note.locator('a[href*="/events/evt_"]').first().click();
  await expectPath(page, `/events/${testId}`);
  await expectText(page.getByTestId('status-badge'), 'DELIVERED', { timeout: 15_000 });
  await page.goBack();
  await expectPath(page, `/endpoints/${endpointId}`);
  await expectText(page.locator('main h1'), receiver.url + '/hooks/main');

  await page.getByRole('button', { name: 'Reveal secret', exact: true }).click();
  const secret = await expectText(page.getByTestId('endpoint-secret'), /^whsec_\S+$/);
  assert.equal(got.headers['x-promptjang-signature'], hmacHex(secret, got.body),
    'X-PromptJang-Signature is the HMAC-SHA256 of the raw body with the secret');
  assertConsoleClean(page, [], 'the test event');
});
