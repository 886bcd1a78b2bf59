// The Hydra-compatible login, consent and logout API, driven with Ory's published SDK
// (@ory/client's OAuth2Api, basePath = gatehouse's admin listener, accessToken = the admin key)
// by the test itself acting as the operator's login app: gatehouse's urls.login, urls.consent
// and urls.logout point at an address where the user agent stops (the test reads the
// challenge from the URL, answers through the SDK, and sends the browser on to redirect_to).
// openid-client (panva) is the OAuth client, lib/agent.mjs the browser.
//
// Covered: the login/consent/logout request objects (Hydra's field names), login accept and
// consent accept with a narrowed scope (the tokens hold exactly that), remembered login and
// consent (skip: true, the app accepting at once), login and consent reject (access_denied at
// the client with state and iss, RFC 9207), logout get/accept/reject, consent session listing
// and revocation (tokens inactive), DELETE sessions/login, session.access_token claims under
// ext (introspection and the JWT access token), session.id_token claims; and the negatives:
// unknown, malformed, reused (410 with redirect_to, as Hydra), swapped and browser-bound
// challenges, widened grant_scope (400), claims that would override gatehouse's, and - last,
// on a second server with ttl.flow = 30 s - expired challenges (404).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { UserAgent } from './lib/agent.mjs';
import {
  appAddress, beginAuthorization, hydraAdmin, sdkFailure, urlsEnv, walk, where,
} from './lib/hydra.mjs';
import { decodeJwt } from './lib/oauth.mjs';
import { POST_LOGOUT, client, exchange, oidcConfig, scopes, webClient } from './lib/oidc.mjs';
import { Gatehouse, startServer } from './lib/server.mjs';

const FLOW_TTL = 30; // seconds, the short server's ttl.flow (the configuration's minimum)

let APP; // where gatehouse sends the browser: nothing listens, the user agent stops there
let srv;
let api;
let webC; // JWT access tokens (the default)
let opaqueC; // opaque access tokens
let otherC; // a second client, for revoking every consent of a subject
let web;
let opaque;
let other;

let short; // a second server with ttl.flow = FLOW_TTL, for the expiry checks at the end
let shortApi;
const expiring = {}; // challenges made on the short server at start: { login, consent, at }

let subjects = 0;
const newSubject = () => { subjects += 1; return `user-${subjects}-${randomBytes(4).toString('hex')}`; };
const agent = () => new UserAgent({ origin: srv.issuer });

before(async () => {
  const app = await appAddress();
  APP = app.base;
  srv = await startServer({ name: 'hydra_api', extraEnv: urlsEnv(APP) });
  api = hydraAdmin(srv);
  webC = await srv.createClient(webClient({ client_name: 'Zone Editor' }));
  opaqueC = await srv.createClient(webClient({ client_name: 'Opaque App', access_token_strategy: 'opaque' }));
  otherC = await srv.createClient(webClient({ client_name: 'Log Viewer', client_uri: 'https://logs.example.test/' }));
  web = await oidcConfig(srv, webC);
  opaque = await oidcConfig(srv, opaqueC);
  other = await oidcConfig(srv, otherC);

  // the short-lived flows are made now and checked by the last test, so that the wait for
  // their expiry overlaps the other tests
  short = new Gatehouse({ name: 'hydra_api_short', extraEnv: { ...urlsEnv(APP), GATEHOUSE_TTL_FLOW: String(FLOW_TTL) } });
  await short.start();
  try {
    await prepareExpiring();
  } catch (e) {
    expiring.error = e; // reported by the expiry test, not by every test
  }
});

async function prepareExpiring() {
  shortApi = hydraAdmin(short);
  const shortC = await short.createClient(webClient());
  const shortCfg = await oidcConfig(short, shortC);
  const ua = new UserAgent({ origin: short.issuer });
  expiring.at = Date.now();
  const l = await beginAuthorization(shortCfg, ua, { appBase: APP, scope: 'openid dns:read' });
  assert.equal(l.at, 'login', where(l));
  expiring.login = l.challenge;
  const ua2 = new UserAgent({ origin: short.issuer });
  const l2 = await beginAuthorization(shortCfg, ua2, { appBase: APP, scope: 'openid dns:read' });
  assert.equal(l2.at, 'login', where(l2));
  const { data } = await shortApi.acceptOAuth2LoginRequest({ loginChallenge: l2.challenge, acceptOAuth2LoginRequest: { subject: 'expiring-user' } });
  const c = await walk(ua2, data.redirect_to, { appBase: APP });
  assert.equal(c.at, 'consent', where(c));
  expiring.consent = c.challenge;
}
after(async () => {
  await srv?.dispose();
  await short?.dispose();
});

/** Follows a redirect_to from the admin API with ua. */
const follow = (ua, url) => walk(ua, url, { appBase: APP });

/** The openid-client exchange of a walk that reached the redirect URI. */
function exchangeOf(config, f, done, opts = {}) {
  assert.equal(done.at, 'redirect', where(done));
  assert.equal(done.params.get('error'), null, `authorization error: ${done.params}`);
  assert.ok(done.params.get('code'), `no code: ${done.params}`);
  assert.equal(done.params.get('state'), f.state);
  // SPEC: RFC9207 2 - iss in the authorization response
  assert.equal(done.params.get('iss'), srv.issuer);
  return exchange(config, { via: 'query', redirect: done.url, state: f.state, nonce: f.nonce, verifier: f.verifier, redirectUri: f.redirectUri }, opts);
}

/**
 * A whole authorization answered through the SDK: login accept (login), consent accept
 * (consent: the accept body, grant_scope defaulting to everything requested), the code
 * exchange. Resolves with { f, lr, cr, tokens, claims (of the ID token) }.
 */
async function authorizeWith(config, ua, { subject, scope, login = {}, consent = {}, params } = {}) {
  const f = await beginAuthorization(config, ua, { appBase: APP, scope, params });
  assert.equal(f.at, 'login', where(f));
  const { data: lr } = await api.getOAuth2LoginRequest({ loginChallenge: f.challenge });
  const { data: la } = await api.acceptOAuth2LoginRequest({
    loginChallenge: f.challenge, acceptOAuth2LoginRequest: { subject: lr.skip ? lr.subject : subject, ...login },
  });
  const c = await follow(ua, la.redirect_to);
  assert.equal(c.at, 'consent', where(c));
  const { data: cr } = await api.getOAuth2ConsentRequest({ consentChallenge: c.challenge });
  const { data: ca } = await api.acceptOAuth2ConsentRequest({
    consentChallenge: c.challenge,
    acceptOAuth2ConsentRequest: { grant_scope: cr.requested_scope, ...consent },
  });
  const done = await follow(ua, ca.redirect_to);
  const wantIdToken = (consent.grant_scope ?? cr.requested_scope).includes('openid');
  const tokens = await exchangeOf(config, f, done, { idTokenExpected: wantIdToken });
  return { f, lr, cr, tokens, claims: wantIdToken ? tokens.claims() : undefined };
}

describe('login and consent accepted through the SDK', () => {
  const subject = newSubject();
  let ua;
  let first;

  test('the login request, its accept, the consent request, a narrowed grant: tokens hold exactly the grant', async () => {
    ua = agent();
    const requested = ['openid', 'profile', 'email', 'offline_access', 'dns:read', 'dns:write'];
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: requested.join(' ') });
    assert.equal(f.at, 'login', where(f));
    assert.match(f.challenge ?? '', /^[A-Za-z0-9_-]{20,}$/, 'login_challenge missing from the redirect to urls.login');

    const { data: lr, status } = await api.getOAuth2LoginRequest({ loginChallenge: f.challenge });
    assert.equal(status, 200);
    assert.equal(lr.challenge, f.challenge);
    assert.equal(lr.skip, false);
    assert.ok(!lr.subject, `a subject on a login request without session: ${lr.subject}`);
    assert.equal(lr.client?.client_id, webC.client_id);
    assert.equal(lr.client?.client_name, 'Zone Editor');
    assert.equal(lr.client?.client_secret, undefined, 'the client secret is shown to the login app');
    assert.deepEqual(lr.requested_scope, requested);
    assert.ok(Array.isArray(lr.requested_access_token_audience), 'requested_access_token_audience is not an array');
    assert.equal(typeof lr.oidc_context, 'object');
    const ru = new URL(lr.request_url);
    assert.equal(`${ru.origin}${ru.pathname}`, `${srv.issuer}/oauth2/auth`, `request_url ${lr.request_url}`);
    assert.equal(ru.searchParams.get('state'), f.state);

    const { data: la } = await api.acceptOAuth2LoginRequest({
      loginChallenge: f.challenge,
      acceptOAuth2LoginRequest: { subject, remember: true, remember_for: 3600, acr: 'urn:example:pwd', amr: ['pwd'], context: { device: 'laptop' } },
    });
    assert.equal(typeof la.redirect_to, 'string');
    const lv = new URL(la.redirect_to);
    assert.equal(`${lv.origin}${lv.pathname}`, `${srv.issuer}/oauth2/auth`, `login redirect_to ${la.redirect_to}`);
    assert.ok(lv.searchParams.get('login_verifier'), 'no login_verifier in redirect_to');

    const c = await follow(ua, la.redirect_to);
    assert.equal(c.at, 'consent', where(c));
    const { data: cr } = await api.getOAuth2ConsentRequest({ consentChallenge: c.challenge });
    assert.equal(cr.challenge, c.challenge);
    assert.equal(cr.subject, subject);
    assert.equal(cr.skip, false);
    assert.deepEqual(cr.requested_scope, requested);
    assert.ok(Array.isArray(cr.requested_access_token_audience));
    assert.equal(cr.client?.client_id, webC.client_id);
    assert.equal(cr.client?.client_secret, undefined);
    assert.equal(cr.acr, 'urn:example:pwd');
    assert.deepEqual(cr.amr, ['pwd']);
    assert.deepEqual(cr.context, { device: 'laptop' }, 'the login context is not handed to the consent request');
    assert.ok(cr.login_session_id, 'no login_session_id');
    assert.equal(new URL(cr.request_url).searchParams.get('state'), f.state);

    const granted = ['openid', 'offline_access', 'dns:read'];
    const { data: ca } = await api.acceptOAuth2ConsentRequest({
      consentChallenge: c.challenge, acceptOAuth2ConsentRequest: { grant_scope: granted, remember: false },
    });
    const cv = new URL(ca.redirect_to);
    assert.ok(cv.searchParams.get('consent_verifier') || cv.searchParams.get('code'), `consent redirect_to ${ca.redirect_to}`);
    const done = await follow(ua, ca.redirect_to);
    const tokens = await exchangeOf(web, f, done);
    assert.deepEqual(scopes(tokens.scope), [...granted].sort(), 'the token response scope is not the narrowed grant');
    const claims = tokens.claims();
    assert.equal(claims.sub, subject);
    assert.equal(claims.iss, srv.issuer);
    assert.equal(claims.acr, 'urn:example:pwd');
    assert.deepEqual(claims.amr, ['pwd']);
    assert.equal(claims.sid, cr.login_session_id, 'the ID token sid is not the login session');
    assert.equal(claims.email, undefined, 'email claim without the email scope');
    const jwt = decodeJwt(tokens.access_token);
    assert.deepEqual(scopes(jwt.payload.scope), [...granted].sort());
    assert.equal(jwt.payload.sub, subject);
    const intro = await srv.adminIntrospect(tokens.access_token);
    assert.equal(intro.active, true);
    assert.deepEqual(scopes(intro.scope), [...granted].sort());
    assert.equal(intro.sub, subject);
    assert.equal(intro.client_id, webC.client_id);
    assert.ok(tokens.refresh_token, 'offline_access granted but no refresh token');
    const refreshed = await client.refreshTokenGrant(web, tokens.refresh_token);
    assert.deepEqual(scopes(refreshed.scope), [...granted].sort(), 'a refresh widened the narrowed grant');
    first = { subject, tokens };
  });

  test('remembered login: skip true with the subject; the app confirms it at once; a narrowed consent is asked again', async () => {
    assert.ok(first, 'depends on the previous test');
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: 'openid dns:read' });
    assert.equal(f.at, 'login', `with urls.login set the login app is always asked (skip: true): ${where(f)}`);
    const { data: lr } = await api.getOAuth2LoginRequest({ loginChallenge: f.challenge });
    assert.equal(lr.skip, true, 'a remembered login session gives skip: true');
    assert.equal(lr.subject, subject);
    assert.ok(lr.session_id, 'no session_id with skip');
    // SPEC: a challenge of another subject is refused (the session belongs to subject)
    const wrong = await sdkFailure(api.acceptOAuth2LoginRequest({ loginChallenge: f.challenge, acceptOAuth2LoginRequest: { subject: 'mallory' } }));
    assert.equal(wrong.status, 400, `accepting a skipped login as another subject: ${JSON.stringify(wrong.data)}`);
    assert.equal(typeof wrong.data?.error, 'string');
    const { data: la } = await api.acceptOAuth2LoginRequest({ loginChallenge: f.challenge, acceptOAuth2LoginRequest: { subject } });
    const c = await follow(ua, la.redirect_to);
    assert.equal(c.at, 'consent', where(c));
    const { data: cr } = await api.getOAuth2ConsentRequest({ consentChallenge: c.challenge });
    assert.equal(cr.skip, false, 'the consent was not remembered, yet skip is true');
    const { data: ca } = await api.acceptOAuth2ConsentRequest({ consentChallenge: c.challenge, acceptOAuth2ConsentRequest: { grant_scope: ['openid', 'dns:read'] } });
    const tokens = await exchangeOf(web, f, await follow(ua, ca.redirect_to));
    assert.equal(tokens.claims().sub, subject);
  });
});

describe('remembered login and consent', () => {
  const subject = newSubject();
  let ua;
  const asked = ['openid', 'profile', 'dns:read', 'logs:read'];

  test('first authorization: login and consent accepted with remember', async () => {
    ua = agent();
    const r = await authorizeWith(web, ua, {
      subject, scope: asked.join(' '),
      login: { remember: true, remember_for: 3600 },
      consent: { grant_scope: ['openid', 'dns:read', 'logs:read'], remember: true, remember_for: 3600 },
    });
    assert.deepEqual(scopes(r.tokens.scope), ['dns:read', 'logs:read', 'openid']);
  });

  test('the next request: login skip true, consent skip true; accepting both at once issues a code', async () => {
    assert.ok(ua, 'depends on the previous test');
    const want = ['openid', 'dns:read'];
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: want.join(' ') });
    assert.equal(f.at, 'login', where(f));
    const { data: lr } = await api.getOAuth2LoginRequest({ loginChallenge: f.challenge });
    assert.equal(lr.skip, true);
    assert.equal(lr.subject, subject);
    const { data: la } = await api.acceptOAuth2LoginRequest({ loginChallenge: f.challenge, acceptOAuth2LoginRequest: { subject: lr.subject } });
    const c = await follow(ua, la.redirect_to);
    assert.equal(c.at, 'consent', where(c));
    const { data: cr } = await api.getOAuth2ConsentRequest({ consentChallenge: c.challenge });
    assert.equal(cr.skip, true, 'a remembered consent covering the request gives skip: true');
    assert.equal(cr.subject, subject);
    assert.deepEqual(cr.requested_scope, want);
    const { data: ca } = await api.acceptOAuth2ConsentRequest({
      consentChallenge: c.challenge, acceptOAuth2ConsentRequest: { grant_scope: cr.requested_scope },
    });
    const tokens = await exchangeOf(web, f, await follow(ua, ca.redirect_to));
    assert.deepEqual(scopes(tokens.scope), [...want].sort());
    assert.equal(tokens.claims().sub, subject);
  });

  test('a request for a scope the remembered consent lacks: skip false', async () => {
    assert.ok(ua, 'depends on the first test');
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: 'openid profile dns:read' });
    const { data: lr } = await api.getOAuth2LoginRequest({ loginChallenge: f.challenge });
    const { data: la } = await api.acceptOAuth2LoginRequest({ loginChallenge: f.challenge, acceptOAuth2LoginRequest: { subject: lr.subject } });
    const c = await follow(ua, la.redirect_to);
    const { data: cr } = await api.getOAuth2ConsentRequest({ consentChallenge: c.challenge });
    assert.equal(cr.skip, false, 'profile was unticked before: the consent must be asked again');
  });
});

describe('rejects', () => {
  test('login reject: access_denied at the client with state, iss and the description', async () => {
    const ua = agent();
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: 'openid dns:read' });
    assert.equal(f.at, 'login', where(f));
    const { data } = await api.rejectOAuth2LoginRequest({
      loginChallenge: f.challenge,
      rejectOAuth2Request: { error: 'access_denied', error_description: 'The resource owner denied the request' },
    });
    assert.equal(typeof data.redirect_to, 'string');
    const done = await follow(ua, data.redirect_to);
    assert.equal(done.at, 'redirect', where(done));
    assert.equal(done.params.get('error'), 'access_denied');
    assert.equal(done.params.get('error_description'), 'The resource owner denied the request');
    assert.equal(done.params.get('code'), null);
    assert.equal(done.params.get('state'), f.state);
    // SPEC: RFC9207 2 - iss also in error responses
    assert.equal(done.params.get('iss'), srv.issuer);
    // the rejected request is handled: asking for it again is 410 with the redirect
    const gone = await sdkFailure(api.getOAuth2LoginRequest({ loginChallenge: f.challenge }));
    assert.equal(gone.status, 410);
    assert.equal(typeof gone.data?.redirect_to, 'string');
  });

  test('consent reject: access_denied at the client with state and iss', async () => {
    const ua = agent();
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: 'openid dns:read' });
    const { data: la } = await api.acceptOAuth2LoginRequest({ loginChallenge: f.challenge, acceptOAuth2LoginRequest: { subject: newSubject() } });
    const c = await follow(ua, la.redirect_to);
    assert.equal(c.at, 'consent', where(c));
    const { data } = await api.rejectOAuth2ConsentRequest({
      consentChallenge: c.challenge,
      rejectOAuth2Request: { error: 'access_denied', error_description: 'The user said no' },
    });
    const done = await follow(ua, data.redirect_to);
    assert.equal(done.at, 'redirect', where(done));
    assert.equal(done.params.get('error'), 'access_denied');
    assert.equal(done.params.get('error_description'), 'The user said no');
    assert.equal(done.params.get('code'), null);
    assert.equal(done.params.get('state'), f.state);
    assert.equal(done.params.get('iss'), srv.issuer);
  });
});

describe('logout', () => {
  test('RP-initiated logout: the logout request, its accept, the session gone, the challenge used', async () => {
    const subject = newSubject();
    const ua = agent();
    const r = await authorizeWith(web, ua, { subject, scope: 'openid dns:read', login: { remember: true, remember_for: 3600 } });
    const end = new URL(`${srv.issuer}/oauth2/sessions/logout`);
    end.searchParams.set('id_token_hint', r.tokens.id_token);
    end.searchParams.set('post_logout_redirect_uri', POST_LOGOUT);
    end.searchParams.set('state', 'bye-1');
    const l = await walk(ua, end.href, { appBase: APP, postLogout: POST_LOGOUT });
    assert.equal(l.at, 'logout', where(l));
    assert.ok(l.challenge, 'no logout_challenge');
    const { data: lo } = await api.getOAuth2LogoutRequest({ logoutChallenge: l.challenge });
    assert.equal(lo.challenge, l.challenge);
    assert.equal(lo.subject, subject);
    assert.equal(lo.sid, r.claims.sid, 'the logout request names another session');
    assert.equal(lo.rp_initiated, true);
    assert.equal(lo.client?.client_id, webC.client_id);
    assert.equal(lo.client?.client_secret, undefined);
    assert.equal(new URL(lo.request_url).pathname, '/oauth2/sessions/logout');
    const { data: acc } = await api.acceptOAuth2LogoutRequest({ logoutChallenge: l.challenge });
    const av = new URL(acc.redirect_to);
    assert.equal(`${av.origin}${av.pathname}`, `${srv.issuer}/oauth2/sessions/logout`);
    assert.ok(av.searchParams.get('logout_verifier'), 'no logout_verifier');
    const out = await walk(ua, acc.redirect_to, { appBase: APP, postLogout: POST_LOGOUT });
    assert.equal(out.at, 'post_logout', where(out));
    assert.equal(out.params.get('state'), 'bye-1');
    // used: 410 with redirect_to, as Hydra
    const gone = await sdkFailure(api.getOAuth2LogoutRequest({ logoutChallenge: l.challenge }));
    assert.equal(gone.status, 410);
    assert.equal(typeof gone.data?.redirect_to, 'string');
    // the session is gone: the next authorization is not skipped
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: 'openid' });
    const { data: lr } = await api.getOAuth2LoginRequest({ loginChallenge: f.challenge });
    assert.equal(lr.skip, false, 'the login session outlived the accepted logout');
  });

  test('logout reject: 204 and the session stays', async () => {
    const subject = newSubject();
    const ua = agent();
    const r = await authorizeWith(web, ua, { subject, scope: 'openid', login: { remember: true, remember_for: 3600 } });
    const end = new URL(`${srv.issuer}/oauth2/sessions/logout`);
    end.searchParams.set('id_token_hint', r.tokens.id_token);
    end.searchParams.set('post_logout_redirect_uri', POST_LOGOUT);
    const l = await walk(ua, end.href, { appBase: APP, postLogout: POST_LOGOUT });
    assert.equal(l.at, 'logout', where(l));
    const rej = await api.rejectOAuth2LogoutRequest({ logoutChallenge: l.challenge });
    assert.equal(rej.status, 204);
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: 'openid' });
    const { data: lr } = await api.getOAuth2LoginRequest({ loginChallenge: f.challenge });
    assert.equal(lr.skip, true, 'a rejected logout ended the session');
    assert.equal(lr.subject, subject);
  });
});

describe('consent and login sessions', () => {
  test('consent sessions: listed in Hydra\'s shape; revoking one client\'s revokes its tokens and the remembered consent', async () => {
    const subject = newSubject();
    const ua = agent();
    const r = await authorizeWith(web, ua, {
      subject, scope: 'openid offline_access dns:read logs:read',
      login: { remember: true, remember_for: 3600 },
      consent: { grant_scope: ['openid', 'offline_access', 'dns:read'], remember: true, remember_for: 3600 },
    });
    const r2 = await authorizeWith(other, ua, {
      subject, scope: 'openid logs:read', consent: { grant_scope: ['openid', 'logs:read'], remember: true },
    });
    const { data: list, status } = await api.listOAuth2ConsentSessions({ subject });
    assert.equal(status, 200);
    assert.ok(Array.isArray(list), 'the consent sessions are not an array');
    const mine = list.find((s) => s.consent_request?.client?.client_id === webC.client_id);
    assert.ok(mine, `no consent session of ${webC.client_id}: ${JSON.stringify(list)}`);
    assert.deepEqual([...mine.grant_scope].sort(), ['dns:read', 'offline_access', 'openid']);
    assert.equal(mine.remember, true);
    assert.equal(typeof mine.remember_for, 'number');
    assert.ok(!Number.isNaN(Date.parse(mine.handled_at)), `handled_at ${mine.handled_at}`);
    assert.equal(mine.consent_request.subject, subject);
    assert.ok(Array.isArray(mine.grant_access_token_audience));
    assert.ok(list.some((s) => s.consent_request?.client?.client_id === otherC.client_id));

    const del = await api.revokeOAuth2ConsentSessions({ subject, client: webC.client_id });
    assert.equal(del.status, 204);
    assert.equal((await srv.adminIntrospect(r.tokens.access_token)).active, false, 'access token active after the consent was revoked');
    assert.equal((await srv.adminIntrospect(r.tokens.refresh_token)).active, false, 'refresh token active after the consent was revoked');
    assert.equal((await srv.adminIntrospect(r2.tokens.access_token)).active, true, 'the other client\'s token was revoked too');
    const { data: after1 } = await api.listOAuth2ConsentSessions({ subject });
    assert.ok(!after1.some((s) => s.consent_request?.client?.client_id === webC.client_id), 'the revoked consent is still listed');
    // the remembered consent is gone: asked again
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: 'openid dns:read' });
    const { data: lr } = await api.getOAuth2LoginRequest({ loginChallenge: f.challenge });
    const { data: la } = await api.acceptOAuth2LoginRequest({ loginChallenge: f.challenge, acceptOAuth2LoginRequest: { subject: lr.subject } });
    const c = await follow(ua, la.redirect_to);
    const { data: cr } = await api.getOAuth2ConsentRequest({ consentChallenge: c.challenge });
    assert.equal(cr.skip, false, 'a revoked consent still skips the consent');

    // all=true: every client's
    const all = await api.revokeOAuth2ConsentSessions({ subject, all: true });
    assert.equal(all.status, 204);
    assert.equal((await srv.adminIntrospect(r2.tokens.access_token)).active, false, 'all=true left a token active');
    const { data: after2 } = await api.listOAuth2ConsentSessions({ subject });
    assert.deepEqual(after2, []);
  });

  test('DELETE sessions/login?subject= ends the subject\'s login sessions (tokens stay, as in Hydra)', async () => {
    const subject = newSubject();
    const ua = agent();
    const r = await authorizeWith(web, ua, { subject, scope: 'openid dns:read', login: { remember: true, remember_for: 3600 } });
    const del = await api.revokeOAuth2LoginSessions({ subject });
    assert.equal(del.status, 204);
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: 'openid dns:read' });
    assert.equal(f.at, 'login', where(f));
    const { data: lr } = await api.getOAuth2LoginRequest({ loginChallenge: f.challenge });
    assert.equal(lr.skip, false, 'the login session survived DELETE sessions/login');
    assert.equal((await srv.adminIntrospect(r.tokens.access_token)).active, true, 'Hydra\'s DELETE sessions/login does not revoke tokens');
  });

  test('consent session listing and revocation need a subject (400)', async () => {
    const r = await srv.adminFetch('/admin/oauth2/auth/sessions/consent');
    assert.equal(r.status, 400);
    const d = await srv.adminFetch('/admin/oauth2/auth/sessions/login', { method: 'DELETE' });
    assert.equal(d.status, 400);
  });
});

describe('extra claims from the consent app', () => {
  test('session.access_token under ext at introspection and in the JWT access token; session.id_token in the ID token', async () => {
    const subject = newSubject();
    const session = {
      access_token: { 'https://example.test/tenant': 't-42', groups: ['admins', 'dns'] },
      id_token: { 'https://example.test/plan': 'gold', name: 'Ada Lovelace' },
    };
    for (const scope of ['openid dns:read', 'openid offline_access dns:read']) {
      const r = await authorizeWith(web, agent(), { subject, scope, consent: { session } });
      const jwt = decodeJwt(r.tokens.access_token);
      assert.deepEqual(jwt.payload.ext, session.access_token, `JWT access token ext (scope ${scope})`);
      assert.equal(jwt.payload['https://example.test/tenant'], undefined, 'extra claims at the JWT\'s top level');
      assert.equal(r.claims['https://example.test/plan'], 'gold', `ID token claim (scope ${scope})`);
      assert.equal(r.claims.name, 'Ada Lovelace');
      const intro = await srv.adminIntrospect(r.tokens.access_token);
      assert.deepEqual(intro.ext, session.access_token, `introspection ext of a JWT access token (scope ${scope})`);
    }
    // opaque tokens: the same claims at introspection
    const o = await authorizeWith(opaque, agent(), { subject, scope: 'openid offline_access dns:read', consent: { session } });
    assert.ok(!o.tokens.access_token.includes('.'), 'the opaque client got a JWT');
    const oi = await srv.adminIntrospect(o.tokens.access_token);
    assert.deepEqual(oi.ext, session.access_token);
    // and they survive a refresh
    const refreshed = await client.refreshTokenGrant(opaque, o.tokens.refresh_token);
    assert.deepEqual((await srv.adminIntrospect(refreshed.access_token)).ext, session.access_token, 'ext lost on refresh');
  });

  test('claims that would override gatehouse\'s (sub, iss, aud, scope, client_id) are refused or dropped', async () => {
    const subject = newSubject();
    const ua = agent();
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: 'openid dns:read' });
    const { data: la } = await api.acceptOAuth2LoginRequest({ loginChallenge: f.challenge, acceptOAuth2LoginRequest: { subject } });
    const c = await follow(ua, la.redirect_to);
    const session = {
      id_token: { sub: 'mallory', iss: 'https://evil.example.test', aud: ['evil'], nonce: 'forged', 'https://example.test/plan': 'gold' },
      access_token: { sub: 'mallory', scope: 'settings:write', client_id: 'evil', iss: 'https://evil.example.test', 'https://example.test/tenant': 't-1' },
    };
    let accepted;
    try {
      accepted = (await api.acceptOAuth2ConsentRequest({ consentChallenge: c.challenge, acceptOAuth2ConsentRequest: { grant_scope: ['openid', 'dns:read'], session } })).data;
    } catch (e) {
      if (!e.response) throw e;
      assert.equal(e.response.status, 400, `refusing reserved claims: ${JSON.stringify(e.response.data)}`);
      assert.equal(typeof e.response.data?.error, 'string');
      return;
    }
    const tokens = await exchangeOf(web, f, await follow(ua, accepted.redirect_to));
    const claims = tokens.claims(); // openid-client has checked iss, aud and nonce
    assert.equal(claims.sub, subject, 'session.id_token overrode sub');
    assert.equal(claims.iss, srv.issuer);
    assert.deepEqual([claims.aud].flat(), [webC.client_id]);
    assert.equal(claims['https://example.test/plan'], 'gold');
    const jwt = decodeJwt(tokens.access_token).payload;
    assert.equal(jwt.sub, subject, 'session.access_token overrode sub');
    assert.equal(jwt.iss, srv.issuer);
    assert.equal(jwt.client_id, webC.client_id);
    assert.deepEqual(scopes(jwt.scope), ['dns:read', 'openid']);
    const intro = await srv.adminIntrospect(tokens.access_token);
    assert.equal(intro.sub, subject);
    assert.equal(intro.client_id, webC.client_id);
    assert.deepEqual(scopes(intro.scope), ['dns:read', 'openid'], 'session.access_token widened the scope');
    assert.equal(intro.ext?.['https://example.test/tenant'], 't-1');
  });
});

describe('negative cases', () => {
  const unknown = () => randomBytes(48).toString('base64url');

  test('unknown and malformed challenges: 404 with a JSON error at every request endpoint', async () => {
    for (const ch of [unknown(), 'x', `${'A'.repeat(22)}${'B'.repeat(43)}`]) {
      for (const [name, call] of [
        ['get login', () => api.getOAuth2LoginRequest({ loginChallenge: ch })],
        ['accept login', () => api.acceptOAuth2LoginRequest({ loginChallenge: ch, acceptOAuth2LoginRequest: { subject: 'x' } })],
        ['reject login', () => api.rejectOAuth2LoginRequest({ loginChallenge: ch, rejectOAuth2Request: { error: 'access_denied' } })],
        ['get consent', () => api.getOAuth2ConsentRequest({ consentChallenge: ch })],
        ['accept consent', () => api.acceptOAuth2ConsentRequest({ consentChallenge: ch, acceptOAuth2ConsentRequest: { grant_scope: [] } })],
        ['reject consent', () => api.rejectOAuth2ConsentRequest({ consentChallenge: ch, rejectOAuth2Request: { error: 'access_denied' } })],
        ['get logout', () => api.getOAuth2LogoutRequest({ logoutChallenge: ch })],
        ['accept logout', () => api.acceptOAuth2LogoutRequest({ logoutChallenge: ch })],
        ['reject logout', () => api.rejectOAuth2LogoutRequest({ logoutChallenge: ch })],
      ]) {
        const e = await sdkFailure(call());
        assert.equal(e.status, 404, `${name} with challenge ${ch.slice(0, 12)}…: ${e.status} ${JSON.stringify(e.data)}`);
        assert.equal(typeof e.data?.error, 'string', `${name}: no JSON error`);
      }
    }
  });

  test('a missing challenge parameter is 400; no admin key is 401', async () => {
    const r = await srv.adminFetch('/admin/oauth2/auth/requests/login');
    assert.equal(r.status, 400);
    assert.equal(typeof (await r.json()).error, 'string');
    const f = await beginAuthorization(web, agent(), { appBase: APP, scope: 'openid' });
    const noKey = await sdkFailure(hydraAdmin(srv, { key: null }).getOAuth2LoginRequest({ loginChallenge: f.challenge }));
    assert.equal(noKey.status, 401);
    const badKey = await sdkFailure(hydraAdmin(srv, { key: 'not-the-key' }).getOAuth2LoginRequest({ loginChallenge: f.challenge }));
    assert.equal(badKey.status, 401);
  });

  test('reused challenges and verifiers: 410 with redirect_to, a second answer refused, a replayed verifier gets no code', async () => {
    const ua = agent();
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: 'openid dns:read' });
    const { data: la } = await api.acceptOAuth2LoginRequest({ loginChallenge: f.challenge, acceptOAuth2LoginRequest: { subject: newSubject() } });
    const gone = await sdkFailure(api.getOAuth2LoginRequest({ loginChallenge: f.challenge }));
    assert.equal(gone.status, 410, `GET of a handled login request: ${JSON.stringify(gone.data)}`);
    assert.equal(typeof gone.data?.redirect_to, 'string', 'Hydra answers 410 with redirect_to');
    const again = await sdkFailure(api.acceptOAuth2LoginRequest({ loginChallenge: f.challenge, acceptOAuth2LoginRequest: { subject: 'mallory' } }));
    assert.ok([409, 410].includes(again.status), `a second login accept: ${again.status} ${JSON.stringify(again.data)}`);
    const rej = await sdkFailure(api.rejectOAuth2LoginRequest({ loginChallenge: f.challenge, rejectOAuth2Request: { error: 'access_denied' } }));
    assert.ok([409, 410].includes(rej.status), `a reject after the accept: ${rej.status}`);

    const c = await follow(ua, la.redirect_to);
    assert.equal(c.at, 'consent', where(c));
    // the login verifier again: no second consent request, no code
    const replay = await follow(ua, la.redirect_to);
    assert.ok(!(replay.at === 'redirect' && replay.params.get('code')), 'a replayed login_verifier produced a code');
    assert.notEqual(replay.at, 'consent', 'a replayed login_verifier produced a second consent request');

    const { data: ca } = await api.acceptOAuth2ConsentRequest({ consentChallenge: c.challenge, acceptOAuth2ConsentRequest: { grant_scope: ['openid'] } });
    const cgone = await sdkFailure(api.getOAuth2ConsentRequest({ consentChallenge: c.challenge }));
    assert.equal(cgone.status, 410);
    assert.equal(typeof cgone.data?.redirect_to, 'string');
    const cagain = await sdkFailure(api.acceptOAuth2ConsentRequest({ consentChallenge: c.challenge, acceptOAuth2ConsentRequest: { grant_scope: ['openid', 'dns:read'] } }));
    assert.ok([409, 410].includes(cagain.status), `a second consent accept: ${cagain.status}`);
    const done = await follow(ua, ca.redirect_to);
    const tokens = await exchangeOf(web, f, done);
    assert.deepEqual(scopes(tokens.scope), ['openid'], 'the second accept changed the grant');
    const creplay = await follow(ua, ca.redirect_to);
    assert.ok(!(creplay.at === 'redirect' && creplay.params.get('code')), 'a replayed consent_verifier produced a second code');
  });

  test('swapped challenges: a login challenge at the consent endpoints and the reverse are 404', async () => {
    const ua = agent();
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: 'openid dns:read' });
    const e1 = await sdkFailure(api.getOAuth2ConsentRequest({ consentChallenge: f.challenge }));
    assert.equal(e1.status, 404, `login challenge at GET consent: ${JSON.stringify(e1.data)}`);
    const e2 = await sdkFailure(api.acceptOAuth2ConsentRequest({ consentChallenge: f.challenge, acceptOAuth2ConsentRequest: { grant_scope: ['openid'] } }));
    assert.equal(e2.status, 404, 'login challenge at consent accept');
    const e3 = await sdkFailure(api.getOAuth2LogoutRequest({ logoutChallenge: f.challenge }));
    assert.equal(e3.status, 404, 'login challenge at GET logout');
    // the login request is untouched by those
    const { data: la } = await api.acceptOAuth2LoginRequest({ loginChallenge: f.challenge, acceptOAuth2LoginRequest: { subject: newSubject() } });
    const c = await follow(ua, la.redirect_to);
    const e4 = await sdkFailure(api.getOAuth2LoginRequest({ loginChallenge: c.challenge }));
    assert.equal(e4.status, 404, 'consent challenge at GET login');
    const e5 = await sdkFailure(api.acceptOAuth2LoginRequest({ loginChallenge: c.challenge, acceptOAuth2LoginRequest: { subject: 'mallory' } }));
    assert.equal(e5.status, 404, 'consent challenge at login accept');
    // a verifier is not a challenge either
    const v = new URL(la.redirect_to).searchParams.get('login_verifier');
    const e6 = await sdkFailure(api.getOAuth2ConsentRequest({ consentChallenge: v }));
    assert.equal(e6.status, 404, 'login verifier at GET consent');
    const { data: ca } = await api.acceptOAuth2ConsentRequest({ consentChallenge: c.challenge, acceptOAuth2ConsentRequest: { grant_scope: ['openid'] } });
    await exchangeOf(web, f, await follow(ua, ca.redirect_to));
  });

  test('a challenge answered by the app is only honoured in the browser that began the flow', async () => {
    const ua = agent();
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: 'openid dns:read' });
    const { data: la } = await api.acceptOAuth2LoginRequest({ loginChallenge: f.challenge, acceptOAuth2LoginRequest: { subject: newSubject() } });
    const stranger = await follow(agent(), la.redirect_to);
    assert.notEqual(stranger.at, 'consent', 'another browser continued the flow with the login verifier');
    assert.ok(!(stranger.at === 'redirect' && stranger.params.get('code')), 'another browser got a code');
    const c = await follow(ua, la.redirect_to);
    assert.equal(c.at, 'consent', `the browser that began the flow could not continue: ${where(c)}`);
    const { data: ca } = await api.acceptOAuth2ConsentRequest({ consentChallenge: c.challenge, acceptOAuth2ConsentRequest: { grant_scope: ['openid'] } });
    const stranger2 = await follow(agent(), ca.redirect_to);
    assert.ok(!(stranger2.at === 'redirect' && stranger2.params.get('code')), 'another browser got a code with the consent verifier');
    await exchangeOf(web, f, await follow(ua, ca.redirect_to));
  });

  test('a widened grant_scope is 400 (not requested, or not in the catalog); the request can still be answered', async () => {
    const ua = agent();
    const f = await beginAuthorization(web, ua, { appBase: APP, scope: 'openid dns:read' });
    const { data: la } = await api.acceptOAuth2LoginRequest({ loginChallenge: f.challenge, acceptOAuth2LoginRequest: { subject: newSubject() } });
    const c = await follow(ua, la.redirect_to);
    for (const grant of [['openid', 'dns:read', 'dns:write'], ['openid', 'dns:read', 'settings:write'], ['openid', 'admin:everything']]) {
      const e = await sdkFailure(api.acceptOAuth2ConsentRequest({ consentChallenge: c.challenge, acceptOAuth2ConsentRequest: { grant_scope: grant } }));
      assert.equal(e.status, 400, `grant_scope ${grant.join(' ')}: ${e.status} ${JSON.stringify(e.data)}`);
      assert.equal(typeof e.data?.error, 'string');
    }
    const aud = await sdkFailure(api.acceptOAuth2ConsentRequest({
      consentChallenge: c.challenge, acceptOAuth2ConsentRequest: { grant_scope: ['openid'], grant_access_token_audience: ['https://evil.example.test'] },
    }));
    assert.equal(aud.status, 400, `an audience that was not requested: ${JSON.stringify(aud.data)}`);
    const { data: ca } = await api.acceptOAuth2ConsentRequest({ consentChallenge: c.challenge, acceptOAuth2ConsentRequest: { grant_scope: ['dns:read'] } });
    const tokens = await exchangeOf(web, f, await follow(ua, ca.redirect_to), { idTokenExpected: false });
    assert.deepEqual(scopes(tokens.scope), ['dns:read'], 'unticking openid must leave it out');
    assert.equal(tokens.id_token, undefined, 'an ID token without openid granted');
  });

  test('expired challenges (ttl.flow = 30 s, checked last): 404', async () => {
    if (expiring.error) throw expiring.error;
    const wait = expiring.at + (FLOW_TTL + 2) * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const e1 = await sdkFailure(shortApi.getOAuth2LoginRequest({ loginChallenge: expiring.login }));
    assert.equal(e1.status, 404, `an expired login challenge: ${e1.status} ${JSON.stringify(e1.data)}`);
    const e2 = await sdkFailure(shortApi.acceptOAuth2LoginRequest({ loginChallenge: expiring.login, acceptOAuth2LoginRequest: { subject: 'late' } }));
    assert.equal(e2.status, 404, 'an expired login challenge accepted');
    const e3 = await sdkFailure(shortApi.getOAuth2ConsentRequest({ consentChallenge: expiring.consent }));
    assert.equal(e3.status, 404, 'an expired consent challenge');
    const e4 = await sdkFailure(shortApi.acceptOAuth2ConsentRequest({ consentChallenge: expiring.consent, acceptOAuth2ConsentRequest: { grant_scope: ['openid'] } }));
    assert.equal(e4.status, 404, 'an expired consent challenge accepted');
  });
});
