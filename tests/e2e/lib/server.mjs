// Starts and stops a real gatehouse for one test file, and runs its CLI with the same
// environment. Every server gets free loopback ports (found by binding port 0), a fresh temp
// directory with its own SQLite file, a generated system secret and admin key, and the test
// configuration gatehouse.test.yaml (demo catalog, resource server https://api.example.test).
// Readiness is found by polling /health/ready, never by sleeping a fixed time. Servers are
// stopped by the test's after() hook and, should the test process die first, killed on exit.
//
// The binary comes from GATEHOUSE_BIN (set by run.sh). Server output goes to
// tests/e2e/artifacts/ (git-ignored) so that a failing run can be read afterwards.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, createWriteStream, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const E2E_DIR = path.resolve(HERE, '..');
export const CONFIG = path.join(E2E_DIR, 'gatehouse.test.yaml');
export const ARTIFACTS = path.join(E2E_DIR, 'artifacts');
export const RESOURCE = 'https://api.example.test';
export const RESOURCE_CLIENT_ID = 'demo-api';

export function binary() {
  const bin = process.env.GATEHOUSE_BIN;
  if (!bin) throw new Error('GATEHOUSE_BIN is not set (run the tests with tests/e2e/run.sh <gatehouse>)');
  if (!existsSync(bin)) throw new Error(`GATEHOUSE_BIN=${bin} does not exist`);
  return path.resolve(bin);
}

// Children still running when the test process exits are killed, whatever the reason.
const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

/** A free TCP port on 127.0.0.1 (bound with port 0 and released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let counter = 0;

export class Gatehouse {
  constructor({ name, config = CONFIG, extraEnv = {} } = {}) {
    this.name = name ?? path.basename(process.argv[1] ?? 'e2e', '.mjs');
    this.config = config;
    this.extraEnv = extraEnv;
    this.dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-e2e-'));
    this.db = path.join(this.dir, 'gatehouse.db');
    this.secret = randomBytes(32).toString('base64url'); // 43 characters
    this.adminKey = `e2e-admin-${randomBytes(24).toString('base64url')}`;
    this.child = null;
    this.exited = null;
    this.readyMs = null;
    counter += 1;
    mkdirSync(ARTIFACTS, { recursive: true });
    this.logFile = path.join(ARTIFACTS, `${this.name}-${process.pid}-${counter}.log`);
  }

  get issuer() { return `http://127.0.0.1:${this.publicPort}`; }
  get admin() { return `http://127.0.0.1:${this.adminPort}`; }

  /** The environment the server and the CLI run with. */
  env() {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? this.dir,
      TMPDIR: this.dir,
      GATEHOUSE_CONFIG: this.config,
      GATEHOUSE_DSN: `sqlite://${this.db}`,
      GATEHOUSE_ISSUER: this.issuer,
      GATEHOUSE_PUBLIC_LISTEN: `127.0.0.1:${this.publicPort}`,
      GATEHOUSE_ADMIN_LISTEN: `127.0.0.1:${this.adminPort}`,
      GATEHOUSE_SECRETS_SYSTEM: this.secret,
      GATEHOUSE_ADMIN_KEY: this.adminKey,
      ...this.extraEnv,
    };
  }

  /** Starts `gatehouse serve` and resolves once /health/ready answers 200. */
  async start({ timeoutMs = 20000 } = {}) {
    if (this.publicPort === undefined) {
      this.publicPort = await freePort();
      this.adminPort = await freePort();
      while (this.adminPort === this.publicPort) this.adminPort = await freePort();
    }
    const log = createWriteStream(this.logFile, { flags: 'a' });
    log.write(`--- ${new Date().toISOString()} gatehouse serve on ${this.issuer} (admin ${this.admin}), db ${this.db}\n`);
    const t0 = performance.now();
    const child = spawn(binary(), ['serve'], { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = null;
    live.add(child);
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    const exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        live.delete(child);
        this.exited = { code, signal };
        resolve(this.exited);
      });
    });
    this.exitPromise = exited;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exited) {
        throw new Error(`gatehouse serve exited during start-up (${JSON.stringify(this.exited)}); see ${this.logFile}`);
      }
      try {
        const r = await fetch(`${this.issuer}/health/ready`, { signal: AbortSignal.timeout(1000) });
        await r.arrayBuffer();
        if (r.status === 200) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`gatehouse not ready after ${timeoutMs} ms; see ${this.logFile}`);
      }
      await sleep(10);
    }
    this.readyMs = performance.now() - t0;
    return this;
  }

  /** SIGTERM, then SIGKILL after 5 s. Resolves when the process is gone. */
  async stop() {
    const child = this.child;
    if (!child || this.exited) return this.exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => { if (!this.exited) child.kill('SIGKILL'); }, 5000);
    const r = await this.exitPromise;
    clearTimeout(timer);
    return r;
  }

  /** kill -9: no chance to flush anything. */
  async kill9() {
    const child = this.child;
    if (!child || this.exited) return this.exited;
    child.kill('SIGKILL');
    return this.exitPromise;
  }

  /** Stops the server and removes its temp directory (the log stays in artifacts/). */
  async dispose() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs `gatehouse ...args` with this server's environment. */
  cli(args, { input, env = {}, timeoutMs = 20000 } = {}) {
    return runBinary(args, { input, env: { ...this.env(), ...env }, timeoutMs });
  }

  /** `gatehouse clients create --from-json -`; returns the printed client (with its secret). */
  async createClient(metadata) {
    const r = await this.cli(['clients', 'create', '--from-json', '-'], { input: JSON.stringify(metadata) });
    if (r.code !== 0) {
      throw new Error(`clients create failed (exit ${r.code}): ${r.stderr}${r.stdout}`);
    }
    try {
      return JSON.parse(r.stdout);
    } catch {
      throw new Error(`clients create printed no JSON: ${r.stdout}`);
    }
  }

  /** `gatehouse users create NAME --password-stdin [--name N] [--email E] [--email-verified]`;
   *  resolves with { username, password, ...what the CLI printed as JSON (if it did) }. */
  async createUser(username, password, { name, email, emailVerified = false } = {}) {
    const args = ['users', 'create', username, '--password-stdin'];
    if (name !== undefined) args.push('--name', name);
    if (email !== undefined) args.push('--email', email);
    if (emailVerified) args.push('--email-verified');
    const r = await this.cli(args, { input: `${password}\n` });
    if (r.code !== 0) {
      throw new Error(`users create failed (exit ${r.code}): ${r.stderr}${r.stdout}`);
    }
    let printed = {};
    try { printed = JSON.parse(r.stdout); } catch { /* not JSON: nothing more to know */ }
    return { ...printed, username, password };
  }

  /** POST /admin/oauth2/introspect with the admin key; resolves with the JSON answer. */
  async adminIntrospect(token) {
    const r = await this.adminFetch('/admin/oauth2/introspect', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    const text = await r.text();
    if (r.status !== 200) throw new Error(`admin introspection answered ${r.status}: ${text}`);
    return JSON.parse(text);
  }

  /** fetch on the public listener. */
  fetch(p, init = {}) { return fetch(`${this.issuer}${p}`, init); }

  /** fetch on the admin listener with the admin key (unless init.headers says otherwise). */
  adminFetch(p, init = {}, { key = this.adminKey } = {}) {
    const headers = new Headers(init.headers ?? {});
    if (key !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${key}`);
    return fetch(`${this.admin}${p}`, { ...init, headers });
  }
}

/** Runs the gatehouse binary; resolves with { code, signal, stdout, stderr }. */
export function runBinary(args, { input, env = {}, timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary(), args, { env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); live.delete(child); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => { /* the command may not read stdin */ });
    if (input !== undefined) child.stdin.end(input); else child.stdin.end();
  });
}

/** Starts a server for a test file: call in before(), dispose in after(). */
export async function startServer(opts) {
  const g = new Gatehouse(opts);
  try {
    await g.start();
  } catch (e) {
    await g.dispose();
    throw e;
  }
  return g;
}
