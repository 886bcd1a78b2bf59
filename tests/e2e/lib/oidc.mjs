// The authorization code flow through openid-client (panva, v6), an independent certified
// relying-party library: discovery, an authorization URL with PKCE S256, state and nonce, the
// walk through the built-in pages by the cookie-jar user agent (lib/agent.mjs), and the code
// exchange with openid-client's own checks (state, iss per RFC 9207, ID token signature via the
// JWKS, iss, aud, nonce, alg as the client registered it).
import assert from 'node:assert/strict';
import * as client from 'openid-client';

import { authorize } from './agent.mjs';

export { client };

/** The demo clients' redirect URIs (never fetched by the user agent: the walk stops there). */
export const REDIRECT = 'https://app.example.test/callback';
export const POST_LOGOUT = 'https://app.example.test/signed-out';

/** Everything the demo catalog has but settings:write. */
export const ALL_SCOPES = 'openid profile email offline_access dns:read dns:write logs:read';

/** Client metadata for a confidential web client of the authorization code flow. */
export function webClient(extra = {}) {
  return {
    client_name: 'Zone Editor',
    client_uri: 'https://app.example.test/',
    redirect_uris: [REDIRECT],
    post_logout_redirect_uris: [POST_LOGOUT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: ALL_SCOPES,
    token_endpoint_auth_method: 'client_secret_basic',
    ...extra,
  };
}

/** openid-client's Configuration for a client printed by `clients create`. */
export async function oidcConfig(srv, c) {
  const metadata = { client_secret: c.client_secret };
  if (c.id_token_signed_response_alg) metadata.id_token_signed_response_alg = c.id_token_signed_response_alg;
  const auth = c.token_endpoint_auth_method === 'none' ? client.None() : client.ClientSecretBasic(c.client_secret);
  return client.discovery(new URL(srv.issuer), c.client_id, metadata, auth, { execute: [client.allowInsecureRequests] });
}

/**
 * Builds an authorization URL (PKCE S256, state, nonce, plus params) and walks it with ua.
 * opts go to agent.authorize (user, grant, decision, remember). Resolves with authorize's result
 * plus { verifier, state, nonce, url }.
 */
export async function startFlow(config, ua, { scope = ALL_SCOPES, params = {}, redirectUri = REDIRECT, ...opts } = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope, code_challenge: challenge, code_challenge_method: 'S256', state, nonce, ...params,
  });
  const res = await authorize(ua, url.href, { redirectUri, ...opts });
  return { ...res, verifier, state, nonce, url, redirectUri };
}

/** The current URL (query) or Request (form_post) openid-client reads the response from. */
export function callbackOf(res) {
  if (res.via === 'form_post') {
    return new Request(res.redirectUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: res.params.toString(),
    });
  }
  return res.redirect;
}

/** Asserts the walk reached the redirect URI with a code, our state and the issuer. */
export function assertCode(res, srv) {
  assert.ok(res.params, `the flow stopped on a page (shown ${JSON.stringify(res.shown)}): HTTP ${res.last?.status} ${res.last?.url}\n${res.last?.text?.slice(0, 2000)}`);
  assert.equal(res.params.get('error'), null, `authorization error: ${res.params}`);
  assert.ok(res.params.get('code'), `no code in ${res.params}`);
  assert.equal(res.params.get('state'), res.state, 'state not returned unchanged');
  // SPEC: RFC9207 2 - iss in every authorization response
  assert.equal(res.params.get('iss'), srv.issuer, 'iss missing or wrong (RFC 9207)');
}

/** Asserts the walk reached the redirect URI with an error, our state and the issuer. */
export function assertAuthzError(res, srv, error) {
  assert.ok(res.params, `expected a redirect with error=${error}, the flow stopped on a page (shown ${JSON.stringify(res.shown)}): HTTP ${res.last?.status} ${res.last?.url}\n${res.last?.text?.slice(0, 1500)}`);
  assert.equal(res.params.get('error'), error, `authorization response: ${res.params}`);
  assert.equal(res.params.get('code'), null, 'a code next to an error');
  assert.equal(res.params.get('state'), res.state, 'state not returned with the error');
  // SPEC: RFC9207 2 - iss also in error responses
  assert.equal(res.params.get('iss'), srv.issuer, 'iss missing in the error response');
}

/** The code exchange through openid-client (every check it makes, ID token included). */
export function exchange(config, res, { idTokenExpected = true, verifier = res.verifier } = {}) {
  return client.authorizationCodeGrant(config, callbackOf(res), {
    pkceCodeVerifier: verifier,
    expectedState: res.state,
    // with a nonce openid-client processes an OpenID response, which must hold an ID token
    ...(idTokenExpected ? { expectedNonce: res.nonce } : {}),
    idTokenExpected,
  });
}

/** Sorted scope list of a space-separated scope string. */
export function scopes(s) { return (s ?? '').split(' ').filter(Boolean).sort(); }

/** Resolves with the OAuth error code a rejected promise carries (openid-client errors). */
export async function oauthError(promise) {
  try {
    await promise;
  } catch (e) {
    if (e && typeof e.error === 'string') return e.error;
    if (e?.cause && typeof e.cause.error === 'string') return e.cause.error;
    throw e;
  }
  assert.fail('the request succeeded, an OAuth error was expected');
  return undefined;
}
