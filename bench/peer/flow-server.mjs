// Benchmark fixture for bench/run.sh cases e and f on the peer: panva's oidc-provider (v9)
// configured for the authorization-code flow of a web app (confidential client,
// client_secret_basic, PKCE S256 required, refresh tokens rotated on every use, ES256 ID tokens),
// so that gatehouse's complete-flow and refresh-rotation throughput can be compared with it.
// It is not a production configuration: the client secret, the cookie key and the account are
// fixed benchmark fixtures, signing keys are generated at every start, and storage is
// oidc-provider's built-in in-memory adapter (nothing is durable).
//
// bench/run.sh copies this file next to the peer's own server.mjs (var/peer-oidc-provider/, where
// node_modules holds oidc-provider) and runs it from there.
//
// Login and consent: there is no login page. GET /interaction/<uid> (where oidc-provider sends
// the browser when the request needs an interaction) logs the fixed account in and saves a Grant
// with every scope the request asked for, then hands the result back with interactionResult()
// and redirects to the resume URL: the Hydra-style "accept login, accept consent" done in one
// step. bench/run.sh walks it once with curl and a cookie jar before timing; afterwards the
// session cookie alone makes /auth answer 302 with a code (the timed path), because the session
// remembers the grant for the client.
//
// Two differences from the defaults, both to ask the same work of the peer as of gatehouse:
//   - issueRefreshToken: oidc-provider drops offline_access from an authorization request
//     without prompt=consent (OIDC Core 11), and prompt=consent would force an interaction on
//     every request; a refresh token is therefore issued to every client allowed the
//     refresh_token grant, as gatehouse does for a remembered offline_access;
//   - rotateRefreshToken: true (rotate on every use, as gatehouse does).
//
// Environment: PORT (default 3101), listening on 127.0.0.1; NODE_ENV=production (set by run.sh).

import { generateKeyPairSync } from 'node:crypto';
import process from 'node:process';

import Provider from 'oidc-provider';

const HOST = '127.0.0.1';
const PORT = Number.parseInt(process.env.PORT ?? '3101', 10);
const ISSUER = `http://${HOST}:${PORT}`;

const CLIENT_ID = 'bench-web';
const CLIENT_SECRET = 'bench-only-secret-not-for-production-use-0123456789';
const REDIRECT_URI = 'https://app.example.test/cb';
const ACCOUNT_ID = 'bench-user';

const jwk = (type, options, kid, alg) => ({
  ...generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' }),
  kid,
  alg,
  use: 'sig',
});

const provider = new Provider(ISSUER, {
  jwks: {
    keys: [
      // oidc-provider wants an RS256 key for its defaults; the client below asks for ES256.
      jwk('rsa', { modulusLength: 2048 }, 'bench-rs256', 'RS256'),
      jwk('ec', { namedCurve: 'P-256' }, 'bench-es256', 'ES256'),
    ],
  },
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      client_name: 'Bench web app',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [REDIRECT_URI],
      scope: 'openid offline_access dns:read',
      id_token_signed_response_alg: 'ES256',
    },
  ],
  scopes: ['openid', 'offline_access', 'dns:read', 'dns:write', 'logs:read'],
  cookies: { keys: ['bench-only-cookie-key-not-for-production-use'] },
  pkce: { required: () => true },
  rotateRefreshToken: true,
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  // gatehouse's tokens do not end with the login session either.
  expiresWithSession: async () => false,
  findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    Grant: 86400,
    IdToken: 600,
    Interaction: 600,
    RefreshToken: 86400,
    Session: 86400,
  },
  features: {
    devInteractions: { enabled: false },
  },
});

provider.use(async (ctx, next) => {
  if (ctx.method !== 'GET' || !ctx.path.startsWith('/interaction/')) {
    await next();
    return;
  }
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const clientId = details.params.client_id;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: ACCOUNT_ID, clientId });
  if (details.params.scope) grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, {
    login: { accountId: ACCOUNT_ID, remember: true },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(returnTo);
});

provider.on('server_error', (ctx, err) => {
  console.error('server_error', ctx.method, ctx.path, err);
});

const server = provider.listen(PORT, HOST, () => {
  console.log(`oidc-provider (flow) pid=${process.pid} listening on ${ISSUER}`);
});
server.keepAliveTimeout = 65_000;
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
