// The authorization code flow under attack or misuse, against a real gatehouse: PKCE missing,
// plain or wrong; code replay (and what the first use issued is revoked); codes bound to
// client and redirect URI; an unknown client or unregistered redirect URI gets an error page,
// never a redirect; CSRF tokens missing, wrong or from another browser on the login and
// consent forms; a verifier delivered to another browser; refresh-token reuse; login
// throttling and the generic wrong-credentials message; unknown parameters; used and expired
// challenges. The browser is the cookie-jar user agent of lib/agent.mjs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { UserAgent, authorize, consentForm, isRedirectTo, loginForm } from './lib/agent.mjs';
import { basic, postForm } from './lib/oauth.mjs';
import { REDIRECT, oidcConfig, startFlow, webClient } from './lib/oidc.mjs';
import { startServer } from './lib/server.mjs';

const PASSWORD = 'correct horse battery staple';
let srv;
let slow; // ttl.flow = 30 s, for the expired challenge
let slowFlow; // { page, startedAt } of a login page on slow
let c1;
let c2;
let users = 0;

async function newUser(on = srv) {
  users += 1;
  return on.createUser(`neg${users}`, PASSWORD);
}

const agent = (on = srv) => new UserAgent({ origin: on.issuer });

before(async () => {
  [srv, slow] = await Promise.all([
    startServer({ name: 'negative' }),
    startServer({ name: 'negative-ttl', extraEnv: { GATEHOUSE_TTL_FLOW: '30' } }),
  ]);
  c1 = await srv.createClient(webClient({ client_name: 'First App' }));
  c2 = await srv.createClient(webClient({ client_name: 'Second App' }));
  // begin a flow on the short-lived server now; the last test finds it expired
  const sc = await slow.createClient(webClient());
  const scfg = await oidcConfig(slow, sc);
  const ua = agent(slow);
  const res = await startFlow(scfg, ua, {});
  slowFlow = { ua, page: res.loginPage, startedAt: Date.now(), user: await newUser(slow) };
});
after(async () => { await Promise.all([srv?.dispose(), slow?.dispose()]); });

/** A raw /oauth2/auth URL (no library in between, so that anything can be sent). */
function authUrl(params) {
  const u = new URL(`${srv.issuer}/oauth2/auth`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.href;
}

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'; // RFC 7636 appendix B
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'; // its verifier
const good = (extra = {}) => ({
  client_id: c1.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid dns:read',
  state: 'st-123', code_challenge: CHALLENGE, code_challenge_method: 'S256', ...extra,
});

/** GET url with a fresh agent; resolves with { page, stopped } (stopped at REDIRECT). */
async function hit(url, ua = agent()) {
  return ua.follow(url, {}, { stop: (u) => isRedirectTo(u, REDIRECT) });
}

function assertRedirectError(r, error, state = 'st-123') {
  assert.ok(r.stopped, `expected a redirect with error=${error}, got HTTP ${r.page.status} ${r.page.url}\n${r.page.text.slice(0, 800)}`);
  const p = r.stopped.searchParams;
  assert.equal(p.get('error'), error, `response: ${p}`);
  assert.equal(p.get('code'), null);
  assert.equal(p.get('state'), state);
  assert.equal(p.get('iss'), srv.issuer); // SPEC: RFC9207 2
}

/** An HTML error page for the user: 4xx, HTML, no Location. */
function assertErrorPage(page, statuses = [400]) {
  assert.ok(statuses.includes(page.status), `expected HTTP ${statuses.join('|')}, got ${page.status} (Location ${page.location})\n${page.text.slice(0, 800)}`);
  assert.equal(page.location, undefined, `an error page must not redirect (Location ${page.location})`);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/i, 'not an HTML page');
}

/** The CSRF token input of a form: hidden, named like one. */
function csrfInput(form) {
  const i = form.inputs.find((x) => x.type === 'hidden' && /csrf|xsrf/i.test(x.name));
  assert.ok(i, `no CSRF token in form: ${form.html.slice(0, 800)}`);
  return i;
}

/** Exchanges a code at the token endpoint by hand (client_secret_basic). */
function tokenRequest(c, params) {
  return postForm(`${srv.issuer}/oauth2/token`, params, { authorization: basic(c.client_id, c.client_secret) });
}

function assertTokenError(r, error) {
  assert.ok(r.status === 400 || r.status === 401, `expected 400 ${error}, got ${r.status}: ${r.text}`);
  assert.equal(r.json?.error, error, `token endpoint: ${r.status} ${r.text}`);
}

/** A code for c1 with the RFC 7636 test challenge: the walk with a fresh user and agent. */
async function codeFor(extra = {}) {
  const user = await newUser();
  const ua = agent();
  const res = await authorize(ua, authUrl(good(extra)), { redirectUri: REDIRECT, user });
  assert.ok(res.params?.get('code'), `no code: shown ${JSON.stringify(res.shown)}, HTTP ${res.last?.status}\n${res.last?.text?.slice(0, 800)}`);
  return { code: res.params.get('code'), user, ua };
}

describe('PKCE (RFC 7636, S256 required)', () => {
  test('a missing code_challenge is refused', async () => {
    assertRedirectError(await hit(authUrl(good({ code_challenge: undefined, code_challenge_method: undefined }))), 'invalid_request');
  });
  test('code_challenge_method=plain is refused', async () => {
    assertRedirectError(await hit(authUrl(good({ code_challenge: VERIFIER, code_challenge_method: 'plain' }))), 'invalid_request');
  });
  test('a challenge without a method (which means plain) is refused', async () => {
    assertRedirectError(await hit(authUrl(good({ code_challenge_method: undefined }))), 'invalid_request');
  });
  test('a wrong code_verifier gets invalid_grant', async () => {
    const { code } = await codeFor();
    const wrong = 'A'.repeat(43);
    assertTokenError(await tokenRequest(c1, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: wrong }), 'invalid_grant');
  });
  test('a missing code_verifier is refused', async () => {
    const { code } = await codeFor();
    const r = await tokenRequest(c1, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    assert.ok(['invalid_grant', 'invalid_request'].includes(r.json?.error), `${r.status} ${r.text}`);
    assert.equal(r.status, 400);
  });
  test('the RFC 7636 appendix B pair works', async () => {
    const { code } = await codeFor();
    const r = await tokenRequest(c1, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.access_token);
    assert.match(r.headers.get('cache-control') ?? '', /no-store/);
  });
});

describe('codes', () => {
  test('a replayed code gets invalid_grant and revokes what the first use issued', async () => {
    const { code } = await codeFor({ scope: 'openid offline_access dns:read' });
    const p = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER };
    const first = await tokenRequest(c1, p);
    assert.equal(first.status, 200, first.text);
    assert.ok(first.json.refresh_token);
    assert.equal((await srv.adminIntrospect(first.json.access_token)).active, true);
    // SPEC: RFC6749 4.1.2 - used twice: refused, and tokens issued from it should be revoked
    assertTokenError(await tokenRequest(c1, p), 'invalid_grant');
    assert.equal((await srv.adminIntrospect(first.json.access_token)).active, false, 'access token of a replayed code still active');
    assert.equal((await srv.adminIntrospect(first.json.refresh_token)).active, false, 'refresh token of a replayed code still active');
  });
  test('a code is bound to its client', async () => {
    const { code } = await codeFor();
    assertTokenError(await tokenRequest(c2, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER }), 'invalid_grant');
  });
  test('a code is bound to its redirect_uri', async () => {
    const { code } = await codeFor();
    assertTokenError(await tokenRequest(c1, { grant_type: 'authorization_code', code, redirect_uri: 'https://app.example.test/other', code_verifier: VERIFIER }), 'invalid_grant');
  });
  test('a made-up code gets invalid_grant', async () => {
    assertTokenError(await tokenRequest(c1, { grant_type: 'authorization_code', code: `gh_ac_${'A'.repeat(65)}`, redirect_uri: REDIRECT, code_verifier: VERIFIER }), 'invalid_grant');
  });
});

describe('the authorization endpoint', () => {
  test('an unregistered redirect_uri gets an error page, not a redirect', async () => {
    for (const uri of ['https://evil.example.test/callback', `${REDIRECT}/x`, `${REDIRECT}?a=1`, 'https://app.example.test/Callback']) {
      const { page, stopped } = await hit(authUrl(good({ redirect_uri: uri })));
      assert.equal(stopped, undefined);
      assertErrorPage(page);
    }
  });
  test('an unknown or missing client_id gets an error page, not a redirect', async () => {
    for (const id of ['no-such-client', undefined]) {
      const { page } = await hit(authUrl(good({ client_id: id })));
      assertErrorPage(page);
    }
  });
  test('the error page escapes what it shows', async () => {
    const { page } = await hit(authUrl(good({ redirect_uri: 'https://evil.example.test/"><script>alert(1)</script>', client_id: '<script>alert(2)</script>' })));
    assertErrorPage(page);
    assert.ok(!/<script>alert/i.test(page.text), 'request input reflected unescaped');
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  });
  test('response_type other than code: unsupported_response_type by redirect', async () => {
    for (const rt of ['token', 'id_token', 'code id_token']) {
      assertRedirectError(await hit(authUrl(good({ response_type: rt }))), 'unsupported_response_type');
    }
  });
  test('a scope beyond the client or the catalog: invalid_scope by redirect', async () => {
    assertRedirectError(await hit(authUrl(good({ scope: 'openid settings:write' }))), 'invalid_scope');
    assertRedirectError(await hit(authUrl(good({ scope: 'openid no:such' }))), 'invalid_scope');
  });
  test('prompt=none together with another prompt is invalid', async () => {
    assertRedirectError(await hit(authUrl(good({ prompt: 'none login' }))), 'invalid_request');
  });
  test('unknown parameters are ignored', async () => {
    const user = await newUser();
    const ua = agent();
    const res = await authorize(ua, authUrl(good({ foo: 'bar', 'x-unknown': '1', claims_locales: 'de' })), { redirectUri: REDIRECT, user });
    assert.ok(res.params?.get('code'), `unknown parameters broke the flow: shown ${JSON.stringify(res.shown)}, HTTP ${res.last?.status}\n${res.last?.text?.slice(0, 500)}`);
    assert.equal(res.params.get('state'), 'st-123');
  });
});

describe('CSRF on the login and consent forms', () => {
  let user;
  before(async () => { user = await newUser(); });

  /** GET the login page of a fresh flow in ua. */
  async function loginPage(ua) {
    const r = await hit(authUrl(good({ state: 'csrf' })), ua);
    const f = loginForm(r.page);
    assert.ok(f, `no login form: HTTP ${r.page.status} ${r.page.url}`);
    return { page: r.page, form: f };
  }

  function assertRefused(r, what) {
    assert.equal(r.status, 403, `${what}: expected 403, got ${r.status} (Location ${r.location})`);
    assert.equal(r.location, undefined, `${what}: redirected to ${r.location}`);
  }

  test('login without, with a wrong, or with another browser\'s token: 403 and no session', async () => {
    const ua = agent();
    const { page, form } = await loginPage(ua);
    const name = csrfInput(form).name;
    const creds = { username: user.username, password: PASSWORD };
    assertRefused(await ua.submit(page, form, { values: { ...creds, [name]: undefined }, follow: false }), 'missing token');
    assertRefused(await ua.submit(page, form, { values: { ...creds, [name]: 'A'.repeat(43) }, follow: false }), 'wrong token');
    const other = agent();
    const { form: otherForm } = await loginPage(other);
    const foreign = csrfInput(otherForm).value;
    assertRefused(await ua.submit(page, form, { values: { ...creds, [name]: foreign }, follow: false }), "another browser's token");
    assert.equal(ua.cookies().gh_session, undefined, 'a session was started by a refused login');
    // the flow did not move: the same form with its own token still logs in
    const ok = await ua.submit(page, form, { values: creds, stop: (u) => isRedirectTo(u, REDIRECT) });
    assert.ok(consentForm(ok.page), `after refused attempts the login no longer works: HTTP ${ok.page.status} ${ok.page.url}`);
  });

  test('consent without or with a wrong token: 403, no redirect to the client, the flow still pending', async () => {
    const ua = agent();
    const { page, form } = await loginPage(ua);
    const r = await ua.submit(page, form, { values: { username: user.username, password: PASSWORD } });
    const cf = consentForm(r.page);
    assert.ok(cf, `no consent page after login: HTTP ${r.page.status}`);
    const name = csrfInput(cf).name;
    const allow = { name: 'decision', value: 'allow' };
    assertRefused(await ua.submit(r.page, cf, { values: { [name]: undefined }, button: allow, follow: false }), 'missing token');
    assertRefused(await ua.submit(r.page, cf, { values: { [name]: 'B'.repeat(43) }, button: allow, follow: false }), 'wrong token');
    assertRefused(await ua.submit(r.page, cf, { values: { [name]: undefined }, button: { name: 'decision', value: 'deny' }, follow: false }), 'deny without token');
    const ok = await ua.submit(r.page, cf, { button: allow, stop: (u) => isRedirectTo(u, REDIRECT) });
    assert.ok(ok.stopped, `the genuine answer failed after refused ones: HTTP ${ok.page.status}`);
    assert.ok(ok.stopped.searchParams.get('code'), `no code: ${ok.stopped.searchParams}`);
  });

  test('a login verifier is honoured only in the browser that began the flow', async () => {
    const ua = agent();
    const { page, form } = await loginPage(ua);
    const r = await ua.submit(page, form, {
      values: { username: user.username, password: PASSWORD },
      stop: (u) => u.includes('login_verifier='),
    });
    assert.ok(r.stopped, `the login did not redirect to a login_verifier (HTTP ${r.page.status} ${r.page.location})`);
    const thief = agent();
    const t = await hit(r.stopped.href, thief);
    assert.equal(t.stopped, undefined, 'a stolen login verifier completed the flow in another browser');
    assert.ok(t.page.status >= 400, `stolen verifier answered HTTP ${t.page.status}`);
    assert.ok(!consentForm(t.page), 'a stolen login verifier reached the consent page');
  });
});

describe('challenges', () => {
  test('a used login challenge gets a 4xx page', async () => {
    const user = await newUser();
    const ua = agent();
    const r = await hit(authUrl(good({ state: 'used' })), ua);
    const form = loginForm(r.page);
    assert.ok(form);
    const done = await ua.submit(r.page, form, { values: { username: user.username, password: PASSWORD } });
    assert.ok(consentForm(done.page), 'no consent page after login');
    const again = await ua.request(r.page.url);
    assert.ok(again.status >= 400 && again.status < 500, `used login challenge: HTTP ${again.status}`);
    assert.equal(again.location, undefined);
    // posting the old form again makes no progress either
    const re = await ua.submit(r.page, form, { values: { username: user.username, password: PASSWORD }, follow: false });
    assert.ok(re.status >= 400 && re.status < 500, `re-posted used login: HTTP ${re.status} ${re.location ?? ''}`);
  });

  test('a made-up challenge gets a 4xx page', async () => {
    const ua = agent();
    for (const p of ['/ui/login?login_challenge=', '/ui/consent?consent_challenge=', '/ui/logout?logout_challenge=']) {
      for (const v of ['', 'x', `${'A'.repeat(22)}${'B'.repeat(43)}`]) {
        const page = await ua.request(`${srv.issuer}${p}${v}`);
        assert.ok(page.status >= 400 && page.status < 500, `${p}${v}: HTTP ${page.status}`);
      }
    }
    for (const p of ['/oauth2/auth?login_verifier=', '/oauth2/auth?consent_verifier=']) {
      const page = await ua.request(`${srv.issuer}${p}${'C'.repeat(65)}`);
      assert.ok(page.status >= 400 && page.status < 500, `${p}: HTTP ${page.status}`);
      assert.equal(page.location, undefined);
    }
  });

  test('a consent answered twice: the second gets a 4xx, one code only', async () => {
    const user = await newUser();
    const ua = agent();
    const r = await hit(authUrl(good({ state: 'twice' })), ua);
    const c = await ua.submit(r.page, loginForm(r.page), { values: { username: user.username, password: PASSWORD } });
    const cf = consentForm(c.page);
    assert.ok(cf);
    const stop = (u) => isRedirectTo(u, REDIRECT);
    const one = await ua.submit(c.page, cf, { button: { name: 'decision', value: 'allow' }, stop });
    assert.ok(one.stopped?.searchParams.get('code'));
    const two = await ua.submit(c.page, cf, { button: { name: 'decision', value: 'allow' }, stop });
    assert.ok(!two.stopped?.searchParams.get('code'), 'a second code from one consent');
    assert.ok(two.stopped ? two.stopped.searchParams.get('error') : two.page.status >= 400, `second answer: HTTP ${two.page.status}`);
  });
});

describe('refresh tokens', () => {
  test('reuse of a rotated refresh token revokes the family (raw token endpoint)', async () => {
    const { code } = await codeFor({ scope: 'offline_access dns:read' });
    const t1 = await tokenRequest(c1, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER });
    assert.equal(t1.status, 200, t1.text);
    const t2 = await tokenRequest(c1, { grant_type: 'refresh_token', refresh_token: t1.json.refresh_token });
    assert.equal(t2.status, 200, t2.text);
    assert.notEqual(t2.json.refresh_token, t1.json.refresh_token);
    assertTokenError(await tokenRequest(c1, { grant_type: 'refresh_token', refresh_token: t1.json.refresh_token }), 'invalid_grant');
    assertTokenError(await tokenRequest(c1, { grant_type: 'refresh_token', refresh_token: t2.json.refresh_token }), 'invalid_grant');
    assert.equal((await srv.adminIntrospect(t2.json.access_token)).active, false);
  });
  test('a refresh token is bound to its client', async () => {
    const { code } = await codeFor({ scope: 'offline_access dns:read' });
    const t1 = await tokenRequest(c1, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER });
    assertTokenError(await tokenRequest(c2, { grant_type: 'refresh_token', refresh_token: t1.json.refresh_token }), 'invalid_grant');
  });
  test('no refresh token without offline_access', async () => {
    const { code } = await codeFor({ scope: 'dns:read' });
    const t1 = await tokenRequest(c1, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER });
    assert.equal(t1.status, 200, t1.text);
    assert.equal(t1.json.refresh_token, undefined);
    assert.equal(t1.json.scope, 'dns:read');
  });
});

describe('login errors and throttling', () => {
  /** Posts username/password on a fresh login page; resolves with the answer page. */
  async function tryLogin(username, password) {
    const ua = agent();
    const r = await hit(authUrl(good({ state: 'thr' })), ua);
    const f = loginForm(r.page);
    assert.ok(f);
    return ua.submit(r.page, f, { values: { username, password }, stop: (u) => isRedirectTo(u, REDIRECT) });
  }

  const visible = (html) => html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();

  test('a wrong password and an unknown user get the same generic answer', async () => {
    const user = await newUser();
    const a = await tryLogin(user.username, 'not the password');
    const b = await tryLogin('nobody-here', 'not the password');
    assert.ok(loginForm(a.page), 'wrong password: the login form is not shown again');
    assert.ok(loginForm(b.page), 'unknown user: the login form is not shown again');
    assert.equal(a.page.status, b.page.status);
    assert.ok(a.page.status === 200 || (a.page.status >= 400 && a.page.status < 500));
    assert.equal(visible(a.page.text), visible(b.page.text), 'the answers tell an unknown user from a wrong password');
    assert.equal(a.stopped, undefined);
  });

  test('repeated wrong passwords are throttled with a clear message, even for the right password', async () => {
    const user = await newUser();
    let last;
    for (let i = 0; i < 6; i += 1) last = await tryLogin(user.username, `wrong-${i}-password`);
    assert.match(visible(last.page.text), /too many|try again|later|locked|wait/i, 'no throttling message after 6 wrong passwords');
    const right = await tryLogin(user.username, PASSWORD);
    assert.equal(right.stopped, undefined, 'a throttled account logged in');
    assert.ok(!consentForm(right.page), 'a throttled account reached the consent page');
    assert.match(visible(right.page.text), /too many|try again|later|locked|wait/i);
    // another account from the same address is not locked out by it
    const other = await newUser();
    const ok = await tryLogin(other.username, PASSWORD);
    assert.ok(consentForm(ok.page), `another account was throttled: HTTP ${ok.page.status}\n${visible(ok.page.text).slice(0, 300)}`);
  });
});

test('an expired login challenge gets a 4xx page (ttl.flow = 30 s)', async () => {
  assert.ok(slowFlow.page && loginForm(slowFlow.page), 'no login page on the short-lived server');
  const wait = slowFlow.startedAt + 31500 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const again = await slowFlow.ua.request(slowFlow.page.url);
  assert.ok(again.status >= 400 && again.status < 500, `expired login challenge: HTTP ${again.status}`);
  const post = await slowFlow.ua.submit(slowFlow.page, loginForm(slowFlow.page), {
    values: { username: slowFlow.user.username, password: PASSWORD }, follow: false,
  });
  assert.ok(post.status >= 400 && post.status < 500, `login on an expired challenge: HTTP ${post.status} ${post.location ?? ''}`);
  assert.ok(!post.location?.includes('login_verifier'), 'an expired flow went on');
});
