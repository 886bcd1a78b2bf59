// Starts the demo platform API (examples/dns-api, gatehouse-dns-api, built next to the gatehouse
// binary; GATEHOUSE_DNS_API overrides) for a test file, against a running gatehouse, and stops
// it in the test's after() hook (or kills it should the test process die first). Readiness is
// found by polling /health, never by sleeping a fixed time. Output goes to tests/e2e/artifacts/.
//
// configForResource() writes a copy of the test configuration whose resource server is another
// URI: an MCP client only accepts a resource on the API's own origin (RFC 9728 3.3), so tests
// that drive one list the API's http://127.0.0.1:PORT as the resource.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ARTIFACTS, binary, CONFIG, freePort, RESOURCE } from './server.mjs';

export function apiBinary() {
  const p = process.env.GATEHOUSE_DNS_API ?? path.join(path.dirname(binary()), 'gatehouse-dns-api');
  if (!existsSync(p)) throw new Error(`${p} not found: build the gatehouse-dns-api target`);
  return p;
}

/** A copy of gatehouse.test.yaml with the resource server RESOURCE replaced by uri; returns its path. */
export function configForResource(uri) {
  const text = readFileSync(CONFIG, 'utf8');
  const line = `  - uri: ${RESOURCE}\n`;
  if (!text.includes(line)) throw new Error(`${CONFIG} has no resource ${RESOURCE}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-e2e-config-'));
  const file = path.join(dir, 'gatehouse.yaml');
  writeFileSync(file, text.replace(line, `  - uri: ${uri}\n`));
  return file;
}

/**
 * Starts gatehouse-dns-api for srv (a started Gatehouse) and resolves with
 * { base, port, child, exited, stop() }. rsClient ({ client_id, client_secret }) is the client the
 * API introspects opaque tokens with; resource defaults to RESOURCE; port to a free one; env adds
 * settings (DNS_API_*). The SQLite file lives in srv's temp directory.
 */
export async function startApi(srv, rsClient, { resource = RESOURCE, port, env = {}, db, timeoutMs = 15000 } = {}) {
  const p = port ?? await freePort();
  const base = `http://127.0.0.1:${p}`;
  const log = createWriteStream(path.join(ARTIFACTS, `dns-api-${process.pid}-${p}.log`), { flags: 'a' });
  const child = spawn(apiBinary(), ['--listen', `127.0.0.1:${p}`, '--db', db ?? path.join(srv.dir, `dns-${p}.db`)], {
    env: {
      PATH: process.env.PATH,
      DNS_API_ISSUER: srv.issuer,
      DNS_API_RESOURCE: resource,
      DNS_API_CLIENT_ID: rsClient.client_id,
      DNS_API_CLIENT_SECRET: rsClient.client_secret,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const state = { base, port: p, child, exited: null };
  const gone = new Promise((resolve) => child.on('exit', (code, signal) => { state.exited = { code, signal }; resolve(state.exited); }));
  state.stop = async () => {
    if (state.exited) return state.exited;
    child.kill('SIGTERM');
    return gone;
  };
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  process.on('exit', () => { try { child.kill('SIGKILL'); } catch { /* gone */ } });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (state.exited) throw new Error(`gatehouse-dns-api exited: ${JSON.stringify(state.exited)}`);
    try {
      const r = await fetch(`${base}/health`, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error('gatehouse-dns-api not ready');
    await new Promise((r) => setTimeout(r, 20));
  }
  return state;
}
