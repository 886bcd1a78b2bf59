// The built-in pages in a real browser: Debian's chromium (/usr/bin/chromium, or
// GATEHOUSE_E2E_CHROMIUM) driven headless by playwright-core, with JavaScript off as the pages
// must work without it. A user logs in, unticks a scope on the consent page, allows, and lands
// on the app's redirect URI (a small HTTP server of this test on loopback, the redirect URI of
// a public client); the app exchanges the code with openid-client and the token lacks the
// unticked scope. Then the user opens /ui/account, clicks Revoke for the app: the app is gone
// and its token is inactive. The login, consent and account pages are saved as screenshots in
// tests/e2e/artifacts/ (git-ignored); the login and consent pages are also checked at a phone's
// viewport (no horizontal scrolling), every input has a label, and nothing is refused by the
// page's Content-Security-Policy.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { client, oidcConfig, scopes } from './lib/oidc.mjs';
import { ARTIFACTS, startServer } from './lib/server.mjs';

const CHROMIUM = process.env.GATEHOUSE_E2E_CHROMIUM ?? '/usr/bin/chromium';
const SCOPE = 'openid profile dns:read dns:write logs:read';
const PASSWORD = 'browser password 42';
const APP = 'Browser Zone App';

let srv;
let app; // the client's redirect endpoint: { server, port, hits: [URL] }
let c;
let cfg;
let user;
let browser;
const consoleErrors = [];

function startApp() {
  return new Promise((resolve) => {
    const hits = [];
    const server = createServer((req, res) => {
      const u = new URL(req.url, `http://${req.headers.host}`);
      if (u.pathname === '/callback') hits.push(u); // not the browser's /favicon.ico
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>app</title><p>Signed in to the app.</p>');
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port, hits }));
  });
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: install Debian's chromium (scripts/deps.sh --test) or set GATEHOUSE_E2E_CHROMIUM`);
  [srv, app] = await Promise.all([startServer({ name: 'browser' }), startApp()]);
  c = await srv.createClient({
    client_name: APP,
    client_uri: 'https://zones.example.test/',
    redirect_uris: [`http://127.0.0.1:${app.port}/callback`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: SCOPE,
    token_endpoint_auth_method: 'none',
  });
  cfg = await oidcConfig(srv, c);
  user = await srv.createUser('browser-user', PASSWORD, { name: 'Bea Browser', email: 'bea@example.test' });
  const args = typeof process.getuid === 'function' && process.getuid() === 0 ? ['--no-sandbox'] : [];
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
});

after(async () => {
  await browser?.close();
  app?.server.close();
  await srv?.dispose();
});

/** A new browser context whose console errors (CSP refusals among them) are collected. */
async function context(opts) {
  const ctx = await browser.newContext(opts);
  ctx.setDefaultTimeout(15000);
  ctx.on('page', (p) => p.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${p.url()}: ${m.text()}`); }));
  return ctx;
}

async function authUrl() {
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(cfg, {
    redirect_uri: c.redirect_uris[0],
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: client.randomState(),
    nonce: client.randomNonce(),
  });
  return { url, verifier, state: url.searchParams.get('state'), nonce: url.searchParams.get('nonce') };
}

/** Every visible input, select and textarea of the page has a non-empty label. */
async function assertLabelled(page, what) {
  const missing = await page.$$eval('input:not([type=hidden]), select, textarea', (els) => els
    .filter((el) => !(el.labels && [...el.labels].some((l) => l.textContent.trim() !== ''))
      && !(el.getAttribute('aria-label') ?? '').trim())
    .map((el) => el.outerHTML));
  assert.deepEqual(missing, [], `${what}: inputs without a label`);
}

/** No horizontal scrolling at the current viewport. */
async function assertNoHorizontalScroll(page, what) {
  const m = await page.evaluate(() => ({
    doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, inner: window.innerWidth,
  }));
  assert.ok(m.doc <= m.inner && m.body <= m.inner, `${what}: scrolls sideways at ${m.inner}px (${JSON.stringify(m)})`);
}

const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

test('log in, untick a scope, allow, exchange; revoke the app on the account page', async () => {
  const ctx = await context({ viewport: { width: 1100, height: 900 }, javaScriptEnabled: false });
  const page = await ctx.newPage();
  const flow = await authUrl();

  const resp = await page.goto(flow.url.href);
  assert.equal(resp.status(), 200);
  assert.ok(new URL(page.url()).pathname.startsWith('/ui/login'), `not on the login page: ${page.url()}`);
  assert.match(resp.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
  await assertLabelled(page, 'login page');
  assert.ok((await page.title()).trim() !== '', 'the login page has no title');
  await shot(page, 'browser-login');

  await page.fill('input[name=username]', user.username);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([
    page.waitForURL((u) => u.pathname.startsWith('/ui/consent')),
    page.locator('form:has(input[name=password]) [type=submit]').first().click(),
  ]);

  // the consent page: the app's name, one ticked and labelled checkbox per requested scope
  const boxes = page.locator('input[type=checkbox][name=scope]');
  assert.deepEqual(await boxes.evaluateAll((els) => els.map((e) => e.value)), SCOPE.split(' '));
  assert.deepEqual(await boxes.evaluateAll((els) => els.map((e) => e.checked)), SCOPE.split(' ').map(() => true));
  await assertLabelled(page, 'consent page');
  const body = await page.locator('body').innerText();
  assert.ok(body.includes(APP), 'the consent page does not name the app');
  assert.ok(body.includes('127.0.0.1'), "the consent page does not show the redirect URI's host");
  assert.ok(body.includes('Create, change and delete DNS records'), "the catalog's description is not shown");
  await shot(page, 'browser-consent');

  // the user unticks dns:write by its label, as a person would
  const writeBox = page.locator('input[type=checkbox][name=scope][value="dns:write"]');
  const label = page.locator(`label[for="${await writeBox.getAttribute('id')}"]`);
  if (await writeBox.getAttribute('id') && await label.count() === 1) await label.click();
  else await writeBox.uncheck();
  assert.equal(await writeBox.isChecked(), false);
  await Promise.all([
    page.waitForURL((u) => u.port === String(app.port)),
    page.locator('button[name=decision][value=allow]').click(),
  ]);

  const cb = app.hits.at(-1);
  assert.ok(cb, 'the app never got the redirect');
  assert.equal(cb.searchParams.get('state'), flow.state);
  assert.equal(cb.searchParams.get('iss'), srv.issuer);
  assert.ok(cb.searchParams.get('code'));
  const tokens = await client.authorizationCodeGrant(cfg, new URL(page.url()), {
    pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce,
  });
  assert.deepEqual(scopes(tokens.scope), scopes('openid profile dns:read logs:read'), 'the unticked scope was granted');
  assert.ok(!scopes((await srv.adminIntrospect(tokens.access_token)).scope).includes('dns:write'));
  assert.equal((await srv.adminIntrospect(tokens.access_token)).active, true);

  // the account page (the login session is in the browser's cookies)
  const acc = await page.goto(`${srv.issuer}/ui/account`);
  assert.equal(acc.status(), 200);
  const accText = await page.locator('body').innerText();
  assert.ok(accText.includes(APP), `the app is not on the account page:\n${accText}`);
  await assertLabelled(page, 'account page');
  await shot(page, 'browser-account');

  let revoke = page.locator('form', { has: page.locator(`input[value="${c.client_id}"]`) })
    .locator('[type=submit]').filter({ hasText: /revoke/i });
  if (await revoke.count() === 0) {
    revoke = page.locator('li, tr, section, article').filter({ hasText: APP })
      .getByRole('button', { name: /revoke/i });
  }
  assert.equal(await revoke.count(), 1, 'no single Revoke button for the app');
  await revoke.click(); // waits for the navigation the form post starts
  await page.waitForLoadState('load');
  await page.goto(`${srv.issuer}/ui/account`);
  const after = await page.locator('body').innerText();
  assert.ok(!after.includes(APP), `the revoked app is still listed:\n${after}`);
  await shot(page, 'browser-account-revoked');
  assert.equal((await srv.adminIntrospect(tokens.access_token)).active, false, 'the token is still active after Revoke');
  await ctx.close();
});

test('the login and consent pages fit a phone (no horizontal scrolling)', async () => {
  const ctx = await context({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  const flow = await authUrl();
  await page.goto(flow.url.href);
  assert.ok(new URL(page.url()).pathname.startsWith('/ui/login'), `not on the login page: ${page.url()}`);
  await assertNoHorizontalScroll(page, 'login page');
  await shot(page, 'browser-login-phone');
  await page.fill('input[name=username]', user.username);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([
    page.waitForURL((u) => u.pathname.startsWith('/ui/consent')),
    page.locator('form:has(input[name=password]) [type=submit]').first().click(),
  ]);
  await assertNoHorizontalScroll(page, 'consent page');
  await shot(page, 'browser-consent-phone');
  await ctx.close();
});

test('no page broke its own Content-Security-Policy', () => {
  assert.deepEqual(consoleErrors, []);
});
