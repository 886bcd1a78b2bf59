"""client_credentials with client_secret_basic and introspection through Debian's
python3-authlib (an OAuth library independent of the server and of the node tests).

Environment: GATEHOUSE_ISSUER, CLIENT_ID, CLIENT_SECRET (a confidential client with
client_credentials and scope "dns:read logs:read"). Exit 0 when every check passes; an
AssertionError or any exception fails the test.
"""
import os
import sys

import requests
from authlib.integrations.requests_client import OAuth2Session


def main() -> int:
    issuer = os.environ["GATEHOUSE_ISSUER"]
    client_id = os.environ["CLIENT_ID"]
    client_secret = os.environ["CLIENT_SECRET"]

    md = requests.get(f"{issuer}/.well-known/oauth-authorization-server", timeout=10).json()
    assert md["issuer"] == issuer, md["issuer"]

    # client_secret_basic is authlib's default token_endpoint_auth_method
    session = OAuth2Session(client_id, client_secret, scope="dns:read",
                            token_endpoint_auth_method="client_secret_basic")
    token = session.fetch_token(md["token_endpoint"], grant_type="client_credentials")
    assert token["token_type"].lower() == "bearer", token
    assert token["scope"] == "dns:read", token
    assert token["expires_in"] > 0, token
    access = token["access_token"]

    resp = session.introspect_token(md["introspection_endpoint"], token=access,
                                    token_type_hint="access_token")
    assert resp.status_code == 200, (resp.status_code, resp.text)
    info = resp.json()
    assert info["active"] is True, info
    assert info["client_id"] == client_id, info
    assert info["scope"] == "dns:read", info

    resp = session.revoke_token(md["revocation_endpoint"], token=access)
    assert resp.status_code == 200, (resp.status_code, resp.text)
    info = session.introspect_token(md["introspection_endpoint"], token=access).json()
    assert info == {"active": False}, info

    # a wrong secret is refused with 401 invalid_client
    bad = OAuth2Session(client_id, client_secret + "x", token_endpoint_auth_method="client_secret_basic")
    try:
        bad.fetch_token(md["token_endpoint"], grant_type="client_credentials")
    except Exception as e:  # authlib raises OAuthError for an error response
        assert "invalid_client" in str(e), e
    else:
        raise AssertionError("a wrong client secret got a token")

    print("authlib client_credentials + introspection + revocation: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
