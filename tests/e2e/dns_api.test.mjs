// The demo platform API (examples/dns-api, gatehouse-dns-api, built next to the gatehouse
// binary; GATEHOUSE_DNS_API overrides) against a live gatehouse: REST routes and the MCP
// endpoint accept the tokens gatehouse issues for https://api.example.test, enforce dns:read,
// dns:write and logs:read with RFC 6750 challenges (RFC 9728 resource_metadata), serve the
// protected-resource metadata, and report every operation called with a checkable token, by
// REST or MCP tools/call, to the audit trail with its tool, arguments, outcome and model id.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ccToken, discover } from './lib/oauth.mjs';
import { startApi } from './lib/dnsapi.mjs';
import { RESOURCE, RESOURCE_CLIENT_ID, startServer } from './lib/server.mjs';

let srv;
let as;
let api; // { base, child, exited }
let reader; // client with dns:read logs:read (JWT tokens)
let opaqueReader;
let writer; // client with dns:write too
let readToken;

const READ = 'dns:read logs:read';

async function call(p, { method = 'GET', token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const r = await fetch(`${api.base}${p}`, { method, headers: h, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)) });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, headers: r.headers, text, json };
}

let rpcId = 0;
function mcp(method, params, { token = readToken, headers = {}, notification = false } = {}) {
  const msg = { jsonrpc: '2.0', method };
  if (params !== undefined) msg.params = params;
  if (!notification) { rpcId += 1; msg.id = rpcId; }
  return call('/mcp', { method: 'POST', token, body: msg, headers: { accept: 'application/json, text/event-stream', ...headers } });
}

const metadataUrl = () => `${api.base}/.well-known/oauth-protected-resource`;

before(async () => {
  srv = await startServer({ name: 'dns_api' });
  as = await discover(srv);
  const base = { grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_basic', access_token_strategy: 'jwt' };
  reader = await srv.createClient({ ...base, client_name: 'dns reader', scope: READ });
  opaqueReader = await srv.createClient({ ...base, client_name: 'dns opaque reader', scope: READ, access_token_strategy: 'opaque' });
  writer = await srv.createClient({ ...base, client_name: 'dns writer', scope: 'dns:read dns:write logs:read' });
  const rsClient = await srv.createClient({ ...base, client_id: RESOURCE_CLIENT_ID, client_name: 'Demo API', scope: 'dns:read' });
  api = await startApi(srv, rsClient);
  readToken = (await ccToken(as, reader, { scope: READ, resource: RESOURCE })).access_token;
});

after(async () => {
  if (api && !api.exited) {
    assert.deepEqual(await api.stop(), { code: 0, signal: null }, 'gatehouse-dns-api stops cleanly');
  }
  await srv?.dispose();
});

describe('dns-api REST', () => {
  test('protected-resource metadata (RFC 9728 2), without a token', async () => {
    const r = await call('/.well-known/oauth-protected-resource');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(r.json.resource, RESOURCE);
    assert.deepEqual(r.json.authorization_servers, [srv.issuer]);
    assert.deepEqual(r.json.scopes_supported, ['dns:read', 'dns:write', 'logs:read']);
    assert.deepEqual(r.json.bearer_methods_supported, ['header']);
  });

  test('no token: 401 with resource_metadata (RFC 9728 5.1), no error code (RFC 6750 3.1)', async () => {
    const r = await call('/zones/example.com/records');
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), `Bearer resource_metadata="${metadataUrl()}"`);
    const bad = await call('/logs', { token: 'not-a-token' });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate'), /^Bearer error="invalid_token", resource_metadata="/);
  });

  test('dns:read logs:read token: records and logs 200', async () => {
    let r = await call('/zones/example.com/records', { token: readToken });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.zone, 'example.com');
    assert.ok(r.json.records.length >= 3);
    assert.ok(r.json.records.some((x) => x.type === 'A' && x.value === '192.0.2.10'));
    r = await call('/logs?limit=2&action=deny', { token: readToken });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.logs.length, 2);
    assert.ok(r.json.logs.every((l) => l.action === 'deny'));
    r = await call('/zones/nope.example/records', { token: readToken });
    assert.equal(r.status, 404);
    assert.equal(r.json.error, 'not_found');
  });

  test('opaque token: introspected with the resource server client', async () => {
    const t = await ccToken(as, opaqueReader, { scope: READ, resource: RESOURCE });
    assert.ok(!t.access_token.includes('.'));
    const r = await call('/logs', { token: t.access_token });
    assert.equal(r.status, 200, r.text);
  });

  test('writes without dns:write: 403 insufficient_scope with scope="dns:write"', async () => {
    const expected = `Bearer error="insufficient_scope", scope="dns:write", resource_metadata="${metadataUrl()}"`;
    let r = await call('/zones/example.com/records', { method: 'POST', token: readToken, body: { name: 'x', type: 'A', value: '192.0.2.1' } });
    assert.equal(r.status, 403);
    assert.equal(r.headers.get('www-authenticate'), expected);
    assert.equal(r.json.error, 'insufficient_scope');
    r = await call('/zones/example.com/records/1', { method: 'PUT', token: readToken, body: { ttl: 60 } });
    assert.equal(r.status, 403);
    r = await call('/zones/example.com/records/1', { method: 'DELETE', token: readToken });
    assert.equal(r.status, 403);
    r = await call('/zones/example.com/records', { token: readToken });
    assert.ok(!r.json.records.some((x) => x.name === 'x'));
  });

  test('dns:write token: create, update, delete; bad input is a 4xx JSON error', async () => {
    const tok = (await ccToken(as, writer, { scope: 'dns:read dns:write', resource: RESOURCE })).access_token;
    let r = await call('/zones/example.org/records', { method: 'POST', token: tok, body: { name: 'api', type: 'A', value: '198.51.100.8', ttl: 120 } });
    assert.equal(r.status, 201, r.text);
    const id = r.json.id;
    assert.equal(r.json.ttl, 120);
    r = await call(`/zones/example.org/records/${id}`, { method: 'PUT', token: tok, body: { value: '198.51.100.9' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.value, '198.51.100.9');
    assert.equal(r.json.name, 'api');
    r = await call(`/zones/example.org/records/${id}`, { method: 'DELETE', token: tok });
    assert.equal(r.status, 200, r.text);
    r = await call(`/zones/example.org/records/${id}`, { method: 'DELETE', token: tok });
    assert.equal(r.status, 404);
    for (const body of ['{', '[]', { name: 'a b', type: 'A', value: '1' }, { name: 'a', type: 'SPF', value: '1' }, { name: 'a', type: 'A', value: '1', ttl: 5 }, { type: 'A', value: '1' }]) {
      r = await call('/zones/example.org/records', { method: 'POST', token: tok, body });
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error, 'invalid_request');
    }
    r = await call('/zones/example.org/records', { method: 'POST', token: tok, body: 'x'.repeat(70000) });
    assert.equal(r.status, 413);
    r = await call('/logs?limit=abc', { token: readToken });
    assert.equal(r.status, 400);
  });
});

describe('dns-api MCP', () => {
  test('no token: 401 with resource_metadata', async () => {
    const r = await mcp('initialize', {}, { token: null });
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), `Bearer resource_metadata="${metadataUrl()}"`);
  });

  test('initialize, notifications/initialized, tools/list', async () => {
    let r = await mcp('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'e2e', version: '1' } });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(r.json.jsonrpc, '2.0');
    assert.equal(r.json.id, rpcId);
    assert.equal(r.json.result.protocolVersion, '2025-06-18');
    assert.deepEqual(r.json.result.capabilities, { tools: {} });
    assert.equal(r.json.result.serverInfo.name, 'gatehouse-dns-api');
    r = await mcp('notifications/initialized', undefined, { notification: true });
    assert.equal(r.status, 202);
    r = await mcp('tools/list', {});
    assert.equal(r.status, 200, r.text);
    const names = r.json.result.tools.map((t) => t.name).sort();
    assert.deepEqual(names, ['create_record', 'delete_record', 'list_records', 'read_logs', 'update_record']);
    for (const t of r.json.result.tools) assert.equal(t.inputSchema.type, 'object');
    const create = r.json.result.tools.find((t) => t.name === 'create_record');
    assert.deepEqual(create.inputSchema.required, ['zone', 'name', 'type', 'value']);
    r = await mcp('no/such/method', {});
    assert.equal(r.json.error.code, -32601);
    r = await call('/mcp', { method: 'POST', token: readToken, body: '{"jsonrpc":' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, -32700);
  });

  test('tools/call list_records and read_logs: ok', async () => {
    let r = await mcp('tools/call', { name: 'list_records', arguments: { zone: 'example.com' }, _meta: { model_id: 'e2e-model-1' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.result.isError, false);
    assert.equal(r.json.result.structuredContent.zone, 'example.com');
    assert.deepEqual(JSON.parse(r.json.result.content[0].text), r.json.result.structuredContent);
    r = await mcp('tools/call', { name: 'read_logs', arguments: { limit: 1 } }, { headers: { 'x-model-id': 'e2e-model-2' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.result.structuredContent.logs.length, 1);
    r = await mcp('tools/call', { name: 'list_records', arguments: { zone: 'missing.example' } });
    assert.equal(r.status, 200);
    assert.equal(r.json.result.isError, true);
    r = await mcp('tools/call', { name: 'rm_rf', arguments: {} });
    assert.equal(r.json.error.code, -32602);
  });

  test('tools/call create_record without dns:write: 403 with the challenge', async () => {
    const r = await mcp('tools/call', { name: 'create_record', arguments: { zone: 'example.com', name: 'evil', type: 'A', value: '192.0.2.66' }, _meta: { model_id: 'e2e-model-1' } });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.headers.get('www-authenticate'), `Bearer error="insufficient_scope", scope="dns:write", resource_metadata="${metadataUrl()}"`);
    assert.equal(r.json.id, rpcId);
    assert.ok(r.json.error);
    const list = await call('/zones/example.com/records', { token: readToken });
    assert.ok(!list.json.records.some((x) => x.name === 'evil'));
  });

  test('malformed MCP messages: JSON-RPC errors, no crash', async () => {
    const bodies = ['[]', '[{"jsonrpc":"2.0","id":1,"method":"ping"}]', '"x"', '{"jsonrpc":"1.0","id":1,"method":"ping"}',
      '{"jsonrpc":"2.0","id":{},"method":"ping"}', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[]}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_records","arguments":"x"}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_records","arguments":{"zone":7}}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_logs","arguments":{"limit":100000}}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_records","arguments":{"zone":"a\\u0000b"}}}',
      '{"jsonrpc":"2.0","id":1,"method":7}', '{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}'];
    for (const body of bodies) {
      const r = await call('/mcp', { method: 'POST', token: readToken, body });
      assert.ok(r.status === 200 || r.status === 400, `${body}: ${r.status} ${r.text}`);
      assert.ok(r.json?.error || r.json?.result?.isError, `${body}: ${r.text}`);
    }
    const r = await mcp('ping', {});
    assert.deepEqual(r.json.result, {});
  });

  test('tool calls are in the audit trail with their model ids', async () => {
    const ex = await srv.cli(['audit', 'export', '--type', 'tool.called']);
    assert.equal(ex.code, 0, ex.stderr);
    const evs = ex.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.ok(evs.every((e) => e.type === 'tool.called'));
    const text = JSON.stringify(evs);
    const ok = evs.find((e) => e.data?.model_id === 'e2e-model-1' && JSON.stringify(e).includes('list_records'));
    assert.ok(ok, `no list_records call by e2e-model-1 in ${text}`);
    assert.ok(evs.some((e) => e.data?.model_id === 'e2e-model-2'), 'X-Model-Id used');
    assert.ok(evs.some((e) => e.data?.model_id === 'e2e-model-1' && JSON.stringify(e).includes('create_record')), 'refused call traced');
  });
});

describe('dns-api REST operations in the audit trail', () => {
  let writeToken;
  const toolCalls = async () => {
    const ex = await srv.cli(['audit', 'export', '--type', 'tool.called']);
    assert.equal(ex.code, 0, ex.stderr);
    return ex.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  };
  // the one event of model (each test uses its own X-Model-Id), checked against the caller
  const theEvent = async (model, token, client) => {
    const evs = (await toolCalls()).filter((e) => e.data?.model_id === model);
    assert.equal(evs.length, 1, `one event for ${model}: ${JSON.stringify(evs)}`);
    const [e] = evs;
    assert.equal(e.type, 'tool.called');
    assert.equal(e.client_id, client.client_id);
    assert.equal(e.subject, (await srv.adminIntrospect(token)).sub);
    assert.equal(e.data.audience, RESOURCE);
    return e;
  };
  const asModel = (model) => ({ 'x-model-id': model });

  before(async () => {
    writeToken = (await ccToken(as, writer, { scope: 'dns:read dns:write', resource: RESOURCE })).access_token;
  });

  test('GET records and GET logs: list_records and read_logs with MCP\'s arguments, ok, the response', async () => {
    let r = await call('/zones/example.com/records', { token: readToken, headers: asModel('rest-list') });
    assert.equal(r.status, 200, r.text);
    let e = await theEvent('rest-list', readToken, reader);
    assert.equal(e.data.tool, 'list_records');
    assert.deepEqual(e.data.arguments, { zone: 'example.com' });
    assert.equal(e.data.outcome, 'ok');
    assert.deepEqual(JSON.parse(e.data.response), r.json);

    r = await call('/logs?limit=2&action=deny', { token: readToken, headers: asModel('rest-logs') });
    assert.equal(r.status, 200, r.text);
    e = await theEvent('rest-logs', readToken, reader);
    assert.equal(e.data.tool, 'read_logs');
    assert.deepEqual(e.data.arguments, { limit: 2, action: 'deny' });
    assert.equal(e.data.outcome, 'ok');
    assert.deepEqual(JSON.parse(e.data.response), r.json);

    // the same operation over MCP carries the same arguments
    r = await mcp('tools/call', { name: 'read_logs', arguments: { limit: 2, action: 'deny' } }, { headers: asModel('mcp-logs') });
    assert.equal(r.status, 200, r.text);
    const m = await theEvent('mcp-logs', readToken, reader);
    assert.deepEqual([m.data.tool, m.data.arguments, m.data.outcome], [e.data.tool, e.data.arguments, e.data.outcome]);
  });

  test('POST, PUT, DELETE with a dns:write token: create_record, update_record, delete_record, ok', async () => {
    let r = await call('/zones/example.org/records', { method: 'POST', token: writeToken, body: { name: 'audited', type: 'A', value: '198.51.100.20', ttl: 300 }, headers: asModel('rest-create') });
    assert.equal(r.status, 201, r.text);
    const id = r.json.id;
    let e = await theEvent('rest-create', writeToken, writer);
    assert.equal(e.data.tool, 'create_record');
    assert.deepEqual(e.data.arguments, { zone: 'example.org', name: 'audited', type: 'A', value: '198.51.100.20', ttl: 300 });
    assert.equal(e.data.outcome, 'ok');
    assert.deepEqual(JSON.parse(e.data.response), r.json);

    // the path's zone and id are the arguments', whatever the body says
    r = await call(`/zones/example.org/records/${id}`, { method: 'PUT', token: writeToken, body: { value: '198.51.100.21', zone: 'example.com', id: 1 }, headers: asModel('rest-update') });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, id);
    e = await theEvent('rest-update', writeToken, writer);
    assert.equal(e.data.tool, 'update_record');
    assert.deepEqual(e.data.arguments, { zone: 'example.org', id, value: '198.51.100.21' });
    assert.equal(e.data.outcome, 'ok');
    assert.deepEqual(JSON.parse(e.data.response), r.json);

    r = await call(`/zones/example.org/records/${id}`, { method: 'DELETE', token: writeToken, headers: asModel('rest-delete') });
    assert.equal(r.status, 200, r.text);
    e = await theEvent('rest-delete', writeToken, writer);
    assert.equal(e.data.tool, 'delete_record');
    assert.deepEqual(e.data.arguments, { zone: 'example.org', id });
    assert.equal(e.data.outcome, 'ok');
    assert.deepEqual(JSON.parse(e.data.response), { deleted: id });
  });

  test('a write with a dns:read token: 403, reported denied with its arguments', async () => {
    const r = await call('/zones/example.com/records/1', { method: 'PUT', token: readToken, body: { value: '203.0.113.99' }, headers: asModel('rest-refused') });
    assert.equal(r.status, 403, r.text);
    const e = await theEvent('rest-refused', readToken, reader);
    assert.equal(e.data.tool, 'update_record');
    assert.deepEqual(e.data.arguments, { zone: 'example.com', id: 1, value: '203.0.113.99' });
    assert.equal(e.data.outcome, 'denied');
    assert.deepEqual(JSON.parse(e.data.response), r.json);
  });

  test('failed operations are reported as error: bad input, a body that is not JSON, a missing record', async () => {
    let r = await call('/zones/example.org/records', { method: 'POST', token: writeToken, body: { name: 'x', type: 'A', value: '1', ttl: 5 }, headers: asModel('rest-bad-ttl') });
    assert.equal(r.status, 400, r.text);
    let e = await theEvent('rest-bad-ttl', writeToken, writer);
    assert.equal(e.data.tool, 'create_record');
    assert.deepEqual(e.data.arguments, { zone: 'example.org', name: 'x', type: 'A', value: '1', ttl: 5 });
    assert.equal(e.data.outcome, 'error');
    assert.deepEqual(JSON.parse(e.data.response), r.json);

    r = await call('/zones/example.org/records', { method: 'POST', token: writeToken, body: '{', headers: asModel('rest-not-json') });
    assert.equal(r.status, 400, r.text);
    e = await theEvent('rest-not-json', writeToken, writer);
    assert.deepEqual([e.data.tool, e.data.arguments, e.data.outcome], ['create_record', { zone: 'example.org' }, 'error']);

    r = await call('/zones/example.org/records/999999', { method: 'DELETE', token: writeToken, headers: asModel('rest-missing') });
    assert.equal(r.status, 404, r.text);
    e = await theEvent('rest-missing', writeToken, writer);
    assert.deepEqual([e.data.tool, e.data.arguments, e.data.outcome], ['delete_record', { zone: 'example.org', id: 999999 }, 'error']);

    r = await call('/logs?limit=abc', { token: readToken, headers: asModel('rest-bad-limit') });
    assert.equal(r.status, 400, r.text);
    e = await theEvent('rest-bad-limit', readToken, reader);
    assert.deepEqual([e.data.tool, e.data.arguments, e.data.outcome], ['read_logs', { limit: 'abc' }, 'error']);
  });

  test('without X-Model-Id the model is "unknown"', async () => {
    const before = (await toolCalls()).filter((e) => e.data?.model_id === 'unknown' && e.data.tool === 'list_records' && e.data.arguments?.zone === 'example.org').length;
    const r = await call('/zones/example.org/records', { token: readToken });
    assert.equal(r.status, 200, r.text);
    const after = (await toolCalls()).filter((e) => e.data?.model_id === 'unknown' && e.data.tool === 'list_records' && e.data.arguments?.zone === 'example.org');
    assert.equal(after.length, before + 1);
    assert.equal(after.at(-1).client_id, reader.client_id);
  });

  test('no token, or a token that is not valid: 401 and no event', async () => {
    const n = (await toolCalls()).length;
    let r = await call('/zones/example.com/records', { headers: asModel('rest-no-token') });
    assert.equal(r.status, 401);
    r = await call('/zones/example.com/records', { method: 'POST', body: { name: 'n', type: 'A', value: '192.0.2.1' }, headers: asModel('rest-no-token') });
    assert.equal(r.status, 401);
    r = await call('/logs', { token: 'not-a-token', headers: asModel('rest-no-token') });
    assert.equal(r.status, 401);
    r = await call('/zones/example.com/records/1', { method: 'DELETE', token: `${writeToken}x`, headers: asModel('rest-no-token') });
    assert.equal(r.status, 401);
    const evs = await toolCalls();
    assert.equal(evs.length, n, 'no new tool.called event');
    assert.ok(!evs.some((e) => e.data?.model_id === 'rest-no-token'));
  });
});
