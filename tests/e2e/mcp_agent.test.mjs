// The AI-agent story end to end, driven by the official MCP TypeScript SDK client
// (@modelcontextprotocol/sdk: Client, StreamableHTTPClientTransport and its OAuth machinery,
// with a plain in-memory OAuthClientProvider and no validateResourceURL, so the SDK's own
// RFC 9728 resource check applies) against the demo platform API (examples/dns-api) and a
// live gatehouse whose resource server is the API's own origin:
//   1. the agent connects without a token: the API's 401 names its protected-resource
//      metadata (RFC 9728 5.1); the SDK reads it and gatehouse's authorization-server metadata
//      (RFC 8414), registers itself (RFC 7591) and builds an authorization URL with PKCE S256
//      (RFC 7636) and the resource indicator (RFC 8707);
//   2. a user logs in on the built-in pages and consents to dns:read logs:read only (dns:write
//      unticked); the code comes back to the agent's loopback listener (RFC 8252 7.3) and is
//      exchanged;
//   3. the agent lists its tools, lists records and reads logs, each call with a model id;
//   4. changing a record is refused (403 insufficient_scope): the SDK, holding no refresh
//      token, starts a step-up authorization for dns:write, which the user denies; a second
//      try is refused again, and nothing changed;
//   5. every tools/call, and the REST read, is in the audit trail with its model id, tool,
//      outcome, user and client, and `gatehouse audit why` walks the refused call back to the
//      token, the consent (asked and given, catalog version) and the registered client;
//   6. the agent's token is audience-bound to the API and carries exactly the granted scopes.
// Then examples/mcp-agent/agent.mjs, the agent of the README's walkthrough, runs the same
// story as a program, a user agent on the built-in pages standing in for the browser.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { authorize, consentForm, labelsFor, UserAgent } from './lib/agent.mjs';
import { configForResource, startApi } from './lib/dnsapi.mjs';
import { E2E_DIR, freePort, RESOURCE_CLIENT_ID, startServer } from './lib/server.mjs';

const PASSWORD = 'correct horse battery staple';
const ALL = ['dns:read', 'dns:write', 'logs:read'];
const GRANTED = ['dns:read', 'logs:read'];
const MODEL = `test-model-${randomBytes(4).toString('hex')}`;

let srv;
let api; // { base, port, stop() }
let resource; // http://127.0.0.1:PORT, the API's own origin
let user;
let callback; // the agent's loopback redirect listener
let provider;
const sdkFetches = []; // every request the SDK made: { method, url, status }

/** The agent's redirect URI listener (RFC 8252 7.3): resolves next() with the query it receives. */
async function loopbackListener() {
  const waiting = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('You may close this window.\n');
    waiting.shift()?.(url.searchParams);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${server.address().port}/callback`,
    next: () => new Promise((resolve) => waiting.push(resolve)),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A real in-memory OAuthClientProvider, as an agent keeps its registration and tokens. */
class MemoryProvider {
  constructor(redirectUri) {
    this.redirectUri = redirectUri;
    this.client = undefined;
    this.saved = undefined;
    this.verifier = undefined;
    this.states = [];
    this.authorizations = []; // URLs handed to redirectToAuthorization
    this.registrations = 0;
  }

  get redirectUrl() { return this.redirectUri; }

  get clientMetadata() {
    return {
      client_name: 'DNS agent (e2e)',
      redirect_uris: [this.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  state() {
    const s = randomBytes(16).toString('base64url');
    this.states.push(s);
    return s;
  }

  clientInformation() { return this.client; }

  saveClientInformation(info) {
    this.registrations += 1;
    this.client = info;
  }

  tokens() { return this.saved; }

  saveTokens(tokens) { this.saved = tokens; }

  redirectToAuthorization(url) { this.authorizations.push(new URL(url.href)); }

  saveCodeVerifier(v) { this.verifier = v; }

  codeVerifier() {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }
}

function recordingFetch(url, init) {
  return fetch(url, init).then((r) => {
    sdkFetches.push({ method: init?.method ?? 'GET', url: String(url), status: r.status });
    return r;
  });
}

function newTransport() {
  return new StreamableHTTPClientTransport(new URL(`${api.base}/mcp`), { authProvider: provider, fetch: recordingFetch });
}

function newClient() {
  return new Client({ name: 'dns-agent-e2e', version: '1.0.0' });
}

const sortWords = (s) => String(s).split(' ').filter(Boolean).sort();

before(async () => {
  const apiPort = await freePort();
  resource = `http://127.0.0.1:${apiPort}`;
  srv = await startServer({ name: 'mcp_agent', config: configForResource(resource) });
  const rsClient = await srv.createClient({
    client_id: RESOURCE_CLIENT_ID, client_name: 'Demo API', scope: 'dns:read',
    grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_basic',
  });
  api = await startApi(srv, rsClient, { resource, port: apiPort });
  user = await srv.createUser('alice', PASSWORD, { name: 'Alice Agent-Owner' });
  callback = await loopbackListener();
  provider = new MemoryProvider(callback.uri);
});

after(async () => {
  await callback?.close();
  if (api && !api.exited) assert.deepEqual(await api.stop(), { code: 0, signal: null });
  await srv?.dispose();
});

describe('an MCP agent (the MCP SDK client) through gatehouse', () => {
  let transport;
  let client;
  let as; // gatehouse's authorization-server metadata
  const ua = new UserAgent();
  let consent; // the authorize() result of the first consent
  const calls = []; // { tool, outcome } in order

  test('1. no token: 401, discovery, dynamic registration, an authorization URL with PKCE and resource', async () => {
    as = await (await srv.fetch('/.well-known/oauth-authorization-server')).json();
    transport = newTransport();
    client = newClient();
    await assert.rejects(client.connect(transport), UnauthorizedError);

    // the SDK's requests, in order: the MCP POST answered 401, the RFC 9728 metadata named by
    // resource_metadata, the RFC 8414 metadata of the server it lists, the registration
    const seen = sdkFetches.map((f) => `${f.method} ${f.url} ${f.status}`);
    assert.deepEqual(seen, [
      `POST ${api.base}/mcp 401`,
      `GET ${api.base}/.well-known/oauth-protected-resource 200`,
      `GET ${srv.issuer}/.well-known/oauth-authorization-server 200`,
      `POST ${as.registration_endpoint} 201`,
    ]);

    // registered once (RFC 7591), and gatehouse really has the client
    assert.equal(provider.registrations, 1);
    const id = provider.client.client_id;
    assert.equal(typeof id, 'string');
    assert.equal(provider.client.client_secret, undefined, 'a public client gets no secret');
    const got = await srv.cli(['clients', 'get', id]);
    assert.equal(got.code, 0, got.stderr);
    const stored = JSON.parse(got.stdout);
    assert.equal(stored.client_id, id);
    assert.equal(stored.client_name, 'DNS agent (e2e)');
    assert.equal(stored.token_endpoint_auth_method, 'none');
    assert.deepEqual(stored.redirect_uris, [callback.uri]);
    assert.deepEqual([...stored.grant_types].sort(), ['authorization_code', 'refresh_token']);
    assert.deepEqual(sortWords(stored.scope), ALL, 'the SDK registers with the metadata scopes');

    // the authorization URL handed to the user
    assert.equal(provider.authorizations.length, 1);
    const u = provider.authorizations[0];
    assert.equal(`${u.origin}${u.pathname}`, as.authorization_endpoint);
    const q = u.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), id);
    assert.equal(q.get('redirect_uri'), callback.uri);
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.equal(q.get('code_challenge'), createHash('sha256').update(provider.verifier).digest('base64url'));
    assert.equal(q.get('resource'), resource, 'RFC 8707: the API, as its metadata names it');
    assert.deepEqual(sortWords(q.get('scope')), ALL, 'the scopes of the metadata scopes_supported');
    assert.equal(q.get('state'), provider.states[0]);
    assert.equal(provider.saved, undefined, 'no token yet');
  });

  test('2. the user logs in and consents to dns:read logs:read only; the code reaches the agent', async () => {
    const arrival = callback.next();
    consent = await authorize(ua, provider.authorizations[0].href, { redirectUri: callback.uri, user, grant: GRANTED });
    assert.deepEqual(consent.shown, ['login', 'consent']);
    assert.deepEqual([...consent.offered].sort(), ALL);
    // the consent page describes each scope with its catalog description
    const labels = labelsFor(consent.consentPage.text);
    const form = consentForm(consent.consentPage);
    const described = {};
    for (const i of form.inputs.filter((x) => x.name === 'scope')) described[i.value] = labels[i.id] ?? labels[`scope=${i.value}`];
    assert.match(described['dns:read'], /Read DNS records/);
    assert.match(described['dns:write'], /Create, change and delete DNS records/);
    assert.match(described['logs:read'], /Read firewall logs/);
    assert.ok(consent.consentPage.text.includes('DNS agent (e2e)'), 'the page names the agent');

    // the browser delivers the redirect to the agent's loopback listener
    assert.ok(consent.redirect, 'redirected to the agent');
    await ua.request(consent.redirect.href);
    const params = await arrival;
    assert.equal(params.get('error'), null);
    assert.equal(params.get('state'), provider.states[0]);
    assert.equal(params.get('iss'), srv.issuer);
    const code = params.get('code');
    assert.ok(code);

    await transport.finishAuth(code);
    assert.equal(provider.saved.token_type.toLowerCase(), 'bearer');
    assert.deepEqual(sortWords(provider.saved.scope), GRANTED);
    assert.equal(provider.saved.refresh_token, undefined, 'no offline_access asked, no refresh token');

    // connect again, with a new transport: no 401 this time
    const before = sdkFetches.length;
    transport = newTransport();
    client = newClient();
    await client.connect(transport);
    assert.equal(client.getServerVersion().name, 'gatehouse-dns-api');
    assert.ok(sdkFetches.slice(before).every((f) => f.status !== 401 && f.url.startsWith(api.base)), JSON.stringify(sdkFetches.slice(before)));
  });

  test('3. tools/list, list_records and read_logs, each with its model id', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['create_record', 'delete_record', 'list_records', 'read_logs', 'update_record']);

    const rec = await client.callTool({ name: 'list_records', arguments: { zone: 'example.com' }, _meta: { model_id: MODEL } });
    calls.push({ tool: 'list_records', outcome: 'ok' });
    assert.equal(rec.isError, false);
    assert.equal(rec.structuredContent.zone, 'example.com');
    const apex = rec.structuredContent.records.find((r) => r.name === '@' && r.type === 'A');
    assert.equal(apex.value, '192.0.2.10');
    assert.ok(rec.structuredContent.records.some((r) => r.name === 'mail' && r.value === '192.0.2.25'));
    assert.deepEqual(JSON.parse(rec.content[0].text), rec.structuredContent);

    const logs = await client.callTool({ name: 'read_logs', arguments: { limit: 5 }, _meta: { model_id: MODEL } });
    calls.push({ tool: 'read_logs', outcome: 'ok' });
    assert.equal(logs.isError, false);
    const lines = logs.structuredContent.logs;
    assert.equal(lines.length, 5);
    assert.ok(lines.some((l) => l.action === 'deny' && l.src === '198.51.100.66' && l.port === 3389));
    assert.ok(lines.some((l) => l.action === 'allow' && l.proto === 'udp' && l.port === 53));
  });

  test('4. update_record and create_record are refused (insufficient_scope); the step-up is denied', async () => {
    const held = provider.saved.access_token;
    const before = sdkFetches.length;
    // The API answers 403 with error="insufficient_scope", scope="dns:write". The SDK tries to
    // up-scope: holding no refresh token it starts a new authorization for dns:write (same
    // registration, PKCE, resource) and hands it to redirectToAuthorization, then gives up the
    // call with UnauthorizedError.
    await assert.rejects(
      client.callTool({ name: 'update_record', arguments: { zone: 'example.com', id: 1, value: '203.0.113.66' }, _meta: { model_id: MODEL } }),
      UnauthorizedError,
    );
    calls.push({ tool: 'update_record', outcome: 'denied' });
    assert.deepEqual(sdkFetches.slice(before).map((f) => `${f.method} ${f.url} ${f.status}`), [
      `POST ${api.base}/mcp 403`,
      `GET ${api.base}/.well-known/oauth-protected-resource 200`,
      `GET ${srv.issuer}/.well-known/oauth-authorization-server 200`,
    ]);
    assert.equal(provider.registrations, 1, 'no second registration');
    assert.equal(provider.authorizations.length, 2);
    const step = provider.authorizations[1].searchParams;
    assert.equal(step.get('scope'), 'dns:write', 'the scope of the challenge');
    assert.equal(step.get('resource'), resource);
    assert.equal(step.get('client_id'), provider.client.client_id);
    assert.equal(step.get('code_challenge_method'), 'S256');
    assert.equal(step.get('code_challenge'), createHash('sha256').update(provider.verifier).digest('base64url'));
    assert.equal(provider.saved.access_token, held, 'the agent keeps its token');

    // the user, still logged in, is asked for dns:write alone and denies it
    const arrival = callback.next();
    const denied = await authorize(ua, provider.authorizations[1].href, { redirectUri: callback.uri, decision: 'deny' });
    assert.deepEqual(denied.shown, ['consent'], 'the session skips the login');
    assert.deepEqual(denied.offered, ['dns:write']);
    assert.ok(denied.redirect, 'redirected to the agent');
    await ua.request(denied.redirect.href);
    const params = await arrival;
    assert.equal(params.get('error'), 'access_denied');
    assert.equal(params.get('code'), null);
    assert.equal(params.get('state'), provider.states[1]);
    assert.equal(params.get('iss'), srv.issuer);

    // the next write meets the same challenge: the SDK does not up-scope twice for one
    // challenge and gives up with the 403
    await assert.rejects(
      client.callTool({ name: 'create_record', arguments: { zone: 'example.com', name: 'agent', type: 'A', value: '203.0.113.67' }, _meta: { model_id: MODEL } }),
      (e) => e instanceof StreamableHTTPError && e.code === 403 && /after trying upscoping/.test(e.message),
    );
    calls.push({ tool: 'create_record', outcome: 'denied' });
    assert.equal(provider.authorizations.length, 2, 'no third authorization');

    // nothing changed: the records as the agent and the REST API see them
    const rec = await client.callTool({ name: 'list_records', arguments: { zone: 'example.com' }, _meta: { model_id: MODEL } });
    calls.push({ tool: 'list_records', outcome: 'ok' });
    const one = rec.structuredContent.records.find((r) => r.id === 1);
    assert.deepEqual(one, { id: 1, name: '@', type: 'A', value: '192.0.2.10', ttl: 3600 });
    assert.ok(!rec.structuredContent.records.some((r) => r.name === 'agent'));
    // the REST read is an operation with the agent's token too: it is in the audit trail
    const rest = await fetch(`${api.base}/zones/example.com/records`, { headers: { authorization: `Bearer ${held}`, 'x-model-id': MODEL } });
    assert.equal(rest.status, 200);
    calls.push({ tool: 'list_records', outcome: 'ok' });
    assert.deepEqual((await rest.json()).records, rec.structuredContent.records);
  });

  test('5. every tools/call and REST call is in the audit trail; audit why walks the refused one back to the consent', async () => {
    const agentId = provider.client.client_id;
    const sub = (await srv.adminIntrospect(provider.saved.access_token)).sub;
    const who = await srv.cli(['users', 'get', 'alice']);
    assert.equal(who.code, 0, who.stderr);
    assert.equal(JSON.parse(who.stdout).id, sub, 'the token is the user\'s');

    const ex = await srv.cli(['audit', 'export', '--type', 'tool.called', '--client', agentId]);
    assert.equal(ex.code, 0, ex.stderr);
    const evs = ex.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(evs.map((e) => ({ tool: e.data.tool, outcome: e.data.outcome })), calls, 'each call once, in order');
    for (const e of evs) {
      assert.equal(e.type, 'tool.called');
      assert.equal(e.data.model_id, MODEL);
      assert.equal(e.subject, sub);
      assert.equal(e.client_id, agentId);
      assert.equal(e.actor, `client:${agentId}`);
      assert.equal(e.scope, 'dns:read logs:read');
      assert.equal(e.data.audience, resource);
    }
    const refused = evs.find((e) => e.data.tool === 'update_record');
    assert.deepEqual(refused.data.arguments, { zone: 'example.com', id: 1, value: '203.0.113.66' });

    const w = await srv.cli(['audit', 'why', String(refused.seq), '--json']);
    assert.equal(w.code, 0, w.stderr);
    const why = JSON.parse(w.stdout);
    assert.equal(why.action.seq, refused.seq);
    assert.equal(why.action.tool, 'update_record');
    assert.equal(why.action.model_id, MODEL);
    assert.equal(why.action.outcome, 'denied');
    assert.equal(why.token.id, refused.token_id);
    assert.deepEqual([...why.token.scope].sort(), GRANTED);
    assert.deepEqual(why.token.audience, [resource]);
    assert.equal(why.token.grant_type, 'authorization_code');
    assert.equal(why.token.issued_by.type, 'code.exchanged');
    assert.equal(why.subject, sub);
    assert.equal(why.consent.type, 'consent.granted');
    assert.deepEqual([...why.consent.requested].sort(), ALL);
    assert.deepEqual([...why.consent.granted].sort(), GRANTED);
    assert.deepEqual(why.consent.audience, [resource]);
    assert.equal(typeof why.consent.catalog_version, 'number');
    assert.equal(why.consent.catalog_version, refused.data.catalog_version);
    assert.match(why.consent.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(why.consent.seq < why.token.issued_by.seq && why.token.issued_by.seq < refused.seq);
    assert.equal(why.login.type, 'login.accepted');
    assert.equal(why.client.client_id, agentId);
    assert.equal(why.client.client_name, 'DNS agent (e2e)');
    assert.equal(why.client.created.type, 'client.created');
    assert.equal(why.client.created.actor, `client:${agentId}`, 'registered by itself (RFC 7591)');

    // the consent events: given for the narrowed scopes, then the step-up shown and denied
    const trail = async (type) => {
      const r = await srv.cli(['audit', 'export', '--type', type, '--client', agentId]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    };
    const granted = await trail('consent.granted');
    assert.equal(granted.length, 1);
    assert.equal(granted[0].seq, why.consent.seq);
    assert.equal(granted[0].subject, sub);
    assert.deepEqual([...granted[0].data.requested].sort(), ALL);
    assert.deepEqual([...granted[0].data.granted].sort(), GRANTED);
    const shown = await trail('consent.shown');
    assert.deepEqual(shown.map((e) => sortWords(e.scope)), [ALL, ['dns:write']]);
    const deniedEv = await trail('consent.denied');
    assert.equal(deniedEv.length, 1);
    assert.equal(deniedEv[0].subject, sub);
    assert.equal(deniedEv[0].data.error, 'access_denied');
    assert.ok(deniedEv[0].seq > refused.seq);
  });

  test('6. the agent\'s token is audience-bound to the API with exactly the granted scopes', async () => {
    const t = await srv.adminIntrospect(provider.saved.access_token);
    assert.equal(t.active, true);
    assert.equal(t.aud, resource);
    assert.equal(t.scope, 'dns:read logs:read');
    assert.equal(t.client_id, provider.client.client_id);
    assert.equal(t.iss, srv.issuer);
    await client.close();
  });
});

describe('examples/mcp-agent/agent.mjs, the walkthrough\'s agent', () => {
  test('prints the authorization URL, gets the code on its loopback URI, reads, and is refused the update', { timeout: 15000 }, async (t) => {
    const model = `walkthrough-${randomBytes(4).toString('hex')}`;
    const agentDir = path.resolve(E2E_DIR, '../../examples/mcp-agent');
    const child = spawn(process.execPath, [path.join(agentDir, 'agent.mjs'), `${api.base}/mcp`], {
      cwd: agentDir, env: { PATH: process.env.PATH, MODEL_ID: model }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const printed = new Promise((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (d) => {
        out += d;
        const m = /^ {2}(http:\/\/\S+\/oauth2\/auth\?\S+)$/m.exec(out);
        if (m) resolve(new URL(m[1]));
      });
      exited.then((e) => reject(new Error(`agent exited ${JSON.stringify(e)} before printing a URL: ${out}${err}`)));
    });
    const start = await printed;
    assert.equal(start.searchParams.get('resource'), resource);
    const browser = new UserAgent();
    const r = await authorize(browser, start.href, { redirectUri: start.searchParams.get('redirect_uri'), user, grant: GRANTED });
    assert.deepEqual(r.shown, ['login', 'consent']);
    assert.ok(r.redirect, 'redirected to the agent');
    const landed = await browser.request(r.redirect.href);
    assert.equal(landed.status, 200);
    assert.deepEqual(await exited, { code: 0, signal: null }, `${out}${err}`);

    assert.match(out, /^the API answered 401 Bearer resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource"$/m);
    assert.match(out, /^registered with gatehouse as client \S+$/m);
    assert.match(out, /^token received, scope "dns:read logs:read"$/m);
    assert.match(out, /^tools: list_records, create_record, update_record, delete_record, read_logs$/m);
    assert.match(out, /^ {2}1 {2}@ {6}A {5}192\.0\.2\.10 {2}\(ttl 3600\)$/m);
    assert.match(out, /^ {2}2026-01-05T09:15:02Z {2}deny {2}198\.51\.100\.66 -> 192\.0\.2\.10:3389\/tcp$/m);
    assert.match(out, /^the API answered 403 Bearer error="insufficient_scope", scope="dns:write", resource_metadata="/m);
    assert.match(out, /^authorization needed \(scope "dns:write"\)/m);
    assert.match(out, /^refused \(UnauthorizedError\): the token holds "dns:read logs:read", the API wants dns:write$/m);
    assert.equal(err, '');

    const ex = await srv.cli(['audit', 'export', '--type', 'tool.called']);
    assert.equal(ex.code, 0, ex.stderr);
    const mine = ex.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.data.model_id === model);
    assert.deepEqual(mine.map((e) => [e.data.tool, e.data.outcome]), [['list_records', 'ok'], ['read_logs', 'ok'], ['update_record', 'denied']]);
  });
});
