// agent.mjs - a small AI agent's side of the story, with the official MCP TypeScript SDK
// (@modelcontextprotocol/sdk): it connects to the demo DNS API's MCP endpoint with no token,
// lets the SDK discover gatehouse from the API's 401 (RFC 9728), register itself (RFC 7591)
// and build an authorization URL (PKCE S256, RFC 7636; resource indicator, RFC 8707), prints
// that URL for you to open in a browser, and receives the code on its loopback redirect URI
// (RFC 8252 7.3). Then it lists the tools, lists records, reads firewall logs and tries to
// change a record, printing the API's refusal when the token lacks dns:write. Every tool call
// carries a model id (params._meta.model_id), which the API reports to gatehouse's audit trail.
//
// Not here: persistence. The registration and the tokens live in memory, so every run
// registers a new client and asks for consent again.
//
//   npm ci && node agent.mjs [MCP_URL]     (default http://127.0.0.1:8081/mcp)
//   MODEL_ID=my-model node agent.mjs       (default demo-model-1)
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const mcpUrl = new URL(process.argv[2] ?? 'http://127.0.0.1:8081/mcp');
const modelId = process.env.MODEL_ID ?? 'demo-model-1';
const meta = { model_id: modelId };

// The loopback redirect URI: any free port on 127.0.0.1, path /callback. The next request
// there settles `arrival` with its query parameters.
let deliver;
const arrival = new Promise((resolve) => { deliver = resolve; });
const listener = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname !== '/callback') {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' }).end('The agent has the answer; you may close this window.\n');
  deliver(url.searchParams);
});
await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve));
const redirectUri = `http://127.0.0.1:${listener.address().port}/callback`;

// What the SDK asks of an OAuth client: its metadata, and somewhere to keep what it gets.
const provider = {
  stateValue: undefined,
  info: undefined,
  saved: undefined,
  verifier: undefined,
  get redirectUrl() { return redirectUri; },
  get clientMetadata() {
    return {
      client_name: 'DNS agent',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  },
  state() { this.stateValue = randomBytes(16).toString('base64url'); return this.stateValue; },
  clientInformation() { return this.info; },
  saveClientInformation(info) {
    this.info = info;
    console.log(`registered with gatehouse as client ${info.client_id}`);
  },
  tokens() { return this.saved; },
  saveTokens(tokens) { this.saved = tokens; },
  saveCodeVerifier(v) { this.verifier = v; },
  codeVerifier() { return this.verifier; },
  redirectToAuthorization(url) {
    const scope = url.searchParams.get('scope');
    console.log(`\nauthorization needed (scope "${scope}"): open this URL in your browser:\n\n  ${url.href}\n`);
  },
};

// Every refusal of the API is printed as it comes, with its challenge (RFC 6750 3).
let lastRefusal;
async function watchingFetch(url, init) {
  const r = await fetch(url, init);
  if ((r.status === 401 || r.status === 403) && String(url).startsWith(mcpUrl.origin)) {
    lastRefusal = `${r.status} ${r.headers.get('www-authenticate')}`;
    console.log(`the API answered ${lastRefusal}`);
  }
  return r;
}

async function main() {
  const transportOpts = { authProvider: provider, fetch: watchingFetch };
  let transport = new StreamableHTTPClientTransport(mcpUrl, transportOpts);
  let client = new Client({ name: 'dns-agent', version: '1.0.0' });
  try {
    await client.connect(transport);
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
    console.log(`waiting for the browser to come back to ${redirectUri} ...`);
    const params = await arrival;
    if (params.get('state') !== provider.stateValue) throw new Error('state mismatch: not our authorization response');
    if (params.get('error')) throw new Error(`authorization refused: ${params.get('error')} ${params.get('error_description') ?? ''}`);
    await transport.finishAuth(params.get('code'));
    console.log(`token received, scope "${provider.saved.scope}"`);
    transport = new StreamableHTTPClientTransport(mcpUrl, transportOpts);
    client = new Client({ name: 'dns-agent', version: '1.0.0' });
    await client.connect(transport);
  }

  const server = client.getServerVersion();
  console.log(`\nconnected to ${server.name} ${server.version}`);
  const { tools } = await client.listTools();
  console.log(`tools: ${tools.map((t) => t.name).join(', ')}`);

  const records = await client.callTool({ name: 'list_records', arguments: { zone: 'example.com' }, _meta: meta });
  console.log('\nlist_records example.com:');
  for (const r of records.structuredContent.records) console.log(`  ${r.id}  ${r.name.padEnd(6)} ${r.type.padEnd(5)} ${r.value}  (ttl ${r.ttl})`);

  const logs = await client.callTool({ name: 'read_logs', arguments: { limit: 3 }, _meta: meta });
  console.log('\nread_logs (newest 3):');
  for (const l of logs.structuredContent.logs) console.log(`  ${l.ts}  ${l.action.padEnd(5)} ${l.src} -> ${l.dst}:${l.port}/${l.proto}`);

  console.log('\nupdate_record example.com #1 -> 203.0.113.66');
  try {
    await client.callTool({ name: 'update_record', arguments: { zone: 'example.com', id: 1, value: '203.0.113.66' }, _meta: meta });
    console.log('changed');
  } catch (e) {
    // The SDK answers a 403 insufficient_scope by asking for the missing scope (the URL printed
    // above); this agent does not wait for it.
    console.log(`refused (${e.constructor.name}): the token holds "${provider.saved.scope}", the API wants ${/scope="([^"]*)"/.exec(lastRefusal ?? '')?.[1] ?? 'more'}`);
  }
  await client.close();
}

try {
  await main();
} catch (e) {
  console.error(`agent: ${e.message}`);
  process.exitCode = 1;
} finally {
  listener.close();
}
