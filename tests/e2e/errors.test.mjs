// Errors at the token endpoint and hostile HTTP input: RFC 6749 5.2 JSON errors with the
// right status, 401 + WWW-Authenticate for failed Basic authentication, limits (413), and
// garbage that must get a 4xx JSON answer, never a 5xx, a crash or a hang.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { assertOAuthError, basic, ccToken, discover, postForm, rawRequest, readResponse } from './lib/oauth.mjs';
import { startServer } from './lib/server.mjs';

let srv;
let as;
let client;
let auth;
const BODY_LIMIT = 65536; // serve.body_limit in gatehouse.test.yaml

before(async () => {
  srv = await startServer({ name: 'errors' });
  as = await discover(srv);
  client = await srv.createClient({
    client_name: 'errors', grant_types: ['client_credentials'], response_types: [],
    scope: 'dns:read', token_endpoint_auth_method: 'client_secret_basic',
  });
  auth = basic(client.client_id, client.client_secret);
});
after(async () => { await srv?.dispose(); });

async function stillServing() {
  const t = await ccToken(as, client);
  assert.ok(t.access_token, 'server no longer issues tokens');
}

function assertJson4xx(res, what) {
  assert.ok(res.status >= 400 && res.status < 500, `${what}: HTTP ${res.status} (want 4xx): ${res.text ?? res.body}`);
  const json = res.json;
  assert.ok(json && typeof json.error === 'string', `${what}: not a JSON error: ${res.text ?? res.body}`);
}

describe('token endpoint errors', () => {
  test('missing grant_type -> 400 invalid_request', async () => {
    const r = await postForm(as.token_endpoint, { scope: 'dns:read' }, { authorization: auth });
    assertOAuthError(r, 400, 'invalid_request');
  });

  test('repeated parameter -> 400 invalid_request', async () => {
    // SPEC: RFC6749 3.2 - parameters MUST NOT be included more than once
    for (const body of [
      'grant_type=client_credentials&grant_type=client_credentials',
      'grant_type=client_credentials&scope=dns:read&scope=dns:read',
    ]) {
      const r = await postForm(as.token_endpoint, body, { authorization: auth });
      assertOAuthError(r, 400, 'invalid_request');
    }
  });

  test('unknown grant -> 400 unsupported_grant_type', async () => {
    for (const g of ['foo', 'password', 'implicit']) {
      const r = await postForm(as.token_endpoint, { grant_type: g }, { authorization: auth });
      assertOAuthError(r, 400, 'unsupported_grant_type');
    }
  });

  test('wrong secret with Basic -> 401 invalid_client + WWW-Authenticate: Basic', async () => {
    const r = await postForm(as.token_endpoint, { grant_type: 'client_credentials' },
      { authorization: basic(client.client_id, `${client.client_secret}x`) });
    assertOAuthError(r, 401, 'invalid_client');
    // SPEC: RFC6749 5.2 - 401 with WWW-Authenticate matching the scheme the client used
    assert.match(r.headers.get('www-authenticate') ?? '', /^Basic\b/i);
  });

  test('unknown client with Basic -> 401 invalid_client', async () => {
    const r = await postForm(as.token_endpoint, { grant_type: 'client_credentials' },
      { authorization: basic('no-such-client', 'whatever-secret') });
    assertOAuthError(r, 401, 'invalid_client');
    assert.match(r.headers.get('www-authenticate') ?? '', /^Basic\b/i);
  });

  test('wrong secret with client_secret_post -> 401 invalid_client', async () => {
    const post = await srv.createClient({
      client_name: 'errors post', grant_types: ['client_credentials'], response_types: [],
      scope: 'dns:read', token_endpoint_auth_method: 'client_secret_post',
    });
    const r = await postForm(as.token_endpoint, {
      grant_type: 'client_credentials', client_id: post.client_id, client_secret: 'nope-nope-nope',
    });
    assertOAuthError(r, 401, 'invalid_client');
  });

  test('malformed Basic headers -> 4xx JSON', async () => {
    for (const h of ['Basic', 'Basic !!!!', `Basic ${Buffer.from('no-colon').toString('base64')}`,
      `Basic ${Buffer.from('%ZZ:x').toString('base64')}`, 'Bearer abc', 'Basic    ']) {
      const r = await postForm(as.token_endpoint, { grant_type: 'client_credentials' }, { authorization: h });
      assertJson4xx(r, h);
    }
  });

  test('two client authentication methods at once -> 4xx', async () => {
    const r = await postForm(as.token_endpoint, {
      grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret,
    }, { authorization: auth });
    assertJson4xx(r, 'basic+post');
  });

  test('GET on the token endpoint -> 405', async () => {
    const r = await readResponse(await fetch(`${as.token_endpoint}?grant_type=client_credentials`, { headers: { authorization: auth } }));
    assert.equal(r.status, 405, r.text);
    assert.ok(r.json && typeof r.json.error === 'string', r.text);
  });

  test('success: Cache-Control no-store and X-Request-Id', async () => {
    const r = await postForm(as.token_endpoint, { grant_type: 'client_credentials' }, { authorization: auth });
    assert.equal(r.status, 200, r.text);
    // SPEC: RFC6749 5.1 - Cache-Control: no-store on responses with tokens
    assert.match(r.headers.get('cache-control') ?? '', /no-store/i);
    assert.ok((r.headers.get('x-request-id') ?? '').length > 0, 'X-Request-Id missing');
  });

  test('errors carry X-Request-Id', async () => {
    const r = await postForm(as.token_endpoint, { grant_type: 'nope' }, { authorization: auth });
    assertOAuthError(r, 400, 'unsupported_grant_type');
    assert.ok((r.headers.get('x-request-id') ?? '').length > 0, 'X-Request-Id missing on an error');
  });

  test('X-Request-Id differs between requests', async () => {
    const a = await fetch(`${srv.issuer}/.well-known/openid-configuration`);
    const b = await fetch(`${srv.issuer}/.well-known/openid-configuration`);
    await a.arrayBuffer(); await b.arrayBuffer();
    assert.ok(a.headers.get('x-request-id'));
    assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
  });
});

describe('hostile input', () => {
  test('body over the limit -> 413 JSON', async () => {
    const body = `grant_type=client_credentials&pad=${'a'.repeat(BODY_LIMIT + 100)}`;
    const r = await postForm(as.token_endpoint, body, { authorization: auth });
    assert.equal(r.status, 413, r.text.slice(0, 200));
    assert.ok(r.json && typeof r.json.error === 'string', `413 body is not a JSON error: ${r.text.slice(0, 200)}`);
    await stillServing();
  });

  test('chunked body over the limit -> 413 JSON', async () => {
    const chunk = `${'a'.repeat(8192)}`;
    const head = `POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\n`
      + 'Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n';
    let req = `${head}${(14).toString(16)}\r\npad=aaaaaaaaaa\r\n`;
    for (let i = 0; i < Math.ceil((BODY_LIMIT * 2) / chunk.length); i += 1) req += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    req += '0\r\n\r\n';
    const r = await rawRequest(srv.publicPort, req);
    assert.equal(r.status, 413, r.raw.slice(0, 300));
    assert.ok(r.json && typeof r.json.error === 'string', `413 body is not a JSON error: ${r.body.slice(0, 200)}`);
    await stillServing();
  });

  test('garbage bodies -> 4xx JSON', async () => {
    const bodies = [
      randomBytes(2000),
      Buffer.from('\x00\x01\x02grant_type=client_credentials'),
      Buffer.from('=&=&&&==='),
      Buffer.from('grant_type'),
      Buffer.from(`grant_type=client_credentials&${'x=1&'.repeat(1000)}`),
      Buffer.from('grant_type=client_credentials&scope=\xff\xfe'),
      Buffer.from(`grant_type=client_credentials&scope=${'%F0%28%8C%BC'}`),
      Buffer.from(`${'&'.repeat(5000)}`),
    ];
    for (const b of bodies) {
      const r = await readResponse(await fetch(as.token_endpoint, {
        method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: b,
      }));
      assertJson4xx(r, `garbage ${b.subarray(0, 24).toString('hex')}`);
    }
    await stillServing();
  });

  test('invalid percent-encoding -> 400 JSON', async () => {
    for (const body of ['grant_type=client_credentials&scope=%ZZ', 'grant_type=client%2', 'grant_type=client_credentials%', 'grant%_type=client_credentials']) {
      const r = await postForm(as.token_endpoint, body, { authorization: auth });
      assertJson4xx(r, body);
      assert.equal(r.status, 400, body);
    }
  });

  test('bad Content-Type -> 4xx JSON', async () => {
    for (const ct of ['application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencodedx', '']) {
      const headers = { authorization: auth };
      if (ct) headers['content-type'] = ct;
      const r = await readResponse(await fetch(as.token_endpoint, {
        method: 'POST', headers, body: ct === 'application/json' ? '{"grant_type":"client_credentials"}' : 'grant_type=client_credentials',
      }));
      assertJson4xx(r, `content-type ${JSON.stringify(ct)}`);
    }
    await stillServing();
  });

  test('Content-Type with charset parameter is accepted', async () => {
    const r = await postForm(as.token_endpoint, 'grant_type=client_credentials',
      { authorization: auth, 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' });
    assert.equal(r.status, 200, r.text);
  });

  test('huge header -> 431, and the server still answers', async () => {
    const req = `POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nX-Big: ${'b'.repeat(256 * 1024)}\r\n`
      + 'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\nConnection: close\r\n\r\ngrant_type=client_credentials';
    const r = await rawRequest(srv.publicPort, req);
    // A header block past the connection's memory limit is refused by the HTTP library itself,
    // before any handler runs, with 431 (RFC 6585 5) and its own short body.
    assert.equal(r.status, 431, `HTTP ${r.status}: ${r.raw.slice(0, 300)}`);
    await stillServing();
  });

  test('many headers -> 431', async () => {
    let req = 'GET /.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\n';
    for (let i = 0; i < 5000; i += 1) req += `X-H${i}: ${i}\r\n`;
    req += 'Connection: close\r\n\r\n';
    const r = await rawRequest(srv.publicPort, req);
    // A header block past the connection's memory limit is refused by the HTTP library itself,
    // before any handler runs, with 431 (RFC 6585 5) and its own short body.
    assert.equal(r.status, 431, `HTTP ${r.status}: ${r.raw.slice(0, 300)}`);
    await stillServing();
  });

  test('very long URL -> 4xx', async () => {
    const r = await rawRequest(srv.publicPort, `GET /oauth2/token?${'q'.repeat(200 * 1024)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.ok(r.status >= 400 && r.status < 500, `HTTP ${r.status}: ${r.raw.slice(0, 300)}`);
    await stillServing();
  });

  test('malformed request lines never get a 5xx', async () => {
    const reqs = [
      'GARBAGE\r\n\r\n',
      'POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\nConnection: close\r\n\r\n',
      'POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999999999999999\r\nConnection: close\r\n\r\n',
      'POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 6\r\nConnection: close\r\n\r\nabcdef',
      'POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
      'GET /%00%ff/../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      'GET /.well-known/openid-configuration HTTP/9.9\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      'BREW /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    ];
    for (const q of reqs) {
      const r = await rawRequest(srv.publicPort, q);
      assert.ok(r.status === 0 || (r.status >= 400 && r.status < 500) || r.status === 505,
        `${JSON.stringify(q.slice(0, 60))}: HTTP ${r.status}: ${r.raw.slice(0, 200)}`);
    }
    await stillServing();
  });

  test('JSON endpoints: malformed JSON -> 400 JSON', async () => {
    for (const body of ['{', '[]', '{"a":1,"a":2}', '{"redirect_uris":"x"}', `${'['.repeat(5000)}`, '{"client_name":"\\u0000"}', '\xff\xfe']) {
      const r = await readResponse(await fetch(as.registration_endpoint, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body,
      }));
      assertJson4xx(r, `register ${JSON.stringify(body.slice(0, 20))}`);
    }
    await stillServing();
  });

  test('a client that sends half a body and stops does not hang the server', async () => {
    const { connect } = await import('node:net');
    const s = connect(srv.publicPort, '127.0.0.1');
    await new Promise((r) => s.on('connect', r));
    s.write(`POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type=`);
    try {
      // other clients are served meanwhile
      await stillServing();
      await stillServing();
    } finally {
      s.destroy();
    }
  });
});
