// Automatic audit checkpoints: `gatehouse serve` signs a checkpoint by itself once
// audit.checkpoint_every_events events were added (here 5, with the interval set far away),
// the checkpoint shows in `gatehouse audit export --type audit.checkpoint`, and
// `gatehouse audit verify` checks its signature. Stopping the server is prompt with the
// checkpoint thread running.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startServer } from './lib/server.mjs';

let srv;

before(async () => {
  srv = await startServer({
    name: 'audit_checkpoint',
    extraEnv: { GATEHOUSE_AUDIT_CHECKPOINT_EVERY_EVENTS: '5', GATEHOUSE_AUDIT_CHECKPOINT_INTERVAL: '86400' },
  });
});
after(async () => { await srv?.dispose(); });

async function checkpoints() {
  const r = await srv.cli(['audit', 'export', '--type', 'audit.checkpoint']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

async function headSeq() {
  const r = await srv.cli(['audit', 'tail', '-n', '1']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim()).seq;
}

test('serve signs a checkpoint after checkpoint_every_events events', async () => {
  // The start itself records events (keys, catalog), which may already be signed; what
  // matters is a checkpoint over the events made below.
  const base = await headSeq();
  for (let i = 0; i < 6; i++) {
    const r = await srv.adminFetch('/admin/clients', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_types: ['client_credentials'], response_types: [], scope: 'dns:read', token_endpoint_auth_method: 'client_secret_basic' }),
    });
    const text = await r.text();
    assert.equal(r.status, 201, text);
  }
  // The thread looks once a second: poll, bounded.
  let found = [];
  const deadline = Date.now() + 15000;
  while (found.length === 0 && Date.now() < deadline) {
    found = (await checkpoints()).filter((c) => c.data.seq >= base + 5);
  }
  assert.ok(found.length >= 1, 'a checkpoint over the new events appeared within 15 s');
  const cp = found[0];
  assert.equal(cp.type, 'audit.checkpoint');
  assert.equal(cp.actor, 'system');
  assert.equal(typeof cp.data.jws, 'string');
  assert.ok(cp.data.seq < cp.seq, `signs an earlier event: ${JSON.stringify(cp)}`);

  const v = await srv.cli(['audit', 'verify']);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /^ok: \d+ events/);
  const m = v.stdout.match(/checkpoints: (\d+) verified/);
  assert.ok(m && Number(m[1]) >= 1, v.stdout);
});

test('no second checkpoint without new events', async () => {
  // Once the trail ends with a checkpoint, nothing is added while nothing happens: fewer
  // than 5 new events, and the interval is a day away.
  let head;
  const deadline = Date.now() + 15000;
  do {
    const r = await srv.cli(['audit', 'tail', '-n', '1']);
    head = JSON.parse(r.stdout.trim());
  } while (head.type !== 'audit.checkpoint' && Date.now() < deadline);
  assert.equal(head.type, 'audit.checkpoint');
  await new Promise((r) => setTimeout(r, 2500)); // two wake-ups of the thread
  assert.equal(await headSeq(), head.seq);
});

test('stopping the server is prompt', async () => {
  const t0 = Date.now();
  await srv.dispose();
  assert.ok(Date.now() - t0 < 3000, `stopped in ${Date.now() - t0} ms`);
  srv = null;
});
