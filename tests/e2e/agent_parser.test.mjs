// The user agent's own form parser (lib/agent.mjs) on hand-written pages, so that a failure in
// the flow tests is the server's and not the parser's. Needs no server.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { consentForm, consentScopes, labelsFor, loginForm, parseForms, UserAgent } from './lib/agent.mjs';

const LOGIN = `<!doctype html><main><form method="post" action="/ui/login?x=1&amp;y=2">
<input type=hidden name="csrf_token" value="a&amp;b">
<input type="hidden" name='login_challenge' value='ch&#x41;'>
<label for="u">User name</label><input id="u" name="username" autocomplete="username" value="">
<label>Password <input type="password" id="p" name="password"></label>
<input type="checkbox" name="remember" value="1">
<button type="submit">Sign in</button></form></main>`;

const CONSENT = `<form method="POST" action="/ui/consent">
<input type="hidden" name="csrf" value="t">
<label><input type="checkbox" name="scope" value="openid" checked> Sign you in</label>
<label><input type="checkbox" name="scope" value="dns:write" checked="checked"> Create &amp; delete</label>
<input type="checkbox" name="remember" value="yes" checked>
<button name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
<button type="button" name="x">not a submit</button>
</form>`;

test('login form: inputs, entities, absolute action', () => {
  const forms = parseForms(LOGIN, 'http://127.0.0.1:9/ui/login?login_challenge=z');
  const f = loginForm({ forms });
  assert.ok(f);
  assert.equal(f.action, 'http://127.0.0.1:9/ui/login?x=1&y=2');
  assert.equal(f.method, 'POST');
  assert.deepEqual(f.inputs.map((i) => [i.name, i.type, i.value]), [
    ['csrf_token', 'hidden', 'a&b'], ['login_challenge', 'hidden', 'chA'], ['username', 'text', ''],
    ['password', 'password', ''], ['remember', 'checkbox', '1'],
  ]);
  assert.equal(f.buttons.length, 1);
  assert.equal(f.buttons[0].text, 'Sign in');
  const labels = labelsFor(LOGIN);
  assert.equal(labels.u, 'User name');
  assert.equal(labels.p, 'Password');
});

test('consent form: checkboxes, decision buttons', () => {
  const forms = parseForms(CONSENT, 'http://127.0.0.1:9/ui/consent?consent_challenge=c');
  const f = consentForm({ forms });
  assert.ok(f);
  assert.deepEqual(consentScopes(f), ['openid', 'dns:write']);
  assert.deepEqual(f.inputs.filter((i) => i.type === 'checkbox').map((i) => i.checked), [true, true, true]);
  assert.deepEqual(f.buttons.map((b) => b.value), ['allow', 'deny']);
  assert.equal(labelsFor(CONSENT)['scope=dns:write'], 'Create & delete');
});

test('submit sends what a browser sends', async () => {
  const { createServer } = await import('node:http');
  let got;
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      got = { body, origin: req.headers.origin, cookie: req.headers.cookie };
      res.writeHead(302, { location: 'https://app.example.test/cb?code=1', 'set-cookie': 'b=2; Path=/; HttpOnly' });
      res.end();
    });
  });
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${s.address().port}`;
  try {
    const ua = new UserAgent();
    ua.setCookie(base, 'a', '1');
    const forms = parseForms(CONSENT, `${base}/ui/consent`);
    const page = { url: `${base}/ui/consent`, forms };
    const r = await ua.submit(page, forms[0], {
      checked: (i) => i.name !== 'scope' || i.value === 'openid',
      button: { name: 'decision', value: 'allow' },
      stop: (u) => u.startsWith('https://app.example.test/'),
    });
    assert.equal(r.stopped.searchParams.get('code'), '1');
    assert.equal(got.body, 'csrf=t&scope=openid&remember=yes&decision=allow');
    assert.equal(got.origin, base);
    assert.equal(got.cookie, 'a=1');
    assert.deepEqual(ua.cookies(base), { a: '1', b: '2' });
    assert.equal(ua.cookieAttributes('b', base).httponly, true);
  } finally {
    s.close();
  }
});
