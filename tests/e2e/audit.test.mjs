// The audit trail end to end: tool-call reports (POST /oauth2/audit/events) by the token
// itself and by the resource server of its audience, the admin query with filters and paging,
// `gatehouse audit checkpoint|verify|tail|export`, and verify naming the first event of an
// export that was edited (offline, with the server's JWKS).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { basic, ccToken, discover, readResponse } from './lib/oauth.mjs';
import { RESOURCE, RESOURCE_CLIENT_ID, startServer } from './lib/server.mjs';

let srv;
let as;
let agent;
let rs;
let token;

before(async () => {
  srv = await startServer({ name: 'audit' });
  as = await discover(srv);
  agent = await srv.createClient({ grant_types: ['client_credentials'], response_types: [], scope: 'dns:read logs:read', token_endpoint_auth_method: 'client_secret_basic', access_token_strategy: 'jwt' });
  rs = await srv.createClient({ client_id: RESOURCE_CLIENT_ID, grant_types: ['client_credentials'], response_types: [], scope: 'dns:read', token_endpoint_auth_method: 'client_secret_basic' });
  token = (await ccToken(as, agent, { scope: 'dns:read', resource: RESOURCE })).access_token;
});
after(async () => { await srv?.dispose(); });

function report(body, authorization) {
  return srv.fetch('/oauth2/audit/events', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }).then(readResponse);
}

async function events(query) {
  const r = await readResponse(await srv.adminFetch(`/admin/audit/events?${query}`));
  assert.equal(r.status, 200, r.text);
  return r;
}

describe('tool-call reports', () => {
  test('the token reports on itself', async () => {
    const r = await report({ model_id: 'claude-test', tool: 'dns.list', arguments: { zone: 'example.com' }, outcome: 'ok', response: { records: [1, 2] } }, `Bearer ${token}`);
    assert.equal(r.status, 201, r.text);
    assert.equal(typeof r.json.seq, 'number');
    const { json } = await events(`type=tool.called&limit=500`);
    const ev = json.find((e) => e.seq === r.json.seq);
    assert.ok(ev, 'the reported event is listed');
    assert.equal(ev.client_id, agent.client_id);
    assert.equal(ev.scope, 'dns:read');
    assert.equal(ev.data.tool, 'dns.list');
    assert.equal(ev.data.model_id, 'claude-test');
    assert.deepEqual(ev.data.arguments, { zone: 'example.com' });
    assert.deepEqual(ev.data.response, { records: [1, 2] });
    assert.equal(ev.data.reported_by, 'token');
    assert.equal(typeof ev.token_id, 'string');
    assert.equal(typeof ev.data.catalog_version, 'number');
  });

  test('the resource server of the audience reports, naming the token', async () => {
    const big = 'x'.repeat(20000);
    const r = await report({ token, tool: 'logs.read', outcome: 'error', response: big }, basic(rs.client_id, rs.client_secret));
    assert.equal(r.status, 201, r.text);
    const { json } = await events(`client_id=${encodeURIComponent(agent.client_id)}&type=tool.called`);
    const ev = json.find((e) => e.seq === r.json.seq);
    assert.equal(ev.data.reported_by, `client:${rs.client_id}`);
    assert.equal(ev.data.response, undefined, 'a response over 16 KiB is not stored');
    assert.equal(ev.data.response_length, 20000);
    assert.match(ev.data.response_sha256, /^[0-9a-f]{64}$/);
  });

  test('another client may not report on the token', async () => {
    const r = await report({ token, tool: 't', outcome: 'ok' }, basic(agent.client_id, agent.client_secret));
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.error, 'invalid_token');
  });

  test('bad tokens and bodies', async () => {
    let r = await report({ tool: 't', outcome: 'ok' }, 'Bearer not-a-token');
    assert.equal(r.status, 401);
    assert.equal(r.json.error, 'invalid_token');
    assert.match(r.headers.get('www-authenticate') ?? '', /invalid_token/);
    r = await report('{"tool":', `Bearer ${token}`);
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_request');
    r = await report({ outcome: 'ok' }, `Bearer ${token}`);
    assert.equal(r.status, 400);
    r = await report({ tool: 'x'.repeat(300), outcome: 'ok' }, `Bearer ${token}`);
    assert.equal(r.status, 400);
    r = await report({ tool: 't', outcome: 'ok' }, basic(rs.client_id, 'wrong'));
    assert.equal(r.status, 401);
  });
});

describe('admin query', () => {
  test('filters and paging with a Link header', async () => {
    const first = await events('limit=2');
    assert.equal(first.json.length, 2);
    assert.ok(first.json[0].seq < first.json[1].seq);
    assert.match(first.json[0].hash, /^[0-9a-f]{64}$/);
    assert.match(first.json[0].time, /^\d{4}-\d\d-\d\dT/);
    const link = first.headers.get('link');
    assert.match(link, /rel="next"/);
    const next = link.match(/<([^>]+)>/)[1];
    const second = await readResponse(await srv.adminFetch(next));
    assert.equal(second.json[0].seq, first.json[1].seq + 1);
    const none = await events('subject=nobody-at-all');
    assert.deepEqual(none.json, []);
    const future = await events('since=2999-01-01T00:00:00Z');
    assert.deepEqual(future.json, []);
    const bad = await readResponse(await srv.adminFetch('/admin/audit/events?limit=501'));
    assert.equal(bad.status, 400);
    const noKey = await readResponse(await srv.adminFetch('/admin/audit/events', {}, { key: 'wrong' }));
    assert.equal(noKey.status, 401);
  });
});

describe('gatehouse audit', () => {
  test('checkpoint, verify, tail, export; an edited export fails at that event', async () => {
    const cp = await srv.cli(['audit', 'checkpoint']);
    assert.equal(cp.code, 0, cp.stderr);
    assert.match(cp.stdout, /checkpoint: seq \d+ signs seq \d+/);

    const v = await srv.cli(['audit', 'verify']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^ok: \d+ events, last seq \d+ hash [0-9a-f]{64}/);
    assert.match(v.stdout, /checkpoints: 1 verified/);

    const t = await srv.cli(['audit', 'tail', '-n', '3']);
    assert.equal(t.code, 0, t.stderr);
    const lines = t.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 3);
    assert.equal(lines[2].type, 'audit.checkpoint');

    const ex = await srv.cli(['audit', 'export', '--type', 'tool.called', '--client', agent.client_id]);
    assert.equal(ex.code, 0, ex.stderr);
    assert.equal(ex.stdout.trim().split('\n').length, 2);

    // Offline: the whole export and the published JWKS.
    const all = await srv.cli(['audit', 'export']);
    assert.equal(all.code, 0, all.stderr);
    const dir = path.dirname(srv.db);
    const file = path.join(dir, 'export.jsonl');
    const jwksFile = path.join(dir, 'jwks.json');
    writeFileSync(file, all.stdout);
    writeFileSync(jwksFile, await (await fetch(as.jwks_uri)).text());
    const off = await srv.cli(['audit', 'verify', '--file', file, '--jwks', jwksFile]);
    assert.equal(off.code, 0, off.stdout + off.stderr);
    assert.match(off.stdout, /checkpoints: 1 verified/);

    // Edit one event's scope: verify names that event.
    const evs = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const victim = evs.find((e) => e.type === 'tool.called');
    victim.scope = 'dns:read dns:write';
    writeFileSync(file, evs.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const broken = await srv.cli(['audit', 'verify', '--file', file, '--jwks', jwksFile]);
    assert.equal(broken.code, 1, broken.stdout + broken.stderr);
    assert.match(broken.stdout, new RegExp(`broken: event seq ${victim.seq} .*altered`));
  });

  test('an event edited in the database (trigger dropped) fails verify at that event', async () => {
    const { json } = await events('type=tool.called&limit=1');
    const seq = json[0].seq;
    // The trigger refuses UPDATE; someone with the database file can drop it.
    execFileSync('sqlite3', [srv.db, `DROP TRIGGER audit_events_no_update; UPDATE audit_events SET scope = 'dns:write' WHERE seq = ${seq};`]);
    const v = await srv.cli(['audit', 'verify']);
    assert.equal(v.code, 1, v.stdout + v.stderr);
    assert.match(v.stdout, new RegExp(`broken: event seq ${seq} .*altered`));
  });
});
