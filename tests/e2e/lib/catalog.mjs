// Helpers of the scope catalog tests (catalog.test.mjs: changes across restarts;
// catalog_reload.test.mjs: changes applied by SIGHUP): configuration variants written from
// gatehouse.test.yaml, the published catalog (/.well-known/gatehouse-scopes), the consent page's
// block for one scope, and polling with a deadline (never a fixed sleep).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Pieces of gatehouse.test.yaml that the variants change.
export const DNS_READ_V1 = 'description: Read DNS records\n';
export const DNS_READ_V2 = 'description: Read and export DNS records\n';
export const DNS_WRITE = 'description: Create, change and delete DNS records\n    sensitive: true\n';
export const LOGS_READ_ENTRY = '  - name: logs:read\n    description: Read firewall logs\n    sensitive: false\n';
export const RESOURCE_SCOPES = 'scopes: [dns:read, dns:write, logs:read, settings:write]';

/** text with from replaced by to; fails when the configuration no longer holds from. */
export function replaceOnce(text, from, to) {
  assert.ok(text.includes(from), `the test configuration no longer holds ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** Writes text as gatehouse.NAME.yaml in dir and returns its path. */
export function writeVariant(dir, name, text) {
  const p = path.join(dir, `gatehouse.${name}.yaml`);
  writeFileSync(p, text);
  return p;
}

/** The demo catalog with dns:read described anew. */
export function changedCatalog(base) {
  return replaceOnce(base, DNS_READ_V1, DNS_READ_V2);
}

/** text with dns:write no longer sensitive: a change that widens existing consents. */
export function widenedCatalog(text) {
  return replaceOnce(text, DNS_WRITE, DNS_WRITE.replace('sensitive: true', 'sensitive: false'));
}

/** text without logs:read, in the scopes and in the resource server's list. */
export function removedLogsRead(text) {
  const t = replaceOnce(text, LOGS_READ_ENTRY, '');
  return replaceOnce(t, RESOURCE_SCOPES, 'scopes: [dns:read, dns:write, settings:write]');
}

/** A configuration whose resource server accepts a scope the catalog does not have. */
export function invalidCatalog(base) {
  return replaceOnce(base, RESOURCE_SCOPES, 'scopes: [dns:read, dns:delete]');
}

/** The text of gatehouse.test.yaml (or of another file). */
export function readConfig(p) {
  return readFileSync(p, 'utf8');
}

/** GET /.well-known/gatehouse-scopes of srv. */
export async function wellKnown(srv) {
  const r = await srv.fetch('/.well-known/gatehouse-scopes');
  assert.equal(r.status, 200);
  return r.json();
}

export const scopeOf = (doc, name) => doc.scopes.find((s) => s.name === name);

/** The consent page's block for one scope (its checkbox, label and notes). */
export function scopeBlock(page, name) {
  const block = page.text.split('<div class="check">').find((b) => b.includes(`value="${name}"`));
  assert.ok(block, `no checkbox for ${name} on the consent page`);
  return block;
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** Calls fn until it resolves to a truthy value and returns that; fails with what after
 *  timeoutMs. Polls every 20 ms: the wait is for a condition, never a fixed time. */
export async function until(fn, what, { timeoutMs = 10000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await pause(20);
  }
}
