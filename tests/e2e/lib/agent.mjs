// A browser without a browser: a "user agent" for the black-box tests of the authorization
// code flow. It keeps cookies per origin (Set-Cookie honoured with Max-Age/Expires, Path
// ignored: the server sets Path=/), follows redirects by hand so that every hop can be seen,
// and submits the built-in UI's forms the way a browser would: every hidden, text and password
// input with its value, checkboxes only when ticked, and the one submit button pressed.
// The forms are found in the HTML by the names of the form contract in DESIGN.md (login:
// username and password; consent: checkboxes name="scope", buttons name="decision" value
// allow|deny), with a small tag-level parser: nothing here knows how the pages look.
//
// The walk through a flow stops, without fetching it, at the client's redirect URI (as a
// browser would hand it to the app) or at a response_mode=form_post page whose form posts
// there; either way the authorization response's parameters are returned.

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos|#39);/gi, (m, e) => {
    const l = e.toLowerCase();
    if (l === 'amp') return '&';
    if (l === 'lt') return '<';
    if (l === 'gt') return '>';
    if (l === 'quot') return '"';
    if (l === 'apos') return "'";
    if (l.startsWith('#x')) return String.fromCodePoint(Number.parseInt(l.slice(2), 16));
    if (l.startsWith('#')) return String.fromCodePoint(Number.parseInt(l.slice(1), 10));
    return m;
  });
}

/** The attributes of one start tag's text ("<input a=b c>"), names lower-cased. */
export function parseAttributes(tag) {
  const attrs = {};
  const body = tag.replace(/^<\s*[a-z0-9]+/i, '').replace(/\/?>$/, '');
  const re = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  let m;
  while ((m = re.exec(body)) !== null) {
    const name = m[1].toLowerCase();
    const v = m[2] ?? m[3] ?? m[4];
    if (!(name in attrs)) attrs[name] = v === undefined ? '' : decodeEntities(v);
  }
  return attrs;
}

function stripTags(s) {
  return decodeEntities(s.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
}

/**
 * Every <form> of a page: { action (absolute URL), method, inputs, buttons, html }.
 * inputs: { type, name, value, checked, id, attrs }; buttons: { name, value, text, type }
 * (submit inputs count as buttons).
 */
export function parseForms(html, baseUrl) {
  const forms = [];
  const formRe = /<form\b[^>]*>([\s\S]*?)<\/form\s*>/gi;
  let m;
  while ((m = formRe.exec(html)) !== null) {
    const open = m[0].slice(0, m[0].indexOf('>') + 1);
    const fa = parseAttributes(open);
    const inner = m[1];
    const inputs = [];
    const buttons = [];
    const tagRe = /<input\b[^>]*>|<button\b[^>]*>([\s\S]*?)<\/button\s*>|<textarea\b[^>]*>([\s\S]*?)<\/textarea\s*>|<select\b[^>]*>([\s\S]*?)<\/select\s*>/gi;
    let t;
    while ((t = tagRe.exec(inner)) !== null) {
      const start = t[0].slice(0, t[0].indexOf('>') + 1);
      const a = parseAttributes(start);
      const tagName = start.slice(1).split(/[\s>]/)[0].toLowerCase();
      if (tagName === 'button') {
        const type = (a.type ?? 'submit').toLowerCase();
        if (type === 'submit') buttons.push({ name: a.name, value: a.value ?? '', text: stripTags(t[1] ?? ''), type, attrs: a });
      } else if (tagName === 'textarea') {
        if (a.name) inputs.push({ type: 'textarea', name: a.name, value: decodeEntities(t[2] ?? ''), checked: false, id: a.id, attrs: a });
      } else if (tagName === 'select') {
        const sel = /<option\b[^>]*\bselected\b[^>]*>/i.exec(t[3] ?? '') ?? /<option\b[^>]*>/i.exec(t[3] ?? '');
        const v = sel ? parseAttributes(sel[0]).value ?? '' : '';
        if (a.name) inputs.push({ type: 'select', name: a.name, value: v, checked: false, id: a.id, attrs: a });
      } else {
        const type = (a.type ?? 'text').toLowerCase();
        if (type === 'submit' || type === 'image') {
          buttons.push({ name: a.name, value: a.value ?? '', text: a.value ?? '', type, attrs: a });
        } else if (type !== 'button' && type !== 'reset' && type !== 'file') {
          inputs.push({ type, name: a.name, value: a.value ?? (type === 'checkbox' || type === 'radio' ? 'on' : ''), checked: 'checked' in a, id: a.id, attrs: a });
        }
      }
    }
    let action;
    try { action = new URL(fa.action ?? '', baseUrl).href; } catch { action = fa.action; }
    forms.push({ action, method: (fa.method ?? 'get').toUpperCase(), inputs, buttons, html: m[0], attrs: fa });
  }
  return forms;
}

/** The label text of every input with an id (<label for=...>), for checking the page's labels. */
export function labelsFor(html) {
  const out = {};
  const re = /<label\b[^>]*>([\s\S]*?)<\/label\s*>/gi;
  let m;
  while ((m = re.exec(html)) !== null) {
    const a = parseAttributes(m[0].slice(0, m[0].indexOf('>') + 1));
    const text = stripTags(m[1]);
    if (a.for) out[a.for] = text;
    // an input nested in its label
    const inner = /<input\b[^>]*>/i.exec(m[1]);
    if (inner) {
      const ia = parseAttributes(inner[0]);
      if (ia.id) out[ia.id] = text;
      if (ia.name && ia.type === 'checkbox') out[`${ia.name}=${ia.value ?? 'on'}`] = text;
    }
  }
  return out;
}

/** The login form of a page (inputs username and password), or undefined. */
export function loginForm(page) {
  return page.forms.find((f) => f.inputs.some((i) => i.name === 'password') && f.inputs.some((i) => i.name === 'username'));
}

/** The consent form of a page (decision buttons), or undefined. */
export function consentForm(page) {
  return page.forms.find((f) => f.buttons.some((b) => b.name === 'decision'));
}

/** The requested scopes a consent form offers, in page order. */
export function consentScopes(form) {
  return form.inputs.filter((i) => i.name === 'scope' && i.type === 'checkbox').map((i) => i.value);
}

function originOf(url) { return new URL(url).origin; }

export class UserAgent {
  constructor({ origin } = {}) {
    this.jar = new Map(); // origin -> Map(name -> { value, expires, attrs })
    this.defaultOrigin = origin;
    this.trace = []; // every request made: { method, url, status }
  }

  /** Cookies the agent holds for url's origin: { name: value }. */
  cookies(url = this.defaultOrigin) {
    const now = Date.now();
    const out = {};
    const m = this.jar.get(originOf(url));
    if (!m) return out;
    for (const [k, c] of m) {
      if (c.expires !== undefined && c.expires <= now) { m.delete(k); continue; }
      out[k] = c.value;
    }
    return out;
  }

  /** The raw Set-Cookie attributes seen last for a cookie (lower-cased names). */
  cookieAttributes(name, url = this.defaultOrigin) {
    return this.jar.get(originOf(url))?.get(name)?.attrs;
  }

  setCookie(url, name, value) {
    const o = originOf(url);
    if (!this.jar.has(o)) this.jar.set(o, new Map());
    this.jar.get(o).set(name, { value, expires: undefined, attrs: {} });
  }

  deleteCookie(url, name) { this.jar.get(originOf(url))?.delete(name); }

  /** Forgets every cookie (a new browser). */
  clear() { this.jar.clear(); }

  store(url, headers) {
    const list = typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [];
    const o = originOf(url);
    for (const sc of list) {
      const parts = sc.split(';').map((s) => s.trim());
      const eq = parts[0].indexOf('=');
      if (eq <= 0) continue;
      const name = parts[0].slice(0, eq).trim();
      const value = parts[0].slice(eq + 1).trim();
      const attrs = {};
      for (const p of parts.slice(1)) {
        const i = p.indexOf('=');
        const k = (i < 0 ? p : p.slice(0, i)).trim().toLowerCase();
        attrs[k] = i < 0 ? true : p.slice(i + 1).trim();
      }
      let expires;
      if (attrs['max-age'] !== undefined) expires = Date.now() + Number(attrs['max-age']) * 1000;
      else if (attrs.expires !== undefined) expires = Date.parse(attrs.expires);
      if (!this.jar.has(o)) this.jar.set(o, new Map());
      const m = this.jar.get(o);
      if (value === '' || (expires !== undefined && expires <= Date.now())) m.delete(name);
      else m.set(name, { value, expires, attrs });
    }
  }

  /** One request, no redirect followed. Resolves with a page:
   *  { url, status, headers, text, location (absolute or undefined), forms }. */
  async request(url, { method = 'GET', body, headers = {} } = {}) {
    const h = new Headers(headers);
    const jar = this.cookies(url);
    const cookie = Object.entries(jar).map(([k, v]) => `${k}=${v}`).join('; ');
    if (cookie && !h.has('cookie')) h.set('cookie', cookie);
    if (!h.has('user-agent')) h.set('user-agent', 'gatehouse-e2e-agent');
    let payload = body;
    if (body !== undefined && typeof body !== 'string' && !(body instanceof URLSearchParams)) {
      payload = new URLSearchParams(body);
    }
    if (payload !== undefined && !h.has('content-type')) h.set('content-type', 'application/x-www-form-urlencoded');
    const r = await fetch(url, { method, body: payload === undefined ? undefined : payload.toString(), headers: h, redirect: 'manual' });
    this.store(url, r.headers);
    const text = await r.text();
    const loc = r.headers.get('location');
    const page = {
      url,
      status: r.status,
      headers: r.headers,
      text,
      location: loc ? new URL(loc, url).href : undefined,
    };
    page.forms = /html/i.test(r.headers.get('content-type') ?? '') ? parseForms(text, url) : [];
    this.trace.push({ method, url, status: r.status });
    return page;
  }

  /**
   * Requests url and follows redirects (GET after 301/302/303, as browsers do) until a
   * response that is not a redirect, or a redirect to a URL for which stop(url) is true
   * (not fetched). Resolves with { page, stopped (URL or undefined), hops: [pages] }.
   */
  async follow(url, init = {}, { stop = () => false, max = 20 } = {}) {
    const hops = [];
    let page = await this.request(url, init);
    hops.push(page);
    for (let i = 0; i < max; i += 1) {
      if (!REDIRECTS.has(page.status) || !page.location) return { page, stopped: undefined, hops };
      if (stop(page.location)) return { page, stopped: new URL(page.location), hops };
      const keep = page.status === 307 || page.status === 308;
      page = await this.request(page.location, keep ? init : {});
      hops.push(page);
    }
    throw new Error(`more than ${max} redirects from ${url}`);
  }

  /**
   * Submits a form as a browser would. opts: values { name: value } for text/hidden/password
   * inputs (an override; a value of undefined drops the field), checked: function(input) ->
   * bool deciding each checkbox (default: as the page ticked it), button: { name, value }
   * (default: the form's first submit button), origin: the Origin header (default: the page's
   * origin, as a browser sends on a POST; null: none).
   */
  async submit(page, form, { values = {}, checked, button, origin, follow = true, stop } = {}) {
    const body = new URLSearchParams();
    const seen = new Set();
    for (const i of form.inputs) {
      if (!i.name) continue;
      if (i.type === 'checkbox' || i.type === 'radio') {
        const on = checked ? checked(i) : i.checked;
        if (on) body.append(i.name, i.value);
        continue;
      }
      if (i.name in values) {
        if (!seen.has(i.name) && values[i.name] !== undefined) body.append(i.name, values[i.name]);
        seen.add(i.name);
        continue;
      }
      body.append(i.name, i.value);
    }
    for (const [k, v] of Object.entries(values)) {
      if (!seen.has(k) && v !== undefined && !form.inputs.some((i) => i.name === k)) body.append(k, v);
    }
    let b = form.buttons[0];
    if (button) {
      b = form.buttons.find((x) => x.name === button.name && (button.value === undefined || x.value === button.value));
      if (!b) throw new Error(`no button ${button.name}=${button.value} in form ${form.html}`);
    }
    if (b && b.name) body.append(b.name, b.value);
    const headers = {};
    const o = origin === undefined ? originOf(page.url) : origin;
    if (o !== null) headers.origin = o;
    let action = form.action;
    let init;
    if (form.method === 'POST') {
      init = { method: 'POST', body: body.toString(), headers };
    } else {
      const u = new URL(action);
      for (const [k, v] of body) u.searchParams.append(k, v);
      action = u.href;
      init = { method: 'GET', headers };
    }
    if (!follow) return this.request(action, init);
    return this.follow(action, init, { stop });
  }
}

/** True if url is redirectUri with any query (the exact scheme, host, port and path). */
export function isRedirectTo(url, redirectUri) {
  try {
    const a = new URL(url);
    const b = new URL(redirectUri);
    return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
  } catch {
    return false;
  }
}

/**
 * Walks an authorization request through the built-in pages until the client's redirect URI:
 *   start: the /oauth2/auth URL; redirectUri: where to stop.
 *   user: { username, password } for the login page (required if it is shown).
 *   grant: the scopes to leave ticked on the consent page (default: as the page ticks them).
 *   decision: 'allow' | 'deny'; remember: tick (true) or untick (false) a "remember" checkbox
 *   on the consent page if there is one (undefined: leave it as the page has it).
 * Resolves with { params (URLSearchParams of the authorization response), via ('query' |
 * 'form_post'), shown: ['login', 'consent', ...], consentPage, loginPage, last (the last page) }.
 * A page that is none of these (an error page) ends the walk: params is undefined.
 */
export async function authorize(ua, start, { redirectUri, user, grant, decision = 'allow', remember, max = 8 } = {}) {
  const stop = (u) => isRedirectTo(u, redirectUri);
  const shown = [];
  const out = { shown };
  let r = await ua.follow(start, {}, { stop });
  for (let step = 0; step < max; step += 1) {
    if (r.stopped) {
      out.params = r.stopped.searchParams;
      out.via = 'query';
      out.redirect = r.stopped;
      out.last = r.page;
      return out;
    }
    const page = r.page;
    out.last = page;
    const fp = page.forms.find((f) => isRedirectTo(f.action, redirectUri));
    if (fp) {
      const p = new URLSearchParams();
      for (const i of fp.inputs) if (i.name) p.append(i.name, i.value);
      out.params = p;
      out.via = 'form_post';
      out.formPost = fp;
      return out;
    }
    const lf = loginForm(page);
    if (lf) {
      shown.push('login');
      out.loginPage = page;
      if (!user) return out;
      r = await ua.submit(page, lf, { values: { username: user.username, password: user.password }, stop });
      if (!r.stopped && loginForm(r.page)) {
        // still on the login page: a wrong password or throttling
        out.last = r.page;
        shown.push('login');
        return out;
      }
      continue;
    }
    const cf = consentForm(page);
    if (cf) {
      shown.push('consent');
      out.consentPage = page;
      out.offered = consentScopes(cf);
      const want = grant === undefined ? undefined : new Set(grant);
      r = await ua.submit(page, cf, {
        checked: (i) => {
          if (i.name === 'scope') return want === undefined ? i.checked : want.has(i.value);
          if (remember !== undefined && /remember/i.test(i.name)) return remember;
          return i.checked;
        },
        button: { name: 'decision', value: decision },
        stop,
      });
      continue;
    }
    return out; // an error page, or something unexpected: the caller asserts
  }
  throw new Error(`authorization did not finish in ${max} pages: ${JSON.stringify(shown)}`);
}
