"""The authorization code flow through Debian's python3-authlib (OAuth2Session with PKCE S256),
with requests as the browser (requests.Session keeps the cookies; redirects followed by hand)
and the standard library's HTMLParser reading the built-in login and consent forms by the
names of DESIGN.md's form contract. The ID token is validated with authlib's own OpenID
Connect claims class (signature against the JWKS, iss, aud, exp, nonce, at_hash); then
/userinfo, refresh rotation and reuse detection.

Environment: GATEHOUSE_ISSUER, CLIENT_ID, CLIENT_SECRET (a confidential client with
authorization_code + refresh_token, redirect URI REDIRECT_URI), USERNAME, PASSWORD.
Exit 0 when every check passes; an AssertionError or any exception fails the test.
"""
import os
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlparse

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken


class Forms(HTMLParser):
    """Every <form> of a page: action, method, inputs (name, type, value, checked), buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._cur = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._cur = {"action": a.get("action", ""), "method": a.get("method", "get").upper(),
                         "inputs": [], "buttons": []}
            self.forms.append(self._cur)
        elif self._cur is not None and tag == "input":
            t = a.get("type", "text").lower()
            if t == "submit":
                self._cur["buttons"].append({"name": a.get("name"), "value": a.get("value", "")})
            elif a.get("name"):
                self._cur["inputs"].append({"name": a["name"], "type": t, "value": a.get("value", ""),
                                            "checked": "checked" in a})
        elif self._cur is not None and tag == "button":
            if a.get("type", "submit").lower() == "submit":
                self._cur["buttons"].append({"name": a.get("name"), "value": a.get("value", "")})

    def handle_endtag(self, tag):
        if tag == "form":
            self._cur = None


def forms_of(resp):
    p = Forms()
    p.feed(resp.text)
    for f in p.forms:
        f["action"] = urljoin(resp.url, f["action"])
    return p.forms


def is_redirect_to(url, redirect_uri):
    a, b = urlparse(url), urlparse(redirect_uri)
    return (a.scheme, a.netloc, a.path) == (b.scheme, b.netloc, b.path)


class Browser:
    """requests.Session as a browser: cookies kept, redirects followed by hand, forms posted."""

    def __init__(self, redirect_uri):
        self.s = requests.Session()
        self.redirect_uri = redirect_uri
        self.shown = []

    def follow(self, method, url, data=None, origin=None):
        headers = {"Origin": origin} if origin else {}
        r = self.s.request(method, url, data=data, headers=headers, allow_redirects=False, timeout=10)
        for _ in range(20):
            if r.status_code not in (301, 302, 303, 307, 308):
                return r, None
            loc = urljoin(r.url, r.headers["Location"])
            if is_redirect_to(loc, self.redirect_uri):
                return r, loc
            r = self.s.get(loc, allow_redirects=False, timeout=10)
        raise AssertionError("too many redirects")

    def submit(self, resp, form, values=None, checked=None, button=None):
        data = []
        values = values or {}
        for i in form["inputs"]:
            if i["type"] in ("checkbox", "radio"):
                on = checked(i) if checked else i["checked"]
                if on:
                    data.append((i["name"], i["value"] or "on"))
            elif i["name"] in values:
                data.append((i["name"], values[i["name"]]))
            else:
                data.append((i["name"], i["value"]))
        b = form["buttons"][0] if form["buttons"] else None
        if button is not None:
            b = next(x for x in form["buttons"] if x["name"] == button[0] and x["value"] == button[1])
        if b and b.get("name"):
            data.append((b["name"], b["value"]))
        o = urlparse(resp.url)
        return self.follow(form["method"], form["action"], data=data, origin=f"{o.scheme}://{o.netloc}")

    def authorize(self, url, username=None, password=None, grant=None):
        """Walks url through the pages; returns the redirect URL with the response. On the
        consent page the scopes in grant stay ticked (all if None) and "remember" is ticked."""
        r, loc = self.follow("GET", url)
        for _ in range(6):
            if loc:
                return loc
            forms = forms_of(r)
            login = next((f for f in forms if any(i["name"] == "password" for i in f["inputs"])), None)
            consent = next((f for f in forms if any(b["name"] == "decision" for b in f["buttons"])), None)
            if login:
                self.shown.append("login")
                assert username, "a login page was shown"
                r, loc = self.submit(r, login, values={"username": username, "password": password})
            elif consent:
                self.shown.append("consent")
                r, loc = self.submit(
                    r, consent,
                    checked=lambda i: (i["value"] in grant if grant is not None else i["checked"])
                    if i["name"] == "scope" else (True if i["name"] == "remember" else i["checked"]),
                    button=("decision", "allow"))
            else:
                raise AssertionError(f"unexpected page: HTTP {r.status_code} {r.url}\n{r.text[:1000]}")
        raise AssertionError("the flow did not end")


def main() -> int:
    issuer = os.environ["GATEHOUSE_ISSUER"]
    client_id = os.environ["CLIENT_ID"]
    client_secret = os.environ["CLIENT_SECRET"]
    redirect_uri = os.environ["REDIRECT_URI"]
    username = os.environ["USERNAME"]
    password = os.environ["PASSWORD"]

    md = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    assert md["issuer"] == issuer, md["issuer"]
    assert md.get("authorization_response_iss_parameter_supported") is True, md
    jwks = JsonWebKey.import_key_set(requests.get(md["jwks_uri"], timeout=10).json())

    scope = "openid email offline_access dns:read dns:write"
    oauth = OAuth2Session(client_id, client_secret, scope=scope, redirect_uri=redirect_uri,
                          code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")
    verifier = generate_token(48)
    nonce = generate_token(20)
    url, state = oauth.create_authorization_url(md["authorization_endpoint"], code_verifier=verifier,
                                                nonce=nonce)
    q = parse_qs(urlparse(url).query)
    assert q["code_challenge_method"] == ["S256"], q
    assert "code_challenge" in q, q

    browser = Browser(redirect_uri)
    # untick the sensitive dns:write on the consent page
    callback = browser.authorize(url, username, password, grant={"openid", "email", "offline_access", "dns:read"})
    assert browser.shown == ["login", "consent"], browser.shown
    cq = parse_qs(urlparse(callback).query)
    assert cq.get("state") == [state], cq
    assert cq.get("iss") == [issuer], f"iss missing or wrong (RFC 9207): {cq}"

    token = oauth.fetch_token(md["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    assert token["token_type"].lower() == "bearer", token
    granted = sorted(token["scope"].split())
    assert granted == sorted(["openid", "email", "offline_access", "dns:read"]), granted
    assert "refresh_token" in token, token

    claims = jwt.decode(token["id_token"], jwks, claims_cls=CodeIDToken,
                        claims_options={"iss": {"essential": True, "value": issuer}},
                        claims_params={"nonce": nonce, "client_id": client_id,
                                       "access_token": token["access_token"]})
    claims.validate()  # iss, aud, exp, iat, nonce, at_hash
    for c in ("sub", "auth_time", "sid"):
        assert c in claims, (c, dict(claims))

    info = oauth.get(md["userinfo_endpoint"]).json()
    assert info["sub"] == claims["sub"], info
    assert info.get("email") == f"{username}@example.test", info

    # a second authorization in the same browser: session and remembered consent skip both pages
    browser.shown = []
    oauth2 = OAuth2Session(client_id, client_secret, scope="openid dns:read", redirect_uri=redirect_uri,
                           code_challenge_method="S256")
    verifier2 = generate_token(48)
    url2, _ = oauth2.create_authorization_url(md["authorization_endpoint"], code_verifier=verifier2,
                                              nonce=generate_token(20))
    cb2 = browser.authorize(url2)
    assert browser.shown == [], browser.shown
    tok2 = oauth2.fetch_token(md["token_endpoint"], authorization_response=cb2, code_verifier=verifier2)
    assert tok2["scope"].split() and sorted(tok2["scope"].split()) == ["dns:read", "openid"], tok2

    # authlib asks for the session's scope on refresh: dns:write was unticked, so that is wider
    # than the grant and must be refused (RFC 6749 6)
    old_rt = token["refresh_token"]
    try:
        oauth.refresh_token(md["token_endpoint"], refresh_token=old_rt)
    except OAuthError as e:
        assert e.error == "invalid_scope", e
    else:
        raise AssertionError("a refresh widened the scope to what the user unticked")

    # refresh rotation, then reuse of the rotated token revokes the family
    new = oauth.refresh_token(md["token_endpoint"], refresh_token=old_rt, scope=token["scope"])
    assert sorted(new["scope"].split()) == granted, new
    assert new["refresh_token"] != old_rt, new
    try:
        oauth.refresh_token(md["token_endpoint"], refresh_token=old_rt, scope=token["scope"])
    except OAuthError as e:
        assert e.error == "invalid_grant", e
    else:
        raise AssertionError("a rotated refresh token was accepted again")
    try:
        oauth.refresh_token(md["token_endpoint"], refresh_token=new["refresh_token"], scope=token["scope"])
    except OAuthError as e:
        assert e.error == "invalid_grant", e
    else:
        raise AssertionError("the family survived the reuse of a rotated refresh token")

    print("authlib authorization code + PKCE S256 + ID token + userinfo + refresh rotation: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
