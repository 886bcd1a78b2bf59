// `gatehouse users`: create (password on stdin), list, get, delete, passwd; the JSON printed
// (never the password or its hash); exit codes 0 / 1 (taken username, unknown user, refused
// input) / 2 (bad usage, no terminal to prompt on); and that a new password is the one the
// login page accepts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { UserAgent } from './lib/agent.mjs';
import { oidcConfig, startFlow, webClient } from './lib/oidc.mjs';
import { binary, runBinary, startServer } from './lib/server.mjs';

const PASSWORD = 'correct horse battery staple';
const FIELDS = ['created_at', 'email', 'email_verified', 'id', 'name', 'updated_at', 'username'];
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let srv;
before(async () => { srv = await startServer({ name: 'users-cli' }); });
after(async () => { await srv?.dispose(); });

function create(name, password = PASSWORD, flags = []) {
  return srv.cli(['users', 'create', name, '--password-stdin', ...flags], { input: `${password}\n` });
}

function parsed(r) {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`not JSON: ${r.stdout}`);
  }
}

function assertUserShape(u) {
  assert.deepEqual(Object.keys(u).sort(), FIELDS, `members: ${Object.keys(u)}`);
  assert.match(u.id, /^u_[A-Za-z0-9_-]{22}$/);
  assert.match(u.created_at, RFC3339);
  assert.match(u.updated_at, RFC3339);
}

describe('--help', () => {
  for (const args of [['users'], ['users', 'create'], ['users', 'list'], ['users', 'get'], ['users', 'delete'], ['users', 'passwd']]) {
    test(`gatehouse ${args.join(' ')} --help`, async () => {
      const r = await runBinary([...args, '--help'], { env: srv.env() });
      assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stdout, /users/);
      assert.match(r.stdout, /--password-stdin/);
    });
  }

  test('gatehouse --help lists users', async () => {
    const r = await runBinary(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\busers\b/);
  });
});

describe('create, get, list, passwd, delete', () => {
  test('create with --password-stdin prints the user, without the password or its hash', async () => {
    const r = await create('alice', PASSWORD, ['--name', 'Alice Example', '--email', 'alice@example.test', '--email-verified']);
    const u = parsed(r);
    assertUserShape(u);
    assert.equal(u.username, 'alice');
    assert.equal(u.name, 'Alice Example');
    assert.equal(u.email, 'alice@example.test');
    assert.equal(u.email_verified, true);
    for (const out of [r.stdout, r.stderr]) {
      assert.ok(!out.includes(PASSWORD), 'the password was printed');
      assert.ok(!out.includes('$argon2id$'), 'the hash was printed');
    }
  });

  test('optional fields are null / false when not given', async () => {
    const u = parsed(await create('plain.user@example'));
    assertUserShape(u);
    assert.equal(u.name, null);
    assert.equal(u.email, null);
    assert.equal(u.email_verified, false);
  });

  test('a taken username -> exit 1, the first user unchanged', async () => {
    const first = parsed(await create('bob'));
    const r = await create('bob', 'another password');
    assert.equal(r.code, 1, `exit ${r.code}: ${r.stdout}`);
    assert.match(r.stderr, /taken/);
    assert.equal(r.stdout.trim(), '');
    const g = parsed(await srv.cli(['users', 'get', 'bob']));
    assert.equal(g.id, first.id);
  });

  test('get by id and by username; list holds every user, ordered by username', async () => {
    const c = parsed(await create('carol', PASSWORD, ['--name', 'Carol']));
    const byName = parsed(await srv.cli(['users', 'get', 'carol']));
    const byId = parsed(await srv.cli(['users', 'get', c.id]));
    assert.deepEqual(byName, c);
    assert.deepEqual(byId, c);
    parsed(await create('aaron'));
    const list = parsed(await srv.cli(['users', 'list']));
    assert.ok(Array.isArray(list));
    for (const u of list) assertUserShape(u);
    const names = list.map((u) => u.username);
    assert.ok(names.includes('carol') && names.includes('aaron'), names.join(' '));
    assert.deepEqual(names, [...names].sort(), 'not ordered by username');
    assert.ok(!JSON.stringify(list).includes('argon2'), 'list printed a hash');
  });

  test('unknown users -> exit 1', async () => {
    for (const args of [['get', 'nobody'], ['delete', 'nobody'], ['get', 'u_AAAAAAAAAAAAAAAAAAAAAA']]) {
      const r = await srv.cli(['users', ...args]);
      assert.equal(r.code, 1, `users ${args.join(' ')}: exit ${r.code}`);
      assert.match(r.stderr, /no such user/);
    }
    const p = await srv.cli(['users', 'passwd', 'nobody', '--password-stdin'], { input: `${PASSWORD}\n` });
    assert.equal(p.code, 1);
  });

  test('input the engine refuses -> exit 1 with the reason', async () => {
    const cases = [
      [['has space'], PASSWORD, /username/],
      [['dave'], 'short', /at least 8/],
      [['dave'], 'x'.repeat(1025), /at most 1024/],
      [['dave', '--email', 'not-an-email'], PASSWORD, /email/],
      [['dave', '--email-verified'], PASSWORD, /email/],
    ];
    for (const [args, pw, why] of cases) {
      const r = await srv.cli(['users', 'create', ...args, '--password-stdin'], { input: `${pw}\n` });
      assert.equal(r.code, 1, `create ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, why);
    }
    const r = await srv.cli(['users', 'create', 'dave', '--password-stdin'], { input: '' });
    assert.equal(r.code, 1, 'an empty standard input');
    const g = await srv.cli(['users', 'get', 'dave']);
    assert.equal(g.code, 1, 'a refused user was created');
  });

  test('delete by username and by id', async () => {
    const e = parsed(await create('erin'));
    const f = parsed(await create('frank'));
    const d1 = await srv.cli(['users', 'delete', 'erin']);
    assert.equal(d1.code, 0, d1.stderr);
    const d2 = await srv.cli(['users', 'delete', f.id]);
    assert.equal(d2.code, 0, d2.stderr);
    for (const who of ['erin', e.id, 'frank', f.id]) {
      assert.equal((await srv.cli(['users', 'get', who])).code, 1, `${who} still there`);
    }
    assert.equal((await srv.cli(['users', 'delete', 'erin'])).code, 1, 'deleted twice');
    const names = parsed(await srv.cli(['users', 'list'])).map((u) => u.username);
    assert.ok(!names.includes('erin') && !names.includes('frank'));
  });

  test('passwd --password-stdin keeps the user, refuses a short password', async () => {
    const before = parsed(await create('gina'));
    const r = await srv.cli(['users', 'passwd', 'gina', '--password-stdin'], { input: 'a new password\r\nignored second line\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stderr.includes('a new password'));
    const after = parsed(await srv.cli(['users', 'get', before.id]));
    assert.equal(after.id, before.id);
    assert.equal(after.created_at, before.created_at);
    const short = await srv.cli(['users', 'passwd', 'gina', '--password-stdin'], { input: 'short\n' });
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 8/);
  });
});

describe('the new password is the one the login page accepts', () => {
  test('passwd: the old password fails, the new one signs in', async () => {
    const c = await srv.createClient(webClient());
    const config = await oidcConfig(srv, c);
    parsed(await create('hank', 'the old password'));
    // a CRLF line ending and a second line: the password is the first line without its ending
    const p = await srv.cli(['users', 'passwd', 'hank', '--password-stdin'], { input: 'the new password\r\nsecond line\n' });
    assert.equal(p.code, 0, p.stderr);

    const ua = () => new UserAgent({ origin: srv.issuer });
    const old = await startFlow(config, ua(), { user: { username: 'hank', password: 'the old password' } });
    assert.deepEqual(old.shown, ['login', 'login'], `the old password: ${JSON.stringify(old.shown)}`);
    const fresh = await startFlow(config, ua(), { user: { username: 'hank', password: 'the new password' } });
    assert.equal(fresh.shown[0], 'login');
    assert.ok(fresh.shown.includes('consent') || fresh.params, `the new password: ${JSON.stringify(fresh.shown)}`);
  });
});

describe('bad usage -> exit 2', () => {
  test('missing or unexpected arguments', async () => {
    const cases = [
      ['users'],
      ['users', 'frobnicate'],
      ['users', 'create'],
      ['users', 'create', 'x', '--bogus'],
      ['users', 'create', 'x', 'y'],
      ['users', 'create', 'x', '--name'],
      ['users', 'get'],
      ['users', 'get', 'a', 'b'],
      ['users', 'get', 'a', '--password-stdin'],
      ['users', 'list', 'extra'],
      ['users', 'delete'],
      ['users', 'passwd'],
      ['users', 'passwd', 'a', '--email', 'x@y'],
    ];
    for (const args of cases) {
      const r = await srv.cli(args);
      assert.equal(r.code, 2, `gatehouse ${args.join(' ')}: exit ${r.code}: ${r.stdout}${r.stderr}`);
      assert.ok(r.stderr.trim().length > 0, `gatehouse ${args.join(' ')}: no message`);
    }
  });

  test('no --password-stdin and no terminal -> exit 2 naming --password-stdin', async () => {
    // A new session (setsid) has no controlling terminal, so /dev/tty cannot be opened.
    const r = await new Promise((resolve, reject) => {
      const child = spawn(binary(), ['users', 'create', 'ivan'], { env: srv.env(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
      child.on('error', reject);
      child.on('close', (code) => { clearTimeout(timer); resolve({ code, stderr }); });
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--password-stdin/);
    assert.equal((await srv.cli(['users', 'get', 'ivan'])).code, 1);
  });

  test('invalid configuration -> exit 2', async () => {
    const r = await srv.cli(['users', 'list'], { env: { GATEHOUSE_DSN: 'nosuch://x' } });
    assert.equal(r.code, 2, r.stderr);
  });
});
