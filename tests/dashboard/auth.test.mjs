// Signing in and out: the login page, a wrong password refused, throttling
// after repeated failures, and a signed-out visitor sent to /login.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  fileFixture, visit, expectText, expectPath, signIn, nav, assertConsoleClean, allowHttp, PASSWORD,
} from './harness.mjs';

// Two users: the throttled one has its own email, so its failures never lock
// out the owner. Failed logins in this server: 1 + 5 (under the address's 20).
const fx = fileFixture('auth', { users: ['owner@example.com', 'throttled@example.com'] });
before(fx.setup, { timeout: 60_000 });
after(fx.teardown, { timeout: 30_000 });

const session401 = allowHttp(401, /^\/api\/v1\/session$/);
const session429 = allowHttp(429, /^\/api\/v1\/session$/);

// Submits the login form; returns the HTTP status of the POST /api/v1/session it made.
async function submitLogin(page, email, password) {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  const [res] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/session' && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
  return res.status();
}

fx.pageTest('the login page; a wrong password is refused', async (page) => {
  const { server } = fx;
  await page.goto(server.url + '/');
  await expectPath(page, '/login'); // signed out: the overview sends you to sign in
  await expectText(page.locator('main h1'), 'Sign in');
  await visit(page, 'login', { allow: [session401] });

  assert.equal(await submitLogin(page, 'owner@example.com', 'not the password'), 401);
  await expectText(page.getByRole('alert'), /wrong email or password/);
  assert.equal(new URL(page.url()).pathname, '/login');
  assertConsoleClean(page, [session401], 'a refused login');
});

fx.pageTest('sign in, the navigation, sign out: /endpoints then sends you to /login', async (page) => {
  const { server } = fx;
  await signIn(page, server);
  for (const name of ['Overview', 'Endpoints', 'Events', 'API keys', 'Plan & usage'])
    await nav(page).getByRole('link', { name, exact: true }).waitFor({ state: 'visible' });
  await nav(page).getByText('owner@example.com').waitFor({ state: 'visible' });
  await visit(page, 'overview-new-account');

  await nav(page).getByRole('button', { name: 'Sign out', exact: true }).click();
  await expectPath(page, '/login');
  await expectText(page.locator('main h1'), 'Sign in');
  assert.equal((await page.request.get(server.url + '/api/v1/session')).status(), 401, 'the session is gone');

  await page.goto(server.url + '/endpoints');
  await expectPath(page, '/login');
  await expectText(page.locator('main h1'), 'Sign in');
  assertConsoleClean(page, [allowHttp(401, /^\/api\/v1\//)], 'after signing out');
});

fx.pageTest('five wrong passwords for one email, then sign-in is throttled (429)', async (page) => {
  const { server } = fx;
  await page.goto(server.url + '/login');
  await expectText(page.locator('main h1'), 'Sign in');
  for (let i = 1; i <= 5; i++) {
    assert.equal(await submitLogin(page, 'throttled@example.com', `wrong ${i}`), 401, `failed login ${i}`);
    await expectText(page.getByRole('alert'), /wrong email or password/);
  }
  assert.equal(await submitLogin(page, 'throttled@example.com', 'wrong 6'), 429);
  await expectText(page.getByRole('alert'), /too many failed sign-ins/);
  // The right password is refused too while throttled.
  assert.equal(await submitLogin(page, 'throttled@example.com', PASSWORD), 429);
  await expectText(page.getByRole('alert'), /too many failed sign-ins/);
  assert.equal(new URL(page.url()).pathname, '/login');
  assertConsoleClean(page, [session401, session429], 'throttled logins');
});
