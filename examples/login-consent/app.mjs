// A login, consent and logout app for gatehouse ("bring your own login"), written against the
// Hydra-compatible admin API with Ory's published SDK (@ory/client, OAuth2Api). gatehouse sends
// the browser here with ?login_challenge=, ?consent_challenge= or ?logout_challenge= when its
// configuration names this app in urls.login, urls.consent and urls.logout; the app reads the
// request from the admin API, asks the user, accepts or rejects it, and sends the browser on to
// the redirect_to gatehouse answers.
//
// What it shows:
//   - GET/POST /login: its own users (an in-memory list), a "keep me signed in" choice
//     (remember), and a cancel button (login rejected with access_denied). A request with
//     skip: true (gatehouse already knows the user) is accepted at once, without a page.
//   - GET/POST /consent: one checkbox per requested scope (the user may untick any; what is
//     granted is always a subset of what was requested), "remember this decision", allow and
//     deny. A request with skip: true (a remembered consent covers it) is accepted at once.
//     Profile and e-mail claims of the app's users go into the ID token through
//     session.id_token, the user's groups into the access token through session.access_token.
//   - GET/POST /logout: a confirmation (accept ends the gatehouse session, "stay signed in"
//     rejects the logout request).
//   - GET /error: where gatehouse sends the browser for errors it cannot return to a client
//     (urls.error).
// Every form carries a CSRF token: an HMAC, under the app's secret, of a random per-browser
// cookie value and the challenge the form answers, so a form is only accepted from the browser
// it was shown to and for the request it was shown for; a POST whose Origin header names
// another origin is refused as well. Pages are plain HTML without scripts, sent with a strict
// Content-Security-Policy, frame-ancestors 'none', no-referrer (the challenge is in the URL)
// and no-store.
//
// Not here: account management, password hashing (the users are a demo list given at start),
// TLS (put the app behind the same TLS front end as gatehouse's public listener).
import { createHmac, randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { Configuration, OAuth2Api } from '@ory/client';

const CSRF_COOKIE = 'login_app_csrf';
const BODY_LIMIT = 16 * 1024;

/** The Ory SDK's OAuth2Api for gatehouse's admin listener; the admin key is the bearer token. */
export function adminApi({ adminUrl, adminKey }) {
  return new OAuth2Api(new Configuration({
    basePath: adminUrl.replace(/\/+$/, ''),
    accessToken: adminKey || undefined,
  }));
}

/**
 * Parses the users list: a JSON array of { username, password, subject?, name?, email?,
 * email_verified?, groups? }. subject defaults to the username. Throws on anything else.
 */
export function parseUsers(text) {
  const list = JSON.parse(text);
  if (!Array.isArray(list) || list.length === 0) throw new Error('the users list must be a non-empty JSON array');
  const byName = new Map();
  for (const u of list) {
    if (!u || typeof u.username !== 'string' || u.username === '' || typeof u.password !== 'string' || u.password === '') {
      throw new Error('every user needs a non-empty "username" and "password"');
    }
    if (byName.has(u.username)) throw new Error(`user "${u.username}" is listed twice`);
    byName.set(u.username, {
      username: u.username,
      passwordHash: sha256(u.password),
      subject: typeof u.subject === 'string' && u.subject !== '' ? u.subject : u.username,
      name: typeof u.name === 'string' ? u.name : undefined,
      email: typeof u.email === 'string' ? u.email : undefined,
      email_verified: u.email_verified === true,
      groups: Array.isArray(u.groups) ? u.groups.filter((g) => typeof g === 'string') : undefined,
    });
  }
  return byName;
}

function sha256(s) { return createHash('sha256').update(s, 'utf8').digest(); }

function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}'
  + 'label{display:block;margin:.5rem 0}input[type=text],input[type=password]{width:100%;padding:.4rem}'
  + 'button{margin:1rem .5rem 0 0;padding:.4rem 1rem}.err{color:#a00}.muted{color:#666;font-size:.9rem}';

function page(title, body) {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>`
    + `<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>`
    + `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>\n`;
}

function send(res, status, html, headers = {}) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(html);
}

function redirect(res, location, headers = {}) {
  res.writeHead(302, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', ...headers });
  res.end();
}

function cookies(req) {
  const out = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      reject(Object.assign(new Error('expected a form'), { status: 415 }));
      return;
    }
    let size = 0;
    const chunks = [];
    req.on('data', (c) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        reject(Object.assign(new Error('form too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** The status and body of a failed SDK call (axios error), or undefined for other errors. */
function apiFailure(e) {
  if (e && e.response && typeof e.response.status === 'number') return { status: e.response.status, data: e.response.data };
  return undefined;
}

/**
 * Creates the app's request handler (for node:http's createServer).
 *   api: an OAuth2Api (adminApi()); users: parseUsers()'s map; secret: a Buffer of >= 32
 *   bytes for the CSRF tokens; rememberFor: seconds a remembered login or consent lasts
 *   (0 = as long as gatehouse allows); log: function(line) for one-line diagnostics.
 */
export function createApp({ api, users, secret, rememberFor = 3600, log = () => {} }) {
  if (!Buffer.isBuffer(secret) || secret.length < 32) throw new Error('the CSRF secret must be at least 32 bytes');

  // ---- CSRF: a random cookie per browser, and per form an HMAC of it and the challenge ----
  function csrfCookie(req) {
    const v = cookies(req)[CSRF_COOKIE];
    return typeof v === 'string' && /^[A-Za-z0-9_-]{43}$/.test(v) ? v : undefined;
  }
  function csrfToken(cookieValue, purpose, challenge) {
    return createHmac('sha256', secret).update(`${purpose}\n${cookieValue}\n${challenge}`).digest('base64url');
  }
  /** The cookie value to use for a form (existing or new) and the Set-Cookie header if new. */
  function csrfFor(req) {
    const existing = csrfCookie(req);
    if (existing) return { value: existing, headers: {} };
    const value = randomBytes(32).toString('base64url');
    return { value, headers: { 'set-cookie': `${CSRF_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax` } };
  }
  function csrfValid(req, form, purpose, challenge) {
    const c = csrfCookie(req);
    const got = form.get('_csrf');
    if (!c || typeof got !== 'string') return false;
    const want = Buffer.from(csrfToken(c, purpose, challenge));
    const have = Buffer.from(got);
    return have.length === want.length && timingSafeEqual(have, want);
  }
  function sameOrigin(req) {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // not sent by every browser on same-origin posts
    const host = req.headers.host;
    return typeof host === 'string' && (origin === `http://${host}` || origin === `https://${host}`);
  }

  function errorPage(res, status, title, message) {
    send(res, status, page(title, `<p class="err">${escapeHtml(message)}</p>`));
  }

  /** A failed admin API call: 410 (already handled) sends the browser on, as Hydra documents. */
  function apiError(res, e, what) {
    const f = apiFailure(e);
    if (f && f.status === 410 && f.data && typeof f.data.redirect_to === 'string') {
      redirect(res, f.data.redirect_to);
      return;
    }
    if (f && f.status === 404) {
      errorPage(res, 404, 'Request not found', `This ${what} request is unknown or has expired. Start again from the application.`);
      return;
    }
    if (f && f.status >= 400 && f.status < 500) {
      log(`${what}: the admin API answered ${f.status}: ${JSON.stringify(f.data)}`);
      errorPage(res, 400, 'Request refused', `gatehouse refused this ${what} request: ${f.data?.error_description ?? f.data?.error ?? f.status}`);
      return;
    }
    log(`${what}: admin API failure: ${f ? `${f.status} ${JSON.stringify(f.data)}` : e?.message}`);
    errorPage(res, 502, 'Sign-in unavailable', 'The authorization server could not be reached. Try again later.');
  }

  // ---- login ----
  function loginPage(res, req, lr, { status = 200, error, username = '' } = {}) {
    const csrf = csrfFor(req);
    const client = lr.client ?? {};
    const appName = client.client_name || client.client_id || 'an application';
    const body = `<p>Sign in to continue to <strong>${escapeHtml(appName)}</strong>.</p>`
      + (error ? `<p class="err">${escapeHtml(error)}</p>` : '')
      + '<form method="post" action="/login">'
      + `<input type="hidden" name="_csrf" value="${escapeHtml(csrfToken(csrf.value, 'login', lr.challenge))}">`
      + `<input type="hidden" name="login_challenge" value="${escapeHtml(lr.challenge)}">`
      + `<label for="username">User name <input type="text" id="username" name="username" autocomplete="username" value="${escapeHtml(username)}" required></label>`
      + '<label for="password">Password <input type="password" id="password" name="password" autocomplete="current-password" required></label>'
      + '<label><input type="checkbox" name="remember" value="1" checked> Keep me signed in</label>'
      + '<button type="submit" name="action" value="login">Sign in</button>'
      + '<button type="submit" name="action" value="cancel" formnovalidate>Cancel</button>'
      + '</form>';
    send(res, status, page('Sign in', body), csrf.headers);
  }

  async function getLogin(req, res, url) {
    const challenge = url.searchParams.get('login_challenge');
    if (!challenge) { errorPage(res, 400, 'Missing request', 'No login_challenge was given.'); return; }
    let lr;
    try {
      lr = (await api.getOAuth2LoginRequest({ loginChallenge: challenge })).data;
    } catch (e) { apiError(res, e, 'login'); return; }
    if (lr.skip) {
      // gatehouse already authenticated this user: confirm the subject it knows, ask nothing
      try {
        const r = await api.acceptOAuth2LoginRequest({ loginChallenge: challenge, acceptOAuth2LoginRequest: { subject: lr.subject } });
        redirect(res, r.data.redirect_to);
      } catch (e) { apiError(res, e, 'login'); }
      return;
    }
    loginPage(res, req, lr);
  }

  async function postLogin(req, res) {
    const form = await readForm(req);
    const challenge = form.get('login_challenge') ?? '';
    if (!challenge || !sameOrigin(req) || !csrfValid(req, form, 'login', challenge)) {
      errorPage(res, 403, 'Form expired', 'This form was not sent by this browser or has expired. Go back and try again.');
      return;
    }
    let lr;
    try {
      lr = (await api.getOAuth2LoginRequest({ loginChallenge: challenge })).data;
    } catch (e) { apiError(res, e, 'login'); return; }
    try {
      if (form.get('action') === 'cancel') {
        const r = await api.rejectOAuth2LoginRequest({
          loginChallenge: challenge,
          rejectOAuth2Request: { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
        });
        redirect(res, r.data.redirect_to);
        return;
      }
      const username = form.get('username') ?? '';
      const password = form.get('password') ?? '';
      const user = users.get(username);
      // compare a hash even for an unknown user, so timing does not tell which names exist
      const want = user ? user.passwordHash : sha256(`\0unknown\0${username}`);
      const ok = timingSafeEqual(sha256(password), want) && user !== undefined;
      if (!ok) {
        loginPage(res, req, lr, { status: 401, error: 'Wrong user name or password.', username });
        return;
      }
      const remember = form.get('remember') === '1';
      const r = await api.acceptOAuth2LoginRequest({
        loginChallenge: challenge,
        acceptOAuth2LoginRequest: {
          subject: user.subject,
          remember,
          remember_for: remember ? rememberFor : 0,
          amr: ['pwd'],
        },
      });
      redirect(res, r.data.redirect_to);
    } catch (e) { apiError(res, e, 'login'); }
  }

  // ---- consent ----
  /** What the app adds to the tokens for the granted scopes. */
  function sessionFor(subject, granted) {
    const user = [...users.values()].find((u) => u.subject === subject);
    const idToken = {};
    const accessToken = {};
    if (user) {
      if (granted.includes('profile') && user.name) idToken.name = user.name;
      if (granted.includes('email') && user.email) {
        idToken.email = user.email;
        idToken.email_verified = user.email_verified;
      }
      if (user.groups) accessToken.groups = user.groups;
    }
    return { id_token: idToken, access_token: accessToken };
  }

  async function getConsent(req, res, url) {
    const challenge = url.searchParams.get('consent_challenge');
    if (!challenge) { errorPage(res, 400, 'Missing request', 'No consent_challenge was given.'); return; }
    let cr;
    try {
      cr = (await api.getOAuth2ConsentRequest({ consentChallenge: challenge })).data;
    } catch (e) { apiError(res, e, 'consent'); return; }
    const requested = cr.requested_scope ?? [];
    if (cr.skip) {
      // a remembered consent covers the request: grant what it asks, ask nothing
      try {
        const r = await api.acceptOAuth2ConsentRequest({
          consentChallenge: challenge,
          acceptOAuth2ConsentRequest: {
            grant_scope: requested,
            grant_access_token_audience: cr.requested_access_token_audience ?? [],
            session: sessionFor(cr.subject, requested),
          },
        });
        redirect(res, r.data.redirect_to);
      } catch (e) { apiError(res, e, 'consent'); }
      return;
    }
    const csrf = csrfFor(req);
    const client = cr.client ?? {};
    const appName = client.client_name || client.client_id || 'An application';
    const boxes = requested.map((s, i) => `<label for="scope-${i}"><input type="checkbox" id="scope-${i}" name="scope" value="${escapeHtml(s)}" checked> ${escapeHtml(s)}</label>`).join('');
    const audience = (cr.requested_access_token_audience ?? []).length
      ? `<p class="muted">For use at: ${cr.requested_access_token_audience.map(escapeHtml).join(', ')}</p>` : '';
    const body = `<p><strong>${escapeHtml(appName)}</strong> asks for access to your account (signed in as ${escapeHtml(cr.subject)}).</p>`
      + '<form method="post" action="/consent">'
      + `<input type="hidden" name="_csrf" value="${escapeHtml(csrfToken(csrf.value, 'consent', challenge))}">`
      + `<input type="hidden" name="consent_challenge" value="${escapeHtml(challenge)}">`
      + `<fieldset><legend>Allow it to</legend>${boxes}</fieldset>${audience}`
      + '<label><input type="checkbox" name="remember" value="1"> Remember this decision</label>'
      + '<button type="submit" name="decision" value="allow">Allow</button>'
      + '<button type="submit" name="decision" value="deny">Deny</button>'
      + '</form>';
    send(res, 200, page('Allow access?', body), csrf.headers);
  }

  async function postConsent(req, res) {
    const form = await readForm(req);
    const challenge = form.get('consent_challenge') ?? '';
    if (!challenge || !sameOrigin(req) || !csrfValid(req, form, 'consent', challenge)) {
      errorPage(res, 403, 'Form expired', 'This form was not sent by this browser or has expired. Go back and try again.');
      return;
    }
    let cr;
    try {
      cr = (await api.getOAuth2ConsentRequest({ consentChallenge: challenge })).data;
    } catch (e) { apiError(res, e, 'consent'); return; }
    try {
      if (form.get('decision') !== 'allow') {
        const r = await api.rejectOAuth2ConsentRequest({
          consentChallenge: challenge,
          rejectOAuth2Request: { error: 'access_denied', error_description: 'The user denied the request.' },
        });
        redirect(res, r.data.redirect_to);
        return;
      }
      // only what was requested can be granted: ticked boxes outside the request are ignored
      const requested = cr.requested_scope ?? [];
      const ticked = new Set(form.getAll('scope'));
      const granted = requested.filter((s) => ticked.has(s));
      const remember = form.get('remember') === '1';
      const r = await api.acceptOAuth2ConsentRequest({
        consentChallenge: challenge,
        acceptOAuth2ConsentRequest: {
          grant_scope: granted,
          grant_access_token_audience: cr.requested_access_token_audience ?? [],
          remember,
          remember_for: remember ? rememberFor : 0,
          session: sessionFor(cr.subject, granted),
        },
      });
      redirect(res, r.data.redirect_to);
    } catch (e) { apiError(res, e, 'consent'); }
  }

  // ---- logout ----
  async function getLogout(req, res, url) {
    const challenge = url.searchParams.get('logout_challenge');
    if (!challenge) { errorPage(res, 400, 'Missing request', 'No logout_challenge was given.'); return; }
    let lr;
    try {
      lr = (await api.getOAuth2LogoutRequest({ logoutChallenge: challenge })).data;
    } catch (e) { apiError(res, e, 'logout'); return; }
    const csrf = csrfFor(req);
    const who = lr.subject ? ` as ${escapeHtml(lr.subject)}` : '';
    const body = `<p>You are signed in${who}. Sign out?</p>`
      + '<form method="post" action="/logout">'
      + `<input type="hidden" name="_csrf" value="${escapeHtml(csrfToken(csrf.value, 'logout', challenge))}">`
      + `<input type="hidden" name="logout_challenge" value="${escapeHtml(challenge)}">`
      + '<button type="submit" name="decision" value="logout">Sign out</button>'
      + '<button type="submit" name="decision" value="stay">Stay signed in</button>'
      + '</form>';
    send(res, 200, page('Sign out', body), csrf.headers);
  }

  async function postLogout(req, res) {
    const form = await readForm(req);
    const challenge = form.get('logout_challenge') ?? '';
    if (!challenge || !sameOrigin(req) || !csrfValid(req, form, 'logout', challenge)) {
      errorPage(res, 403, 'Form expired', 'This form was not sent by this browser or has expired. Go back and try again.');
      return;
    }
    try {
      if (form.get('decision') === 'logout') {
        const r = await api.acceptOAuth2LogoutRequest({ logoutChallenge: challenge });
        redirect(res, r.data.redirect_to);
        return;
      }
      await api.rejectOAuth2LogoutRequest({ logoutChallenge: challenge });
      send(res, 200, page('Still signed in', '<p>You are still signed in.</p>'));
    } catch (e) { apiError(res, e, 'logout'); }
  }

  function errorRoute(res, url) {
    const error = url.searchParams.get('error') ?? 'error';
    const description = url.searchParams.get('error_description') ?? '';
    send(res, 200, page('Something went wrong', `<p class="err"><code>${escapeHtml(error)}</code></p><p>${escapeHtml(description)}</p>`));
  }

  const routes = {
    'GET /login': getLogin,
    'POST /login': postLogin,
    'GET /consent': getConsent,
    'POST /consent': postConsent,
    'GET /logout': getLogout,
    'POST /logout': postLogout,
    'GET /error': (req, res, url) => errorRoute(res, url),
    'GET /healthz': (req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok\n'); },
    'GET /': (req, res) => send(res, 200, page('Login and consent', '<p>gatehouse sends the browser here to sign in, to consent and to sign out.</p>')),
  };

  return async function handle(req, res) {
    let url;
    try {
      url = new URL(req.url, 'http://app.invalid');
    } catch {
      errorPage(res, 400, 'Bad request', 'The request target is not valid.');
      return;
    }
    const route = routes[`${req.method} ${url.pathname}`];
    if (!route) {
      const known = Object.keys(routes).some((k) => k.endsWith(` ${url.pathname}`));
      errorPage(res, known ? 405 : 404, known ? 'Method not allowed' : 'Not found', 'There is no such page here.');
      return;
    }
    try {
      await route(req, res, url);
    } catch (e) {
      if (res.headersSent) { res.destroy(); return; }
      const status = typeof e?.status === 'number' ? e.status : 500;
      if (status === 500) log(`internal error: ${e?.stack ?? e}`);
      errorPage(res, status, 'Error', status === 500 ? 'Something went wrong.' : e.message);
    }
  };
}
