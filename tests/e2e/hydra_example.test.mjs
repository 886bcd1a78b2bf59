// The example login and consent app (examples/login-consent, Ory's @ory/client against
// gatehouse's Hydra-compatible admin API) end to end: gatehouse is started with urls.login,
// urls.consent, urls.logout and urls.error pointing at the app, the app (node server.mjs, as its
// README starts it) with gatehouse's admin URL and key, and the cookie-jar user agent walks
// authorizations through the app's own pages, which follow the built-in UI's form contract
// (username/password, scope checkboxes, decision=allow|deny). openid-client is the OAuth client.
//
// Covered: sign-in and consent with a narrowed scope (the tokens hold exactly it; the app's
// profile claims in the ID token, its groups under ext in the access token), the remembered
// login and consent (the next authorization passes the app without a page: skip: true accepted
// at once), a wrong password, Cancel (login rejected) and Deny (consent rejected) reaching the
// client as access_denied with state and iss, the app's CSRF protection, a handled challenge
// sent on by the app (410), and sign-out through the app's confirmation page.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { UserAgent, consentForm, isRedirectTo, loginForm } from './lib/agent.mjs';
import { appAddress, startExample, urlsEnv } from './lib/hydra.mjs';
import { decodeJwt } from './lib/oauth.mjs';
import {
  POST_LOGOUT, REDIRECT, assertAuthzError, assertCode, exchange, oidcConfig, scopes, startFlow, webClient,
} from './lib/oidc.mjs';
import { ARTIFACTS, startServer } from './lib/server.mjs';

const ALICE = {
  username: 'alice',
  password: 'correct horse battery staple',
  subject: 'user:7f3a',
  name: 'Alice Example',
  email: 'alice@example.test',
  email_verified: true,
  groups: ['dns-admins', 'staff'],
};
const BOB = { username: 'bob', password: 'another long passphrase', name: 'Bob Example' };
const CAROL = { username: 'carol', password: 'a third long passphrase' };

let srv;
let app;
let webC;
let web;

before(async () => {
  const addr = await appAddress();
  srv = await startServer({ name: 'hydra_example', extraEnv: urlsEnv(addr.base) });
  const log = createWriteStream(path.join(ARTIFACTS, `hydra_example-app-${process.pid}.log`), { flags: 'a' });
  app = await startExample({
    port: addr.port,
    env: {
      GATEHOUSE_ADMIN_URL: srv.admin,
      GATEHOUSE_ADMIN_KEY: srv.adminKey,
      LOGIN_APP_USERS: JSON.stringify([ALICE, BOB, CAROL]),
      LOGIN_APP_SECRET: randomBytes(32).toString('base64url'),
    },
    log: (d) => log.write(d),
  });
  webC = await srv.createClient(webClient({ client_name: 'Zone Editor' }));
  web = await oidcConfig(srv, webC);
});
after(async () => {
  await app?.stop();
  await srv?.dispose();
});

const agent = () => new UserAgent({ origin: srv.issuer });
const onApp = (url) => new URL(url).origin === app.base;

describe('a user of the app signs in, consents, comes back, signs out', () => {
  let ua;
  let first;

  test('sign-in and consent on the app\'s pages with a narrowed scope: tokens hold exactly it', async () => {
    ua = agent();
    const asked = ['openid', 'profile', 'email', 'offline_access', 'dns:read', 'dns:write'];
    const granted = ['openid', 'profile', 'offline_access', 'dns:read'];
    const res = await startFlow(web, ua, { scope: asked.join(' '), user: ALICE, grant: granted, remember: true });
    assert.deepEqual(res.shown, ['login', 'consent'], `pages shown: ${JSON.stringify(res.shown)}`);
    assert.ok(onApp(res.loginPage.url), `the login page is not the app's: ${res.loginPage.url}`);
    assert.ok(onApp(res.consentPage.url), `the consent page is not the app's: ${res.consentPage.url}`);
    assert.deepEqual(res.offered, asked, 'the consent page offers another scope list');
    assert.match(res.loginPage.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assertCode(res, srv);
    const tokens = await exchange(web, res);
    assert.deepEqual(scopes(tokens.scope), [...granted].sort());
    const claims = tokens.claims();
    assert.equal(claims.sub, ALICE.subject);
    assert.equal(claims.name, ALICE.name, 'the app\'s profile claim (session.id_token) is missing');
    assert.equal(claims.email, undefined, 'email was unticked, yet the ID token holds it');
    assert.deepEqual(claims.amr, ['pwd']);
    const at = decodeJwt(tokens.access_token).payload;
    assert.deepEqual(scopes(at.scope), [...granted].sort());
    assert.deepEqual(at.ext?.groups, ALICE.groups, 'the app\'s session.access_token claims are not under ext');
    first = tokens; // the tests below need the session, whatever introspection shows
    const intro = await srv.adminIntrospect(tokens.access_token);
    assert.equal(intro.active, true);
    assert.deepEqual(intro.ext?.groups, ALICE.groups, 'introspection does not show the app\'s claims under ext');
  });

  test('the next authorization passes the app without a page (skip: true accepted at once)', async () => {
    assert.ok(first, 'depends on the previous test');
    const res = await startFlow(web, ua, { scope: 'openid profile dns:read' });
    assert.deepEqual(res.shown, [], `the app showed a page although login and consent were remembered: ${res.last?.url}`);
    assert.ok(res.hops?.length !== 0);
    assertCode(res, srv);
    const tokens = await exchange(web, res);
    assert.deepEqual(scopes(tokens.scope), ['dns:read', 'openid', 'profile']);
    assert.equal(tokens.claims().sub, ALICE.subject);
    assert.equal(tokens.claims().name, ALICE.name);
  });

  test('a scope beyond the remembered consent: the login is skipped, the consent page shown again', async () => {
    assert.ok(first, 'depends on the first test');
    const res = await startFlow(web, ua, { scope: 'openid email dns:read', grant: ['openid', 'email', 'dns:read'] });
    assert.deepEqual(res.shown, ['consent']);
    assertCode(res, srv);
    const tokens = await exchange(web, res);
    assert.equal(tokens.claims().email, ALICE.email);
  });

  test('sign-out through the app\'s confirmation page ends the gatehouse session', async () => {
    assert.ok(first, 'depends on the first test');
    const end = new URL(`${srv.issuer}/oauth2/sessions/logout`);
    end.searchParams.set('id_token_hint', first.id_token);
    end.searchParams.set('post_logout_redirect_uri', POST_LOGOUT);
    end.searchParams.set('state', 'so-long');
    const stop = (u) => isRedirectTo(u, POST_LOGOUT);
    const r = await ua.follow(end.href, {}, { stop });
    assert.ok(onApp(r.page.url), `not sent to the app's logout page: ${r.page.url} ${r.page.status}`);
    assert.equal(new URL(r.page.url).pathname, '/logout');
    assert.equal(r.page.status, 200, r.page.text.slice(0, 500));
    const form = r.page.forms.find((f) => f.buttons.some((b) => b.value === 'logout'));
    assert.ok(form, 'no sign-out form on the app\'s logout page');
    const out = await ua.submit(r.page, form, { button: { name: 'decision', value: 'logout' }, stop });
    assert.ok(out.stopped, `sign-out did not reach the post-logout URI: ${out.page.url} ${out.page.status} ${out.page.text.slice(0, 500)}`);
    assert.equal(out.stopped.searchParams.get('state'), 'so-long');
    const again = await startFlow(web, ua, { scope: 'openid dns:read', user: ALICE });
    assert.equal(again.shown[0], 'login', 'the login was skipped after signing out');
    assertCode(again, srv);
  });
});

describe('refusals on the app\'s pages', () => {
  test('a wrong password: the app\'s login page again with 401, no redirect', async () => {
    const ua = agent();
    const res = await startFlow(web, ua, { scope: 'openid', user: { username: ALICE.username, password: 'wrong' } });
    assert.deepEqual(res.shown, ['login', 'login']);
    assert.equal(res.last.status, 401);
    assert.equal(res.params, undefined);
  });

  test('Cancel on the login page: access_denied at the client with state and iss', async () => {
    const ua = agent();
    const stop = (u) => isRedirectTo(u, REDIRECT);
    const res = await startFlow(web, ua, { scope: 'openid dns:read' }); // stops on the login page
    assert.deepEqual(res.shown, ['login']);
    const lf = loginForm(res.loginPage);
    const r = await ua.submit(res.loginPage, lf, { button: { name: 'action', value: 'cancel' }, stop });
    assert.ok(r.stopped, `Cancel did not reach the client: ${r.page.status} ${r.page.text.slice(0, 500)}`);
    assertAuthzError({ params: r.stopped.searchParams, state: res.state }, srv, 'access_denied');
  });

  test('Deny on the consent page: access_denied at the client with state and iss', async () => {
    const res = await startFlow(web, agent(), { scope: 'openid dns:read', user: BOB, decision: 'deny' });
    assert.deepEqual(res.shown, ['login', 'consent']);
    assertAuthzError(res, srv, 'access_denied');
  });

  test('CSRF: the login form posted from another browser, with a tampered token or from another origin is refused', async () => {
    const ua = agent();
    const res = await startFlow(web, ua, { scope: 'openid' });
    const lf = loginForm(res.loginPage);
    const values = { username: CAROL.username, password: CAROL.password }; // no remembered consent
    const other = await agent().submit(res.loginPage, lf, { values, follow: false });
    assert.equal(other.status, 403, 'a form posted without the browser\'s CSRF cookie was accepted');
    const tampered = await ua.submit(res.loginPage, lf, { values: { ...values, _csrf: 'A'.repeat(43) }, follow: false });
    assert.equal(tampered.status, 403, 'a tampered CSRF token was accepted');
    const cross = await ua.submit(res.loginPage, lf, { values, origin: 'https://evil.example.test', follow: false });
    assert.equal(cross.status, 403, 'a cross-origin POST was accepted');
    // the genuine form still works
    const ok = await ua.submit(res.loginPage, lf, { values, stop: (u) => isRedirectTo(u, REDIRECT) });
    assert.ok(consentForm(ok.page), `the genuine login did not lead to the consent page: ${ok.page.status} ${ok.page.url}`);
  });

  test('an answered login challenge opened again: the app follows Hydra\'s 410 and sends the browser on', async () => {
    const ua = agent();
    const res = await startFlow(web, ua, { scope: 'openid dns:read', user: BOB, grant: ['openid'] });
    assertCode(res, srv);
    const loginUrl = res.loginPage.url;
    const again = await ua.request(loginUrl);
    assert.equal(again.status, 302, `the app did not send the browser on: ${again.status} ${again.text.slice(0, 300)}`);
    assert.ok(again.location.startsWith(`${srv.issuer}/`), `sent to ${again.location}`);
    const unknown = await ua.request(`${app.base}/login?login_challenge=${randomBytes(48).toString('base64url')}`);
    assert.equal(unknown.status, 404, 'an unknown challenge at the app');
  });
});
