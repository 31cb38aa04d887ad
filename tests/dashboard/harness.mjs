// Shared helpers of the dashboard's end-to-end tests: a real `promptjang serve`
// on a fresh database, a local webhook receiver, Debian's Chromium driven by
// playwright-core, bounded waits, and `visit` (screenshots + console checks).
// Everything listens on 127.0.0.1 only. See README.md.
import { spawn, execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { createWriteStream, existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromium } from 'playwright-core';

const execFileP = promisify(execFile);

export const BIN = process.env.PJ_E2E_BINARY;
export const ARTIFACTS = path.resolve(process.env.PJ_E2E_ARTIFACTS || 'artifacts');
export const CHROMIUM = process.env.PJ_E2E_CHROMIUM || '/usr/bin/chromium';
export const PASSWORD = 'correct horse battery staple';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

if (!BIN) throw new Error('PJ_E2E_BINARY must name the promptjang binary (run.sh sets it)');
if (!existsSync(BIN)) throw new Error(`no promptjang binary at ${BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);

// Ended by a signal (the runner's timeout, Ctrl-C): exit, so that the 'exit'
// handlers kill the servers this process started.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, () => process.exit(1));

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A sleep that does not keep the process alive (for races with an exit).
const unrefSleep = (ms) => new Promise((r) => setTimeout(r, ms).unref());

// Polls fn until it returns a truthy value (which it returns) or the timeout
// passes (then throws, with the last value or error in the message).
export async function waitFor(fn, { timeout = 10_000, interval = 100, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? last.message : JSON.stringify(last);
      const what = typeof message === 'function' ? message() : message;
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${why})`);
    }
    await sleep(interval);
  }
}

// The trimmed rendered text of a locator (innerText, so table cells stay apart;
// its value for a form field); undefined while nothing matches.
export async function textOf(locator) {
  if ((await locator.count()) === 0) return undefined;
  return locator.evaluate(
    (el) => (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' ? el.value : el.innerText).trim(),
    undefined, { timeout: 2_000 });
}

// Waits until the first match's text equals `expected` (a string) or matches
// it (a RegExp); returns the text.
export async function expectText(locator, expected, { timeout = 10_000 } = {}) {
  let got;
  await waitFor(
    async () => {
      got = await textOf(locator.first());
      if (got === undefined) return false;
      return typeof expected === 'string' ? got === expected : expected.test(got);
    },
    { timeout, message: () => `text ${expected} in ${locator} (got ${JSON.stringify(got)})` },
  );
  return got;
}

export async function expectPath(page, pathname, { timeout = 10_000 } = {}) {
  await waitFor(() => new URL(page.url()).pathname === pathname, {
    timeout,
    message: `address ${pathname} (at ${page.url()})`,
  });
}

// ---------------------------------------------------------------- the server

async function cli(args) {
  const { stdout } = await execFileP(BIN, args, { timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

// Starts `promptjang serve` on a fresh database with one account and `users`
// (emails) sharing PASSWORD. Returns {url, accountId, stop(), logFile, ...}.
export async function startServer({ label, users = ['owner@example.com'], retrySchedule = '0.3,0.3' } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pj-e2e-'));
  const db = `sqlite:${path.join(dir, 'pj.db')}`;
  const account = await cli(['account', 'create', '--name', 'Acme', '--plan', 'starter', '--database', db, '--json']);
  assert.match(account.id, /^acct_/);
  for (const email of users)
    await cli(['user', 'create', '--account', account.id, '--email', email, '--password', PASSWORD, '--database', db, '--json']);

  await mkdir(ARTIFACTS, { recursive: true });
  const logFile = path.join(ARTIFACTS, `${label}-server.log`);
  const log = createWriteStream(logFile);
  const child = spawn(
    BIN,
    ['serve', '--listen', '127.0.0.1:0', '--database', db, '--allow-private-targets',
      '--retry-schedule', retrySchedule, '--no-bootstrap', '--log-level', 'info'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit); // also when the runner ends this process (below)
  let exited = null; // {code, signal} once it exits
  let stopping = false;
  const exitPromise = new Promise((resolve) => child.once('exit', (code, signal) => {
    exited = { code, signal };
    if (!log.writableEnded) log.write(`\n[e2e] the server exited: code ${code}, signal ${signal}${stopping ? ' (stopped by the test)' : ''}\n`);
    resolve(exited);
  }));

  const port = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server did not say "listening on port" within 20 s:\n${seen}`)), 20_000);
    const onData = (chunk) => {
      log.write(chunk);
      if (seen.length < 100_000) seen += chunk.toString();
      const m = /listening on port (\d+)/.exec(seen);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exitPromise.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`server exited (${code ?? signal}) before listening:\n${seen}`)); });
  }).catch(async (e) => { child.kill('SIGKILL'); await rm(dir, { recursive: true, force: true }); throw e; });
  child.stdout.removeAllListeners('data');
  child.stderr.removeAllListeners('data');
  child.stdout.on('data', (c) => log.write(c));
  child.stderr.on('data', (c) => log.write(c));

  async function stop() {
    stopping = true;
    if (!exited) {
      child.kill('SIGTERM');
      const done = await Promise.race([exitPromise.then(() => true), unrefSleep(5_000).then(() => false)]);
      if (!done) { child.kill('SIGKILL'); await Promise.race([exitPromise, unrefSleep(2_000)]); }
    }
    process.off('exit', killOnExit);
    log.end();
    await rm(dir, { recursive: true, force: true });
  }
  // Why the server is gone, when it died during a test ('' while it runs).
  const died = () => (exited && !stopping ? `the server died (code ${exited.code}, signal ${exited.signal})` : '');
  return { url: `http://127.0.0.1:${port}`, port, pid: child.pid, accountId: account.id, users, dir, logFile, stop, died };
}

// fetch against the server with an API key.
export async function apiWithKey(server, key, method, route, body) {
  const res = await fetch(server.url + route, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, json, text, headers: res.headers };
}

// -------------------------------------------------------------- the receiver

// A webhook receiver on 127.0.0.1 that records every request (raw body kept)
// and answers `status` (switch it with setStatus).
export async function startReceiver() {
  const requests = [];
  let status = 200;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method, url: req.url, headers: req.headers, body, text: body.toString('utf8'), status, at: Date.now() });
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(status < 300 ? 'ok' : 'receiver says no');
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setStatus(s) { status = s; },
    async waitForRequest(pred, opts = {}) {
      return waitFor(() => requests.find(pred), { message: 'a request at the receiver', ...opts });
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export function hmacHex(secret, body) {
  return createHmac('sha256', secret).update(body).digest('hex');
}

// --------------------------------------------------------------- the browser

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

export async function newContext(browser) {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', timezoneId: 'UTC' });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  return context;
}

// Console messages of type error and warning, and page errors, per page.
const consoleLogs = new WeakMap();

export async function newPage(context) {
  const page = await context.newPage();
  const entries = [];
  consoleLogs.set(page, { entries, checked: 0 });
  page.on('console', (msg) => {
    const type = msg.type();
    if (type === 'error' || type === 'warning')
      entries.push({ kind: `console.${type}`, text: msg.text(), url: msg.location()?.url ?? '' });
  });
  page.on('pageerror', (err) => entries.push({ kind: 'pageerror', text: String(err?.stack || err), url: '' }));
  return page;
}

// An allowed message: Chrome's "Failed to load resource" for one HTTP status,
// on an address whose path matches `path` (a RegExp).
export function allowHttp(status, pathRe) {
  return (e) =>
    e.kind === 'console.error' &&
    e.text.includes(`the server responded with a status of ${status}`) &&
    pathRe.test(e.url ? new URL(e.url).pathname : '');
}

// Asserts the page logged nothing (errors, warnings, uncaught exceptions)
// since the last check, except entries that some `allow` predicate accepts.
export function assertConsoleClean(page, allow = [], where = '') {
  const log = consoleLogs.get(page);
  const fresh = log.entries.slice(log.checked);
  log.checked = log.entries.length;
  const bad = fresh.filter((e) => !allow.some((a) => a(e)));
  assert.deepEqual(bad, [], `unexpected console output${where ? ' on ' + where : ''}:\n` +
    bad.map((e) => `  ${e.kind}: ${e.text} ${e.url}`).join('\n'));
}

async function settle(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await sleep(150);
}

// Screenshots the current page at desktop and phone sizes into ARTIFACTS
// (<name>.png, <name>-phone.png), checks the page's frame (one <main> with one
// <h1>), that it logged nothing unexpected, and that the phone layout has no
// horizontal page scroll.
export async function visit(page, name, { allow = [] } = {}) {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.locator('main h1').first().waitFor({ state: 'visible' });
  assert.equal(await page.locator('main').count(), 1, `${name}: one <main>`);
  assert.equal(await page.locator('main h1').count(), 1, `${name}: one <h1> in <main>`);
  await settle(page);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  try {
    await settle(page);
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-phone.png`), fullPage: true });
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    assert.ok(scrollWidth <= innerWidth + 1,
      `${name}: at phone width the page scrolls sideways (scrollWidth ${scrollWidth} > innerWidth ${innerWidth})`);
  } finally {
    await page.setViewportSize(DESKTOP);
  }
  assertConsoleClean(page, allow, name);
}

// ----------------------------------------------------------- the test frame

// One browser, one context (a fresh profile) and one server per test file.
// `pageTest(name, fn)` gives each test a new page in that context; on failure
// it saves FAILED-<file>-<test>.png.
export function fileFixture(label, serverOptions = {}) {
  const fx = { label };
  fx.setup = async () => {
    fx.receiver = await startReceiver();
    fx.server = await startServer({ label, ...serverOptions });
    fx.browser = await launchBrowser();
    fx.context = await newContext(fx.browser);
  };
  fx.teardown = async () => {
    const errors = [];
    for (const step of [() => fx.context?.close(), () => fx.browser?.close(), () => fx.server?.stop(), () => fx.receiver?.close()]) {
      try { await step(); } catch (e) { errors.push(e); }
    }
    if (errors.length) throw errors[0];
  };
  fx.pageTest = (name, fn, { timeout = 60_000 } = {}) =>
    test(name, { timeout }, async () => {
      const page = await newPage(fx.context);
      try {
        await fn(page);
      } catch (e) {
        const safe = `${label}-${name}`.replace(/[^a-zA-Z0-9_-]+/g, '_').slice(0, 100);
        await page.screenshot({ path: path.join(ARTIFACTS, `FAILED-${safe}.png`), fullPage: true }).catch(() => {});
        const died = fx.server?.died() ?? '';
        e.message += `\n  (${died ? died.toUpperCase() + '; ' : ''}at ${page.url()}; screenshot FAILED-${safe}.png; server log ${fx.server?.logFile})`;
        throw e;
      } finally {
        await page.close().catch(() => {});
      }
    });
  return fx;
}

// ------------------------------------------------------------- user actions

export function nav(page) {
  return page.getByRole('navigation');
}

export async function signIn(page, server, email = server.users[0]) {
  await page.goto(server.url + '/login');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expectPath(page, '/');
  await expectText(page.locator('main h1'), 'Overview');
}

// Clicks a nav link and waits for the view's <h1>.
export async function goTo(page, linkName, pathname, h1) {
  await nav(page).getByRole('link', { name: linkName, exact: true }).click();
  await expectPath(page, pathname);
  await expectText(page.locator('main h1'), h1);
}

// Confirms the open <dialog> with its action button.
export async function confirm(page, action) {
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).waitFor({ state: 'visible' });
  await dialog.getByRole('button', { name: action, exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
}

// Creates an endpoint from /endpoints; returns its id (from the address it goes to).
export async function createEndpoint(page, server, url, description) {
  await page.goto(server.url + '/endpoints');
  await expectText(page.locator('main h1'), 'Endpoints');
  await page.getByRole('button', { name: 'New endpoint', exact: true }).click();
  await page.getByLabel('URL', { exact: true }).fill(url);
  if (description !== undefined) await page.getByLabel('Description', { exact: true }).fill(description);
  await page.getByRole('button', { name: 'Create endpoint', exact: true }).click();
  await waitFor(() => /^\/endpoints\/ep_[^/]+$/.test(new URL(page.url()).pathname), { message: "the new endpoint's page" });
  await expectText(page.locator('main h1'), url);
  return new URL(page.url()).pathname.split('/').pop();
}

// Creates an API key from /api-keys; returns the full key as shown once.
export async function createApiKey(page, server, name) {
  await page.goto(server.url + '/api-keys');
  await expectText(page.locator('main h1'), 'API keys');
  await page.getByRole('button', { name: 'New API key', exact: true }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create key', exact: true }).click();
  const shown = page.getByTestId('new-api-key');
  const key = await expectText(shown, /^pj_live_\S+$/);
  await page.getByRole('button', { name: 'Copy', exact: true }).waitFor({ state: 'visible' });
  await page.getByText(/shown only once/i).first().waitFor({ state: 'visible' }); // the warning
  return key;
}

// The session's CSRF token, read with the page's cookie.
export async function csrfToken(page, server) {
  const res = await page.request.get(server.url + '/api/v1/session');
  assert.equal(res.status(), 200);
  return (await res.json()).csrf_token;
}

// Signs in unless the context already has a session (checked with the page's
// cookie, so the browser logs nothing).
export async function ensureSignedIn(page, server) {
  const res = await page.request.get(server.url + '/api/v1/session');
  if (res.status() !== 200) await signIn(page, server);
}
