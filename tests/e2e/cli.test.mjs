// The command line: --help on every command, exit codes (0 success, 1 failure, 2 bad usage
// or invalid configuration) and configuration errors that name file:line and the key path.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { readResponse } from './lib/oauth.mjs';
import { runBinary, startServer } from './lib/server.mjs';

let srv;
before(async () => { srv = await startServer({ name: 'cli' }); });
after(async () => { await srv?.dispose(); });

const COMMANDS = ['serve', 'migrate', 'clients', 'keys', 'version'];

describe('--help', () => {
  test('gatehouse --help lists every command', async () => {
    const r = await runBinary(['--help']);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout + r.stderr;
    for (const c of COMMANDS) assert.match(out, new RegExp(`\\b${c}\\b`), `--help does not mention ${c}`);
  });

  for (const c of COMMANDS) {
    test(`gatehouse ${c} --help`, async () => {
      const r = await runBinary([c, '--help'], { env: srv.env() });
      assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
      assert.ok(r.stdout.trim().length > 0, 'help goes to stdout');
      assert.match(r.stdout, new RegExp(c), `help of ${c} does not name it`);
    });
  }

  for (const args of [['clients', 'create'], ['clients', 'get'], ['clients', 'list'], ['clients', 'delete'], ['keys', 'rotate']]) {
    test(`gatehouse ${args.join(' ')} --help`, async () => {
      const r = await runBinary([...args, '--help'], { env: srv.env() });
      assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
      assert.ok(r.stdout.trim().length > 0);
    });
  }
});

describe('exit codes', () => {
  test('0: clients create, get, list, delete', async () => {
    const c = await srv.createClient({ client_id: 'cli-made', grant_types: ['client_credentials'], response_types: [], scope: 'dns:read', token_endpoint_auth_method: 'client_secret_basic' });
    assert.equal(c.client_id, 'cli-made');
    assert.equal(typeof c.client_secret, 'string');
    const g = await srv.cli(['clients', 'get', 'cli-made']);
    assert.equal(g.code, 0, g.stderr);
    const got = JSON.parse(g.stdout);
    assert.equal(got.client_id, 'cli-made');
    assert.equal(got.client_secret, undefined, 'clients get printed the secret');
    const l = await srv.cli(['clients', 'list']);
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /cli-made/);
    // the running server sees the client the CLI made (shared database)
    const admin = await readResponse(await srv.adminFetch('/admin/clients/cli-made'));
    assert.equal(admin.status, 200, admin.text);
    const d = await srv.cli(['clients', 'delete', 'cli-made']);
    assert.equal(d.code, 0, d.stderr);
    const gone = await srv.cli(['clients', 'get', 'cli-made']);
    assert.equal(gone.code, 1, `get after delete: exit ${gone.code}`);
  });

  test('clients create --from-json FILE', async () => {
    const f = path.join(srv.dir, 'client.json');
    writeFileSync(f, JSON.stringify({ client_id: 'from-file', grant_types: ['client_credentials'], response_types: [], scope: 'logs:read' }));
    const r = await srv.cli(['clients', 'create', '--from-json', f]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).client_id, 'from-file');
  });

  test('1: getting an unknown client', async () => {
    const r = await srv.cli(['clients', 'get', 'no-such-client']);
    assert.equal(r.code, 1, `exit ${r.code}: ${r.stdout}${r.stderr}`);
    assert.ok(r.stderr.trim().length > 0, 'no message on stderr');
  });

  test('1: creating a client with invalid metadata', async () => {
    for (const input of [JSON.stringify({ grant_types: ['password'] }), JSON.stringify({ scope: 'nope:nope', grant_types: ['client_credentials'] })]) {
      const r = await srv.cli(['clients', 'create', '--from-json', '-'], { input });
      assert.ok(r.code === 1 || r.code === 2, `exit ${r.code} for ${input}`);
      assert.ok(r.stderr.trim().length > 0);
    }
  });

  test('a client_id that exists -> failure, not a silent overwrite', async () => {
    await srv.createClient({ client_id: 'twice', grant_types: ['client_credentials'], response_types: [], scope: 'dns:read' });
    const r = await srv.cli(['clients', 'create', '--from-json', '-'], { input: JSON.stringify({ client_id: 'twice', grant_types: ['client_credentials'], response_types: [], scope: 'logs:read' }) });
    assert.equal(r.code, 1, `exit ${r.code}: ${r.stdout}`);
  });

  test('2: bad usage', async () => {
    for (const args of [['no-such-command'], ['clients', 'frobnicate'], ['clients', 'create', '--no-such-flag'], ['clients', 'get'], ['serve', '--bogus'], []]) {
      const r = await runBinary(args, { env: srv.env() });
      assert.equal(r.code, 2, `gatehouse ${args.join(' ')}: exit ${r.code}: ${r.stdout}${r.stderr}`);
      assert.ok(r.stderr.trim().length > 0, `gatehouse ${args.join(' ')}: no usage message on stderr`);
    }
  });

  test('2: malformed JSON on --from-json', async () => {
    const r = await srv.cli(['clients', 'create', '--from-json', '-'], { input: '{"client_id": ' });
    assert.ok(r.code === 1 || r.code === 2, `exit ${r.code}`);
    assert.ok(r.stderr.trim().length > 0);
  });
});

describe('invalid configuration', () => {
  const cases = [
    {
      name: 'wrong type',
      yaml: 'log_level: info\nscopes:\n  - name: dns:read\n    description: Read DNS records\n    sensitive: false\nttl:\n  access_token: forever\n',
      line: 7,
      key: 'ttl.access_token',
    },
    {
      name: 'unknown key',
      yaml: 'log_level: info\nserve:\n  public:\n    listen: 127.0.0.1:1\n  publik: true\n',
      line: 5,
      key: 'serve.publik',
    },
    {
      name: 'bad scope entry',
      yaml: 'scopes:\n  - name: dns:read\n    description: Read DNS records\n    sensitive: false\n  - name: logs:read\n    description: Read firewall logs\n    sensitive: maybe\n',
      line: 7,
      key: 'scopes[1].sensitive',
    },
    {
      name: 'resource with a scope outside the catalog',
      yaml: 'scopes:\n  - name: dns:read\n    description: Read DNS records\n    sensitive: false\nresources:\n  - uri: https://api.example.test\n    client_id: demo-api\n    scopes: [dns:read, nope:nope]\n',
      line: 8,
      key: 'resources[0].scopes',
    },
  ];
  for (const c of cases) {
    for (const cmd of [['serve'], ['migrate'], ['clients', 'list']]) {
      test(`${c.name}: gatehouse ${cmd.join(' ')} exits 2 naming file:line and the key path`, async () => {
        const file = path.join(srv.dir, `bad-${c.line}-${c.key.replace(/[^a-z]/g, '')}.yaml`);
        writeFileSync(file, c.yaml);
        const r = await runBinary(cmd, { env: { ...srv.env(), GATEHOUSE_CONFIG: file }, timeoutMs: 10000 });
        assert.equal(r.code, 2, `exit ${r.code} (signal ${r.signal}): ${r.stderr}`);
        assert.ok(r.stderr.includes(`${file}:${c.line}:`) || r.stderr.includes(`${path.basename(file)}:${c.line}:`),
          `message does not name ${path.basename(file)}:${c.line}: ${r.stderr}`);
        // the key path, either whole or as its parent followed by the offending key
        const dot = c.key.lastIndexOf('.');
        const named = r.stderr.includes(c.key)
          || (dot > 0 && r.stderr.includes(`${c.key.slice(0, dot)}:`) && r.stderr.includes(`"${c.key.slice(dot + 1)}"`));
        assert.ok(named, `message does not name ${c.key}: ${r.stderr}`);
      });
    }
  }

  test('a config file that does not exist -> 2', async () => {
    const r = await runBinary(['migrate'], { env: { ...srv.env(), GATEHOUSE_CONFIG: path.join(srv.dir, 'missing.yaml') } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /missing\.yaml/);
  });

  test('a system secret that is too short -> serve exits 2', async () => {
    const r = await runBinary(['serve'], { env: { ...srv.env(), GATEHOUSE_SECRETS_SYSTEM: 'short' }, timeoutMs: 10000 });
    assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, /secrets\.system|GATEHOUSE_SECRETS_SYSTEM/);
  });

  test('the running server kept serving through all this', async () => {
    const r = await fetch(`${srv.issuer}/health/ready`);
    await r.arrayBuffer();
    assert.equal(r.status, 200);
  });
});
