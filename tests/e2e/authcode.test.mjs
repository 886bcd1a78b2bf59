// The authorization code flow end to end with openid-client (panva) as the relying party and a
// cookie-jar user agent (lib/agent.mjs) as the browser: discovery, PKCE S256 + state + nonce,
// the built-in login and consent pages, the code exchange with the ID token validated by
// openid-client (signature via the JWKS, iss, aud, nonce; RS256 by default, ES256 when the
// client registered it), /userinfo, refresh-token rotation and reuse detection, login sessions
// and remembered consents (prompt=none|login|consent, max_age, login_hint), response_mode
// form_post, RP-initiated logout, consent narrowing that is never widened, and revocation
// from /ui/account and the admin consent API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { UserAgent, consentForm, consentScopes, isRedirectTo, loginForm } from './lib/agent.mjs';
import { decodeJwt } from './lib/oauth.mjs';
import {
  ALL_SCOPES, POST_LOGOUT, REDIRECT, assertAuthzError, assertCode, client, exchange, oauthError,
  oidcConfig, scopes, startFlow, webClient,
} from './lib/oidc.mjs';
import { startServer } from './lib/server.mjs';

const PASSWORD = 'correct horse battery staple';
let srv;
let rsClient; // default ID token alg (RS256)
let esClient; // id_token_signed_response_alg ES256
let otherClient; // a second app, for consent_required and the account page
let rs;
let es;
let other;
let users = 0;

/** A fresh user (each test its own: sessions and remembered consents are per user). */
async function newUser(extra = {}) {
  users += 1;
  const displayName = `User Number ${users}`;
  const u = await srv.createUser(`user${users}`, PASSWORD, {
    name: displayName, email: `user${users}@example.test`, emailVerified: true, ...extra,
  });
  return { ...u, displayName };
}

before(async () => {
  srv = await startServer({ name: 'authcode' });
  rsClient = await srv.createClient(webClient());
  esClient = await srv.createClient(webClient({ client_name: 'ES256 App', id_token_signed_response_alg: 'ES256' }));
  otherClient = await srv.createClient(webClient({ client_name: 'Log Viewer', client_uri: 'https://logs.example.test/' }));
  rs = await oidcConfig(srv, rsClient);
  es = await oidcConfig(srv, { ...esClient, id_token_signed_response_alg: 'ES256' });
  other = await oidcConfig(srv, otherClient);
});
after(async () => { await srv?.dispose(); });

const agent = () => new UserAgent({ origin: srv.issuer });

test('discovery lists the authorization code flow, OpenID Connect and RFC 9207', () => {
  const md = rs.serverMetadata();
  assert.equal(md.issuer, srv.issuer);
  for (const k of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint']) {
    assert.equal(typeof md[k], 'string', `${k} missing`);
  }
  assert.equal(md.authorization_endpoint, `${srv.issuer}/oauth2/auth`);
  assert.equal(md.end_session_endpoint, `${srv.issuer}/oauth2/sessions/logout`);
  assert.equal(md.userinfo_endpoint, `${srv.issuer}/userinfo`);
  assert.deepEqual(md.code_challenge_methods_supported, ['S256'], 'only S256 may be advertised');
  assert.ok(md.response_types_supported.includes('code'));
  assert.ok(!md.response_types_supported.some((t) => t.split(' ').includes('token')), 'implicit advertised');
  for (const m of ['query', 'form_post']) assert.ok(md.response_modes_supported?.includes(m), `response mode ${m}`);
  for (const g of ['authorization_code', 'refresh_token']) assert.ok(md.grant_types_supported.includes(g), `grant ${g}`);
  assert.ok(!md.grant_types_supported.includes('password'));
  assert.ok(!md.grant_types_supported.includes('implicit'));
  // SPEC: RFC9207 3 - advertised
  assert.equal(md.authorization_response_iss_parameter_supported, true);
  for (const a of ['RS256', 'ES256']) assert.ok(md.id_token_signing_alg_values_supported.includes(a), `ID token alg ${a}`);
  assert.ok(md.subject_types_supported?.includes('public'));
  for (const s of ['openid', 'profile', 'email', 'offline_access']) assert.ok(md.scopes_supported.includes(s), `scope ${s}`);
});

test('full flow: login, consent, code with state and iss, RS256 ID token, userinfo GET and POST', async () => {
  const user = await newUser();
  const ua = agent();
  const res = await startFlow(rs, ua, { user });
  assertCode(res, srv);
  assert.deepEqual(res.shown, ['login', 'consent']);
  // every requested scope has its checkbox, openid and offline_access included, in request order
  assert.deepEqual(res.offered, ALL_SCOPES.split(' '));
  // the login session cookie: HttpOnly, SameSite=Lax, Path=/, not Secure on an http issuer
  const attrs = ua.cookieAttributes('gh_session');
  assert.ok(attrs, `no gh_session cookie; cookies: ${JSON.stringify(ua.cookies())}`);
  assert.equal(attrs.httponly, true, 'session cookie not HttpOnly');
  assert.equal(String(attrs.samesite).toLowerCase(), 'lax');
  assert.equal(attrs.path, '/');

  const tokens = await exchange(rs, res);
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.deepEqual(scopes(tokens.scope), scopes(ALL_SCOPES));
  assert.ok(tokens.refresh_token, 'offline_access granted but no refresh token');
  const { header, payload } = decodeJwt(tokens.id_token);
  assert.equal(header.alg, 'RS256', 'default ID token alg');
  const claims = tokens.claims();
  for (const c of ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'sid']) {
    assert.ok(claims[c] !== undefined, `ID token claim ${c} missing: ${JSON.stringify(payload)}`);
  }
  assert.equal(claims.iss, srv.issuer);
  assert.equal(claims.nonce, res.nonce);
  assert.ok([].concat(claims.aud).includes(rsClient.client_id));
  assert.ok(Math.abs(claims.auth_time - Date.now() / 1000) < 120, 'auth_time far from now');
  if (user.id) assert.equal(claims.sub, user.id);
  // profile and email claims of a built-in user by granted scope
  assert.equal(claims.name, user.displayName);
  assert.equal(claims.email, `${user.username}@example.test`);

  const info = await client.fetchUserInfo(rs, tokens.access_token, claims.sub);
  assert.equal(info.sub, claims.sub);
  assert.equal(info.email, `${user.username}@example.test`);
  assert.equal(info.email_verified, true);
  assert.equal(info.name, user.displayName);

  // POST /userinfo with the bearer token too (OIDC Core 5.3.1)
  const post = await fetch(`${srv.issuer}/userinfo`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(post.status, 200);
  assert.equal((await post.json()).sub, claims.sub);
  // SPEC: RFC6750 3 - no token: 401 with a Bearer challenge
  const none = await fetch(`${srv.issuer}/userinfo`);
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/i);
  const bad = await fetch(`${srv.issuer}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}x` } });
  assert.equal(bad.status, 401);
  assert.match(bad.headers.get('www-authenticate') ?? '', /invalid_token/);

  const intro = await srv.adminIntrospect(tokens.access_token);
  assert.equal(intro.active, true);
  assert.deepEqual(scopes(intro.scope), scopes(ALL_SCOPES));
  assert.equal(intro.client_id, rsClient.client_id);
  assert.equal(intro.sub, claims.sub);
});

test('userinfo claims follow the granted scope: openid alone gives only sub', async () => {
  const user = await newUser();
  const res = await startFlow(rs, agent(), { user, scope: 'openid dns:read' });
  assertCode(res, srv);
  const tokens = await exchange(rs, res);
  assert.equal(tokens.refresh_token, undefined, 'a refresh token without offline_access');
  const claims = tokens.claims();
  assert.equal(claims.email, undefined);
  assert.equal(claims.name, undefined);
  const info = await client.fetchUserInfo(rs, tokens.access_token, claims.sub);
  assert.equal(info.sub, claims.sub);
  assert.equal(info.email, undefined, `email without the email scope: ${JSON.stringify(info)}`);
  assert.equal(info.name, undefined, `name without the profile scope: ${JSON.stringify(info)}`);
  // a token without openid may not read /userinfo
  const res2 = await startFlow(rs, agent(), { user, scope: 'dns:read' });
  assertCode(res2, srv);
  const t2 = await exchange(rs, res2, { idTokenExpected: false });
  assert.equal(t2.id_token, undefined, 'an ID token without openid');
  const r = await fetch(`${srv.issuer}/userinfo`, { headers: { authorization: `Bearer ${t2.access_token}` } });
  assert.ok(r.status === 401 || r.status === 403, `userinfo without openid answered ${r.status}`);
});

test('ES256 ID tokens for a client that registered id_token_signed_response_alg ES256', async () => {
  const user = await newUser();
  const res = await startFlow(es, agent(), { user, scope: 'openid email' });
  assertCode(res, srv);
  const tokens = await exchange(es, res); // openid-client checks alg === ES256 and the signature
  assert.equal(decodeJwt(tokens.id_token).header.alg, 'ES256');
  assert.equal(typeof decodeJwt(tokens.id_token).header.kid, 'string');
  assert.equal(tokens.claims().nonce, res.nonce);
});

test('refresh rotates; reusing a rotated refresh token revokes the whole family', async () => {
  const user = await newUser();
  const res = await startFlow(rs, agent(), { user, scope: 'openid offline_access dns:read' });
  assertCode(res, srv);
  const t1 = await exchange(rs, res);
  assert.ok(t1.refresh_token);
  const t2 = await client.refreshTokenGrant(rs, t1.refresh_token);
  assert.ok(t2.refresh_token, 'no new refresh token: not rotated');
  assert.notEqual(t2.refresh_token, t1.refresh_token);
  assert.notEqual(t2.access_token, t1.access_token);
  assert.deepEqual(scopes(t2.scope), scopes('openid offline_access dns:read'));
  assert.equal((await srv.adminIntrospect(t2.access_token)).active, true);
  assert.equal((await srv.adminIntrospect(t2.refresh_token)).active, true);

  // SPEC: RFC9700 4.14.2 - reuse of a rotated refresh token
  assert.equal(await oauthError(client.refreshTokenGrant(rs, t1.refresh_token)), 'invalid_grant');
  // ... revokes the family: the newest refresh token and the access tokens too
  assert.equal(await oauthError(client.refreshTokenGrant(rs, t2.refresh_token)), 'invalid_grant');
  assert.equal((await srv.adminIntrospect(t2.access_token)).active, false, 'access token of the family still active');
  assert.equal((await srv.adminIntrospect(t1.access_token)).active, false, 'first access token still active');
});

test('a refresh token is bound to its client', async () => {
  const user = await newUser();
  const res = await startFlow(rs, agent(), { user, scope: 'openid offline_access dns:read' });
  assertCode(res, srv);
  const t1 = await exchange(rs, res);
  assert.equal(await oauthError(client.refreshTokenGrant(other, t1.refresh_token)), 'invalid_grant');
});

describe('login session and remembered consent', () => {
  let user;
  let ua;
  let first;

  before(async () => {
    user = await newUser();
    ua = agent();
  });

  test('login_hint fills the username', async () => {
    const res = await startFlow(rs, ua, { scope: 'openid profile dns:read', params: { login_hint: user.username } });
    assert.deepEqual(res.shown, ['login']);
    const f = loginForm(res.loginPage);
    assert.equal(f.inputs.find((i) => i.name === 'username').value, user.username);
  });

  test('first authorization: login and consent (remembered)', async () => {
    first = await startFlow(rs, ua, { user, scope: 'openid profile dns:read', remember: true });
    assertCode(first, srv);
    assert.deepEqual(first.shown, ['login', 'consent']);
    first.tokens = await exchange(rs, first);
  });

  test('a second authorization in the same browser skips login and the remembered consent', async () => {
    const res = await startFlow(rs, ua, { scope: 'openid profile dns:read' });
    assertCode(res, srv);
    assert.deepEqual(res.shown, [], 'a page was shown although the session and consent cover the request');
    const tokens = await exchange(rs, res);
    const c1 = first.tokens.claims();
    const c2 = tokens.claims();
    assert.equal(c2.sub, c1.sub);
    assert.equal(c2.sid, c1.sid, 'same login session, same sid');
    assert.equal(c2.auth_time, c1.auth_time, 'auth_time is the time of the login, not of the request');
    assert.deepEqual(scopes(tokens.scope), scopes('openid profile dns:read'));
  });

  test('a subset of the remembered scopes is also covered', async () => {
    const res = await startFlow(rs, ua, { scope: 'openid dns:read' });
    assertCode(res, srv);
    assert.deepEqual(res.shown, []);
    const tokens = await exchange(rs, res);
    assert.deepEqual(scopes(tokens.scope), scopes('openid dns:read'));
  });

  test('prompt=none with session and consent issues the code at once', async () => {
    const res = await startFlow(rs, ua, { scope: 'openid dns:read', params: { prompt: 'none' } });
    assertCode(res, srv);
    assert.deepEqual(res.shown, []);
  });

  test('prompt=consent shows the consent page again', async () => {
    const res = await startFlow(rs, ua, { scope: 'openid profile dns:read', remember: true, params: { prompt: 'consent' } });
    assertCode(res, srv);
    assert.deepEqual(res.shown, ['consent']);
  });

  test('prompt=login asks for the password again', async () => {
    const res = await startFlow(rs, ua, { user, scope: 'openid profile dns:read', params: { prompt: 'login' } });
    assertCode(res, srv);
    assert.deepEqual(res.shown, ['login']);
    const tokens = await exchange(rs, res);
    assert.ok(tokens.claims().auth_time >= first.tokens.claims().auth_time);
  });

  test('prompt=none without a covering consent: consent_required', async () => {
    const res = await startFlow(other, ua, { scope: 'openid dns:read', params: { prompt: 'none' } });
    assertAuthzError(res, srv, 'consent_required');
    assert.deepEqual(res.shown, []);
  });

  test('a sensitive scope is asked every time, even when remember was ticked', async () => {
    const a = await startFlow(rs, ua, { scope: 'openid dns:read dns:write', remember: true });
    assertCode(a, srv);
    assert.deepEqual(a.shown, ['consent']);
    const b = await startFlow(rs, ua, { scope: 'openid dns:read dns:write', remember: true });
    assertCode(b, srv);
    assert.deepEqual(b.shown, ['consent'], 'consent for a sensitive scope was remembered');
    const t = await exchange(rs, b);
    assert.deepEqual(scopes(t.scope), scopes('openid dns:read dns:write'));
  });

  test('max_age: an older login is asked again', async () => {
    await new Promise((r) => setTimeout(r, 2100));
    const res = await startFlow(rs, ua, { user, scope: 'openid dns:read', params: { max_age: '1' } });
    assertCode(res, srv);
    assert.deepEqual(res.shown, ['login'], 'max_age=1 after 2 s: the login must be asked again');
    const tokens = await client.authorizationCodeGrant(rs, res.redirect, {
      pkceCodeVerifier: res.verifier, expectedState: res.state, expectedNonce: res.nonce, maxAge: 1,
    });
    assert.ok(Math.abs(tokens.claims().auth_time - Date.now() / 1000) < 10);
  });
});

test('prompt=none without a session: login_required with state and iss', async () => {
  const res = await startFlow(rs, agent(), { scope: 'openid', params: { prompt: 'none' } });
  assertAuthzError(res, srv, 'login_required');
  assert.deepEqual(res.shown, []);
});

test('decision=deny returns access_denied with state and iss', async () => {
  const user = await newUser();
  const res = await startFlow(rs, agent(), { user, scope: 'openid dns:read', decision: 'deny' });
  assertAuthzError(res, srv, 'access_denied');
  assert.deepEqual(res.shown, ['login', 'consent']);
});

test('response_mode=form_post: an auto-submitting form to the redirect URI', async () => {
  const user = await newUser();
  const res = await startFlow(rs, agent(), { user, scope: 'openid dns:read', params: { response_mode: 'form_post' } });
  assertCode(res, srv);
  assert.equal(res.via, 'form_post', 'the code came back in the query, not by form_post');
  assert.equal(res.formPost.method, 'POST');
  assert.equal(res.last.status, 200);
  assert.match(res.last.headers.get('content-type') ?? '', /text\/html/);
  assert.match(res.last.headers.get('cache-control') ?? '', /no-store/);
  const tokens = await exchange(rs, res); // openid-client reads the POSTed form
  assert.equal(tokens.claims().nonce, res.nonce);
});

test('response_mode=form_post on the hot path (session and remembered consent) and for errors', async () => {
  const user = await newUser();
  const ua = agent();
  const first = await startFlow(rs, ua, { user, scope: 'openid dns:read', remember: true });
  assertCode(first, srv);
  const res = await startFlow(rs, ua, { scope: 'openid dns:read', params: { response_mode: 'form_post' } });
  assertCode(res, srv);
  assert.deepEqual(res.shown, []);
  assert.equal(res.via, 'form_post');
  await exchange(rs, res);
  // an error goes back by form_post too, with state and iss
  const err = await startFlow(rs, agent(), { scope: 'openid', params: { response_mode: 'form_post', prompt: 'none' } });
  assert.equal(err.via, 'form_post');
  assertAuthzError(err, srv, 'login_required');
});

describe('consent narrowing', () => {
  let user;
  let ua;
  let tokens;
  const ASKED = 'openid offline_access dns:read dns:write logs:read';
  const GRANTED = 'openid offline_access dns:read logs:read';

  before(async () => {
    user = await newUser();
    ua = agent();
  });

  test('unticking dns:write grants exactly the rest', async () => {
    const res = await startFlow(rs, ua, { user, scope: ASKED, grant: scopes(GRANTED), remember: true });
    assertCode(res, srv);
    assert.deepEqual(res.shown, ['login', 'consent']);
    tokens = await exchange(rs, res);
    assert.deepEqual(scopes(tokens.scope), scopes(GRANTED));
    const intro = await srv.adminIntrospect(tokens.access_token);
    assert.deepEqual(scopes(intro.scope), scopes(GRANTED), 'the token holds more than was granted');
  });

  test('a refresh with a wider scope is refused; a narrower one narrows', async () => {
    // SPEC: RFC6749 6 - the requested scope must not include any scope not originally granted
    assert.equal(await oauthError(client.refreshTokenGrant(rs, tokens.refresh_token, { scope: ASKED })), 'invalid_scope');
    const t2 = await client.refreshTokenGrant(rs, tokens.refresh_token, { scope: 'openid offline_access dns:read' });
    assert.deepEqual(scopes(t2.scope), scopes('openid offline_access dns:read'));
    assert.deepEqual(scopes((await srv.adminIntrospect(t2.access_token)).scope), scopes('openid offline_access dns:read'));
  });

  test('asking again for dns:write shows the page again (never widened silently)', async () => {
    // the user says no this time: the earlier, narrower consent stays as it was
    const res = await startFlow(rs, ua, { scope: 'openid dns:read dns:write', decision: 'deny' });
    assert.deepEqual(res.shown, ['consent'], 'a narrowed consent was widened without asking');
    assertAuthzError(res, srv, 'access_denied');
  });

  test('asking for what was granted skips the page', async () => {
    const res = await startFlow(rs, ua, { scope: 'openid dns:read logs:read' });
    assertCode(res, srv);
    assert.deepEqual(res.shown, []);
  });

  test('unticking openid: no ID token', async () => {
    const res = await startFlow(rs, ua, { scope: 'openid dns:read', grant: ['dns:read'], params: { prompt: 'consent' } });
    assertCode(res, srv);
    assert.deepEqual(res.shown, ['consent']);
    const t = await exchange(rs, res, { idTokenExpected: false });
    assert.equal(t.id_token, undefined, 'openid was unticked but an ID token came');
    assert.deepEqual(scopes(t.scope), ['dns:read']);
  });
});

describe('RP-initiated logout', () => {
  test('with id_token_hint, post_logout_redirect_uri and state: back at the client, session ended', async () => {
    const user = await newUser();
    const ua = agent();
    const res = await startFlow(rs, ua, { user, scope: 'openid' });
    assertCode(res, srv);
    const tokens = await exchange(rs, res);
    const state = client.randomState();
    const url = client.buildEndSessionUrl(rs, { id_token_hint: tokens.id_token, post_logout_redirect_uri: POST_LOGOUT, state });
    assert.equal(url.origin + url.pathname, `${srv.issuer}/oauth2/sessions/logout`);
    const stop = (u) => isRedirectTo(u, POST_LOGOUT);
    let r = await ua.follow(url.href, {}, { stop });
    // a confirmation page is allowed; answer it like a user who wants to sign out
    for (let i = 0; i < 2 && !r.stopped && r.page.forms.length > 0; i += 1) {
      const f = r.page.forms.find((x) => x.method === 'POST') ?? r.page.forms[0];
      const yes = f.buttons.find((b) => /yes|log ?out|sign ?out|confirm|accept/i.test(`${b.value} ${b.text}`)) ?? f.buttons[0];
      r = await ua.submit(r.page, f, { button: yes ? { name: yes.name, value: yes.value } : undefined, stop });
    }
    assert.ok(r.stopped, `logout did not return to the client: HTTP ${r.page.status} ${r.page.url}\n${r.page.text.slice(0, 1500)}`);
    assert.equal(r.stopped.searchParams.get('state'), state, 'state not returned after logout');
    assert.equal(ua.cookies().gh_session, undefined, 'the session cookie was not cleared');

    // the session is over on the server too: replaying the old cookie gets no session
    const again = await startFlow(rs, ua, { scope: 'openid', params: { prompt: 'none' } });
    assertAuthzError(again, srv, 'login_required');
  });

  test('the old session cookie is dead after logout', async () => {
    const user = await newUser();
    const ua = agent();
    const res = await startFlow(rs, ua, { user, scope: 'openid' });
    assertCode(res, srv);
    const tokens = await exchange(rs, res);
    const saved = ua.cookies().gh_session;
    assert.ok(saved);
    const url = client.buildEndSessionUrl(rs, { id_token_hint: tokens.id_token, post_logout_redirect_uri: POST_LOGOUT });
    let r = await ua.follow(url.href, {}, { stop: (u) => isRedirectTo(u, POST_LOGOUT) });
    for (let i = 0; i < 2 && !r.stopped && r.page.forms.length > 0; i += 1) {
      const f = r.page.forms.find((x) => x.method === 'POST') ?? r.page.forms[0];
      const yes = f.buttons.find((b) => /yes|log ?out|sign ?out|confirm|accept/i.test(`${b.value} ${b.text}`)) ?? f.buttons[0];
      r = await ua.submit(r.page, f, { button: yes ? { name: yes.name, value: yes.value } : undefined, stop: (u) => isRedirectTo(u, POST_LOGOUT) });
    }
    assert.ok(r.stopped, `logout did not return to the client: HTTP ${r.page.status}`);
    const replay = agent();
    replay.setCookie(srv.issuer, 'gh_session', saved);
    const again = await startFlow(rs, replay, { scope: 'openid', params: { prompt: 'none' } });
    assertAuthzError(again, srv, 'login_required');
  });

  test('an unregistered post_logout_redirect_uri is never redirected to', async () => {
    const user = await newUser();
    const ua = agent();
    const res = await startFlow(rs, ua, { user, scope: 'openid' });
    assertCode(res, srv);
    const tokens = await exchange(rs, res);
    const evil = 'https://evil.example.test/after';
    const url = client.buildEndSessionUrl(rs, { id_token_hint: tokens.id_token, post_logout_redirect_uri: evil, state: 'x' });
    const r = await ua.follow(url.href, {}, { stop: (u) => u.startsWith('https://evil.example.test') });
    assert.equal(r.stopped, undefined, 'redirected to an unregistered post_logout_redirect_uri');
    assert.ok(r.page.status >= 400, `expected an error page, got HTTP ${r.page.status}`);
  });
});

describe('the account page and the admin consent API', () => {
  test('/ui/account lists the app; Revoke ends the consent and every token of it', async () => {
    const user = await newUser();
    const ua = agent();
    const res = await startFlow(rs, ua, { user, scope: 'openid offline_access dns:read logs:read', remember: true });
    assertCode(res, srv);
    const tokens = await exchange(rs, res);
    const sub = tokens.claims().sub;
    const res2 = await startFlow(other, ua, { scope: 'openid logs:read' });
    assertCode(res2, srv);
    const otherTokens = await exchange(other, res2);

    // the admin API sees both consents (Hydra's shape)
    let r = await srv.adminFetch(`/admin/oauth2/auth/sessions/consent?subject=${encodeURIComponent(sub)}`);
    assert.equal(r.status, 200);
    let list = await r.json();
    assert.ok(Array.isArray(list), 'not an array');
    const ids = list.map((c) => c.consent_request?.client?.client_id).sort();
    assert.deepEqual(ids, [rsClient.client_id, otherClient.client_id].sort());
    const mine = list.find((c) => c.consent_request.client.client_id === rsClient.client_id);
    assert.deepEqual(scopes(mine.grant_scope.join(' ')), scopes('openid offline_access dns:read logs:read'));
    assert.equal(mine.consent_request.subject, sub);

    const page = await ua.request(`${srv.issuer}/ui/account`);
    assert.equal(page.status, 200, `account page: HTTP ${page.status}`);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.ok(page.text.includes('Zone Editor'), 'the app is not listed');
    assert.ok(page.text.includes('Log Viewer'), 'the other app is not listed');
    assert.ok(page.text.includes('dns:read') || page.text.includes('Read DNS records'), 'the granted scopes are not shown');
    // the Revoke form of this app: it names the client in one of its inputs
    const form = page.forms.find((f) => f.inputs.some((i) => i.value === rsClient.client_id)
      && f.buttons.some((b) => /revoke/i.test(`${b.text} ${b.value}`)));
    assert.ok(form, `no Revoke form for ${rsClient.client_id}:\n${page.text.slice(0, 3000)}`);
    const b = form.buttons.find((x) => /revoke/i.test(`${x.text} ${x.value}`));
    const after = await ua.submit(page, form, { button: { name: b.name, value: b.value } });
    assert.ok(after.page.status < 400, `revoke answered HTTP ${after.page.status}`);

    const page2 = await ua.request(`${srv.issuer}/ui/account`);
    assert.equal(page2.status, 200);
    assert.ok(!page2.text.includes('Zone Editor'), 'the revoked app is still listed');
    assert.ok(page2.text.includes('Log Viewer'), 'the other app went too');

    assert.equal((await srv.adminIntrospect(tokens.access_token)).active, false, 'access token still active after Revoke');
    assert.equal((await srv.adminIntrospect(tokens.refresh_token)).active, false, 'refresh token still active after Revoke');
    assert.equal(await oauthError(client.refreshTokenGrant(rs, tokens.refresh_token)), 'invalid_grant');
    assert.equal((await srv.adminIntrospect(otherTokens.access_token)).active, true, "the other app's token was revoked");

    r = await srv.adminFetch(`/admin/oauth2/auth/sessions/consent?subject=${encodeURIComponent(sub)}`);
    list = await r.json();
    assert.deepEqual(list.map((c) => c.consent_request.client.client_id), [otherClient.client_id]);

    // the consent is gone: the next authorization asks again
    const res3 = await startFlow(rs, ua, { scope: 'openid dns:read' });
    assert.deepEqual(res3.shown, ['consent']);

    // admin DELETE ?subject=&client= revokes the other one and its tokens
    r = await srv.adminFetch(`/admin/oauth2/auth/sessions/consent?subject=${encodeURIComponent(sub)}&client=${encodeURIComponent(otherClient.client_id)}`, { method: 'DELETE' });
    assert.equal(r.status, 204);
    assert.equal((await srv.adminIntrospect(otherTokens.access_token)).active, false, 'admin consent revocation left a token active');
  });

  test('/ui/account without a session asks to sign in', async () => {
    const page = await agent().request(`${srv.issuer}/ui/account`);
    // a sign-in form here, or a redirect to one
    if (page.status >= 300 && page.status < 400) {
      assert.ok(page.location.startsWith(srv.issuer), `redirected off-site: ${page.location}`);
    } else {
      assert.equal(page.status, 200);
      assert.ok(loginForm(page), 'no sign-in form on the account page without a session');
    }
  });
});

test('consent page shows the client, the redirect host and one labelled checkbox per scope', async () => {
  const user = await newUser();
  const ua = agent();
  const res = await startFlow(rs, ua, { user, scope: 'openid dns:read dns:write', decision: 'deny' });
  const page = res.consentPage;
  assert.ok(page, `no consent page (shown ${JSON.stringify(res.shown)})`);
  assert.ok(page.text.includes('Zone Editor'), 'client name missing');
  assert.ok(page.text.includes('app.example.test'), 'redirect host missing');
  assert.ok(page.text.includes('Read DNS records'), 'catalog description missing');
  assert.ok(page.text.includes('Create, change and delete DNS records'));
  const f = consentForm(page);
  assert.deepEqual(consentScopes(f), ['openid', 'dns:read', 'dns:write']);
  for (const i of f.inputs.filter((x) => x.name === 'scope')) assert.equal(i.checked, true, `${i.value} not checked by default`);
  assert.deepEqual(f.buttons.filter((b) => b.name === 'decision').map((b) => b.value).sort(), ['allow', 'deny']);
  assert.ok(f.inputs.some((i) => i.type === 'hidden' && /csrf/i.test(i.name)), 'no CSRF token in the consent form');
  assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  assert.match(page.text, /<meta[^>]+name="?viewport/i, 'no viewport meta: not readable on a phone');
  assertAuthzError(res, srv, 'access_denied');
});
