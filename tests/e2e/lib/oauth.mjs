// Small helpers over oauth4webapi and fetch for the black-box tests: discovery, client
// credentials with each authentication method, introspection and revocation, raw form posts
// for the negative cases, and a raw TCP request for inputs fetch refuses to send.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import * as oauth from 'oauth4webapi';

/** Options every oauth4webapi request needs: the test server speaks plain HTTP on loopback. */
export const insecure = { [oauth.allowInsecureRequests]: true };

/** Authorization server metadata through oauth4webapi (validates issuer and shape). */
export async function discover(srv, algorithm = 'oauth2') {
  const issuer = new URL(srv.issuer);
  const resp = await oauth.discoveryRequest(issuer, { algorithm, ...insecure });
  return oauth.processDiscoveryResponse(issuer, resp);
}

/** RFC 6749 2.3.1: client id and secret are form-urlencoded, then joined and base64ed. */
export function basic(clientId, secret) {
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

/** An oauth4webapi ClientAuth for a client printed by the CLI or the registration endpoint. */
export function clientAuth(c) {
  switch (c.token_endpoint_auth_method ?? 'client_secret_basic') {
    case 'client_secret_post': return oauth.ClientSecretPost(c.client_secret);
    case 'none': return oauth.None();
    default: return oauth.ClientSecretBasic(c.client_secret);
  }
}

/** client_credentials through oauth4webapi; resolves with the parsed token response. */
export async function ccToken(as, c, params = {}, auth = clientAuth(c)) {
  const resp = await oauth.clientCredentialsGrantRequest(as, { client_id: c.client_id }, auth,
    new URLSearchParams(params), insecure);
  return oauth.processClientCredentialsResponse(as, { client_id: c.client_id }, resp);
}

/** Introspection through oauth4webapi, authenticated as client c. */
export async function introspect(as, c, token, auth = clientAuth(c)) {
  const resp = await oauth.introspectionRequest(as, { client_id: c.client_id }, auth, token, insecure);
  return oauth.processIntrospectionResponse(as, { client_id: c.client_id }, resp);
}

/** Revocation through oauth4webapi, authenticated as client c (resolves on 200). */
export async function revoke(as, c, token, auth = clientAuth(c)) {
  const resp = await oauth.revocationRequest(as, { client_id: c.client_id }, auth, token, insecure);
  return oauth.processRevocationResponse(resp);
}

/** Reads a fetch Response into { status, headers, text, json } (json undefined if not JSON). */
export async function readResponse(r) {
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, headers: r.headers, text, json };
}

/** POSTs an application/x-www-form-urlencoded body (a string is sent verbatim). */
export async function postForm(url, body, headers = {}) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof body === 'string' ? body : new URLSearchParams(body).toString(),
  });
  return readResponse(r);
}

/** Asserts an RFC 6749 5.2 error response: status, JSON content type and the error code. */
export function assertOAuthError(res, status, error) {
  assert.equal(res.status, status, `expected HTTP ${status} ${error}, got ${res.status}: ${res.text}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/i,
    `error response is not JSON: ${res.headers.get('content-type')}`);
  assert.ok(res.json && typeof res.json === 'object', `error body is not JSON: ${res.text}`);
  if (error !== undefined) assert.equal(res.json.error, error, `body: ${res.text}`);
  else assert.equal(typeof res.json.error, 'string', `body: ${res.text}`);
}

/** Sends raw bytes to host:port and reads one HTTP/1.1 response (the request should ask
 *  for Connection: close). Resolves with { status, headers (lower-case), body, raw } or
 *  { status: 0, raw } if the server closed without a response. */
export function rawRequest(port, bytes, { timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const chunks = [];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('raw request timed out')); }, timeoutMs);
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => { /* a reset after the response is fine; parsed below */ });
    sock.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      resolve(parseHttpResponse(raw));
    });
    sock.write(bytes, () => {
      // half-close so that a server waiting for more body sees the end
      // (only for requests that are complete; callers send Connection: close)
    });
  });
}

function parseHttpResponse(raw) {
  const s = raw.toString('latin1');
  const end = s.indexOf('\r\n\r\n');
  if (!s.startsWith('HTTP/1.') || end < 0) return { status: 0, headers: {}, body: '', raw: s };
  const lines = s.slice(0, end).split('\r\n');
  const status = Number.parseInt(lines[0].split(' ')[1], 10);
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = raw.subarray(Buffer.byteLength(s.slice(0, end + 4), 'latin1'));
  if ((headers['transfer-encoding'] ?? '').toLowerCase() === 'chunked') {
    const out = [];
    let rest = body;
    for (;;) {
      const t = rest.toString('latin1');
      const nl = t.indexOf('\r\n');
      if (nl < 0) break;
      const n = Number.parseInt(t.slice(0, nl), 16);
      if (!(n > 0)) break;
      out.push(rest.subarray(nl + 2, nl + 2 + n));
      rest = rest.subarray(nl + 2 + n + 2);
    }
    body = Buffer.concat(out);
  } else if (headers['content-length'] !== undefined) {
    body = body.subarray(0, Number.parseInt(headers['content-length'], 10));
  }
  const text = body.toString('utf8');
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status, headers, body: text, json, raw: s };
}

/** Decodes a JWT's header and payload without verifying (for assertions on shape only). */
export function decodeJwt(token) {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
  };
}

export { oauth };
