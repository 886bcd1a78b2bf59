// Helpers for the black-box tests of the Hydra-compatible login, consent and logout API: Ory's
// published SDK (@ory/client's OAuth2Api, pinned in package-lock.json) pointed at gatehouse's
// admin listener with the admin key as its bearer accessToken, exactly as an operator's login
// app would configure it; authorization requests walked by the cookie-jar user agent up to the
// login/consent/logout app's URL (never fetched when the test itself plays the app) or the
// client's redirect URI; and the example app of examples/login-consent started as a child
// process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { Configuration, OAuth2Api } from '@ory/client';

import { isRedirectTo } from './agent.mjs';
import { ALL_SCOPES, REDIRECT, client } from './oidc.mjs';
import { E2E_DIR, freePort } from './server.mjs';

export const EXAMPLE_DIR = path.resolve(E2E_DIR, '..', '..', 'examples', 'login-consent');

/** The SDK's OAuth2Api on srv's admin listener (basePath = admin URL, accessToken = key). */
export function hydraAdmin(srv, { key = srv.adminKey } = {}) {
  return new OAuth2Api(new Configuration({ basePath: srv.admin, accessToken: key ?? undefined }));
}

/** Resolves with { status, data } of a rejected SDK call (an axios error); fails the test if
 *  the call succeeded. */
export async function sdkFailure(promise) {
  let r;
  try {
    r = await promise;
  } catch (e) {
    if (e?.response && typeof e.response.status === 'number') return { status: e.response.status, data: e.response.data, headers: e.response.headers };
    throw e;
  }
  assert.fail(`the admin call succeeded (HTTP ${r.status}: ${JSON.stringify(r.data)}), an error was expected`);
  return undefined;
}

/** The urls.* environment for a gatehouse whose login app lives at appBase. */
export function urlsEnv(appBase) {
  return {
    GATEHOUSE_URLS_LOGIN: `${appBase}/login`,
    GATEHOUSE_URLS_CONSENT: `${appBase}/consent`,
    GATEHOUSE_URLS_LOGOUT: `${appBase}/logout`,
    GATEHOUSE_URLS_ERROR: `${appBase}/error`,
  };
}

/** True if url is on the app's origin and path (any query). */
export function isAppUrl(url, appBase, p) {
  try {
    const u = new URL(url);
    const b = new URL(appBase);
    return u.origin === b.origin && u.pathname === p;
  } catch {
    return false;
  }
}

/**
 * Follows url with ua until the browser would reach the app (appBase: not fetched) or the
 * client's redirect URI (not fetched), or a page that is neither. Resolves with
 *   { at: 'login' | 'consent' | 'logout' | 'error' | 'redirect' | 'page', url (URL when
 *     stopped), challenge (for login/consent/logout), params (URLSearchParams at the redirect
 *     URI), page (the last response) }.
 */
export async function walk(ua, url, { appBase, redirectUri = REDIRECT, postLogout } = {}) {
  const stop = (u) => (appBase !== undefined && new URL(u).origin === new URL(appBase).origin)
    || isRedirectTo(u, redirectUri) || (postLogout !== undefined && isRedirectTo(u, postLogout));
  // an answer may send the browser straight to the client (a reject): the browser hands that
  // URL to the app without a request to the authorization server
  const r = stop(url) ? { stopped: new URL(url), page: undefined, hops: [] } : await ua.follow(url, {}, { stop });
  const out = { page: r.page, hops: r.hops };
  if (!r.stopped) { out.at = 'page'; return out; }
  out.url = r.stopped;
  if (isRedirectTo(r.stopped.href, redirectUri)) {
    out.at = 'redirect';
    out.params = r.stopped.searchParams;
    return out;
  }
  if (postLogout !== undefined && isRedirectTo(r.stopped.href, postLogout)) {
    out.at = 'post_logout';
    out.params = r.stopped.searchParams;
    return out;
  }
  for (const kind of ['login', 'consent', 'logout', 'error']) {
    if (isAppUrl(r.stopped.href, appBase, `/${kind}`)) {
      out.at = kind;
      out.challenge = r.stopped.searchParams.get(`${kind}_challenge`) ?? undefined;
      return out;
    }
  }
  out.at = 'app';
  return out;
}

/**
 * Starts an authorization request for openid-client's config (PKCE S256, state, nonce) and
 * walks it with ua (see walk). Resolves with walk's result plus { verifier, state, nonce,
 * authUrl, redirectUri }.
 */
export async function beginAuthorization(config, ua, { appBase, scope = ALL_SCOPES, params = {}, redirectUri = REDIRECT } = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope, code_challenge: challenge, code_challenge_method: 'S256', state, nonce, ...params,
  });
  const w = await walk(ua, authUrl.href, { appBase, redirectUri });
  return { ...w, verifier, state, nonce, authUrl, redirectUri };
}

/** Describes where a walk ended, for assertion messages. */
export function where(w) {
  return `walk ended at ${w.at} (${w.url?.href ?? w.page?.url}) HTTP ${w.page?.status}: ${w.page?.text?.slice(0, 800) ?? ''}`;
}

/**
 * Starts examples/login-consent (node server.mjs) on a free port with the given environment
 * (GATEHOUSE_ADMIN_URL and GATEHOUSE_ADMIN_KEY are set by the caller, who may not have them
 * yet: pass port from exampleBase()). Resolves once it prints its listening line.
 */
export async function startExample({ port, env = {}, log = () => {}, timeoutMs = 15000 }) {
  if (!existsSync(path.join(EXAMPLE_DIR, 'node_modules', '@ory', 'client'))) {
    throw new Error(`${EXAMPLE_DIR}/node_modules is missing: run "npm ci" there (tests/e2e/run.sh does)`);
  }
  const child = spawn(process.execPath, ['server.mjs'], {
    cwd: EXAMPLE_DIR,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`example app not listening after ${timeoutMs} ms: ${out}`)), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      log(d);
      if (/listening on http:\/\//.test(out)) { clearTimeout(timer); resolve(); }
    });
    child.stderr.setEncoding('utf8').on('data', (d) => { out += d; log(d); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`example app exited (${code}): ${out}`)); });
  });
  process.on('exit', () => { try { child.kill('SIGKILL'); } catch { /* gone */ } });
  await ready;
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    output: () => out,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** A free port and the base URL an app on it will have. */
export async function appAddress() {
  const port = await freePort();
  return { port, base: `http://127.0.0.1:${port}` };
}
