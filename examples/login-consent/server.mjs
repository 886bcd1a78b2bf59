// Starts the example login and consent app (app.mjs) on node:http, configured from the
// environment (README.md lists the variables). `npm start` or `node server.mjs`.
//
// Prints one line "login-consent listening on http://HOST:PORT" once it accepts connections
// (scripts may wait for it), and, when no users were given, the generated demo user's password.
// Exits 2 on a bad configuration, stops cleanly on SIGINT and SIGTERM.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import { adminApi, createApp, parseUsers } from './app.mjs';

function fail(msg) {
  process.stderr.write(`login-consent: ${msg}\n`);
  process.exit(2);
}

const env = process.env;
const host = env.HOST || '127.0.0.1';
const port = Number.parseInt(env.PORT || '3000', 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT=${env.PORT} is not a port number`);
const adminUrl = env.GATEHOUSE_ADMIN_URL || 'http://127.0.0.1:4445';
try {
  const u = new URL(adminUrl);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
} catch {
  fail(`GATEHOUSE_ADMIN_URL=${adminUrl} is not an http(s) URL`);
}
const adminKey = env.GATEHOUSE_ADMIN_KEY || '';
if (!adminKey) process.stderr.write('login-consent: GATEHOUSE_ADMIN_KEY is empty: the admin API must then run without authentication\n');

let users;
try {
  if (env.LOGIN_APP_USERS) users = parseUsers(env.LOGIN_APP_USERS);
  else if (env.LOGIN_APP_USERS_FILE) users = parseUsers(readFileSync(env.LOGIN_APP_USERS_FILE, 'utf8'));
} catch (e) {
  fail(`the users list (LOGIN_APP_USERS or LOGIN_APP_USERS_FILE) is invalid: ${e.message}`);
}
if (!users) {
  const password = randomBytes(12).toString('base64url');
  users = parseUsers(JSON.stringify([{ username: 'demo', password, name: 'Demo User', email: 'demo@example.test', email_verified: true }]));
  process.stdout.write(`login-consent: no users given; demo user "demo" with password ${password}\n`);
}

let secret;
if (env.LOGIN_APP_SECRET) {
  secret = Buffer.from(env.LOGIN_APP_SECRET, 'utf8');
  if (secret.length < 32) fail('LOGIN_APP_SECRET must be at least 32 characters');
} else {
  secret = randomBytes(32); // forms shown before a restart then need reloading
}
const rememberFor = Number.parseInt(env.LOGIN_APP_REMEMBER_FOR || '3600', 10);
if (!Number.isInteger(rememberFor) || rememberFor < 0) fail('LOGIN_APP_REMEMBER_FOR must be a number of seconds');

const handler = createApp({
  api: adminApi({ adminUrl, adminKey }),
  users,
  secret,
  rememberFor,
  log: (line) => process.stderr.write(`login-consent: ${line}\n`),
});

const server = createServer({ requestTimeout: 30000, headersTimeout: 10000 }, handler);
server.on('error', (e) => fail(`cannot listen on ${host}:${port}: ${e.message}`));
server.listen(port, host, () => {
  const a = server.address();
  const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  process.stdout.write(`login-consent listening on http://${shown}:${a.port}\n`);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
  server.closeAllConnections?.();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
