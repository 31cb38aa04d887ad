// Managing things: editing and disabling an endpoint, revoking a key (the API
// then refuses it), and CSRF protection of cookie-authenticated requests.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  fileFixture, expectText, signIn, createEndpoint, createApiKey, apiWithKey, confirm, csrfToken,
  assertConsoleClean, waitFor, ensureSignedIn,
} from './harness.mjs';

const fx = fileFixture('manage');
before(fx.setup, { timeout: 60_000 });
after(fx.teardown, { timeout: 30_000 });

async function endpointJson(page, id) {
  const res = await page.request.get(`${fx.server.url}/api/v1/endpoints/${id}`);
  assert.equal(res.status(), 200);
  return res.json();
}

fx.pageTest("edit an endpoint's description (kept after a reload); disable, then enable", async (page) => {
  const { server, receiver } = fx;
  await signIn(page, server);
  const id = await createEndpoint(page, server, receiver.url + '/hooks/edit', 'before the edit');

  const description = page.getByLabel('Description', { exact: true });
  await expectText(description, 'before the edit');
  await description.fill('after the edit: billing events');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await waitFor(async () => (await endpointJson(page, id)).description === 'after the edit: billing events',
    { message: 'the description saved' });
  await page.reload();
  await expectText(page.locator('main h1'), receiver.url + '/hooks/edit');
  await expectText(page.getByLabel('Description', { exact: true }), 'after the edit: billing events');

  await page.getByRole('button', { name: 'Disable', exact: true }).click();
  await page.getByRole('button', { name: 'Enable', exact: true }).waitFor({ state: 'visible' });
  await waitFor(async () => (await endpointJson(page, id)).enabled === false, { message: 'the endpoint disabled' });
  await page.getByRole('button', { name: 'Enable', exact: true }).click();
  await page.getByRole('button', { name: 'Disable', exact: true }).waitFor({ state: 'visible' });
  await waitFor(async () => (await endpointJson(page, id)).enabled === true, { message: 'the endpoint enabled' });
  assertConsoleClean(page, [], 'editing an endpoint');
});

fx.pageTest('a key revoked in the dashboard is refused by the API (401)', async (page) => {
  const { server } = fx;
  await ensureSignedIn(page, server);
  const key = await createApiKey(page, server, 'to be revoked');
  assert.equal((await apiWithKey(server, key, 'GET', '/api/v1/endpoints')).status, 200, 'the new key works');

  const row = page.locator('tr[data-key-id]').filter({ hasText: 'to be revoked' });
  await row.getByRole('button', { name: 'Revoke', exact: true }).click();
  await confirm(page, 'Revoke key');
  await waitFor(async () => (await apiWithKey(server, key, 'GET', '/api/v1/endpoints')).status === 401,
    { timeout: 5_000, message: 'the revoked key refused' });
  const res = await apiWithKey(server, key, 'GET', '/api/v1/endpoints');
  assert.equal(res.status, 401);
  assert.equal(res.json?.error?.code, 'unauthorized');
  assertConsoleClean(page, [], 'revoking a key');
});

fx.pageTest('a state-changing request without the CSRF token is refused (403), with it accepted', async (page) => {
  const { server, receiver } = fx;
  await ensureSignedIn(page, server);
  await page.goto(server.url + '/endpoints');
  await expectText(page.locator('main h1'), 'Endpoints');
  const url = receiver.url + '/hooks/csrf';
  const list = async () => (await (await page.request.get(server.url + '/api/v1/endpoints?limit=1000')).json()).data;

  const refused = await page.request.post(server.url + '/api/v1/endpoints', { data: { url } });
  assert.equal(refused.status(), 403);
  assert.equal((await refused.json()).error.code, 'csrf_failed');
  assert.equal((await list()).filter((e) => e.url === url).length, 0, 'nothing was created');

  const token = await csrfToken(page, server);
  assert.ok(token);
  const accepted = await page.request.post(server.url + '/api/v1/endpoints', {
    data: { url }, headers: { 'X-CSRF-Token': token },
  });
  assert.equal(accepted.status(), 201);
  assert.equal((await list()).filter((e) => e.url === url).length, 1);
  assertConsoleClean(page, [], 'the CSRF check');
});
