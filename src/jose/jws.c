/*
 * jws.c - JWS compact serialization (RFC 7515 3.1, 7.1): signing, parsing, verifying.
 *
 * Algorithms: ES256, ES384 (RFC 7518 3.4, the signature is the raw R||S, never DER), RS256
 * (RFC 7518 3.3), PS256 (RFC 7518 3.5, salt as long as the hash) and EdDSA with Ed25519
 * (RFC 8037 3.1). The verifier's algorithm is the key's: the header's "alg" must equal it,
 * so "none", HMAC and algorithm confusion are impossible by construction. Tokens carrying
 * "crit" are refused, since we understand no extension (RFC 7515 4.1.11). Not done here:
 * the JSON serializations, unencoded payloads (RFC 7797), JWE, and JWT claim checks.
 *
 * gh_jws_sign is on the token endpoint's hot path: the header prefix comes ready-made from
 * the key, the claims are written by json/'s direct writer (not json_dumps), the output is
 * sized once in the arena, and the signing input is signed in place. gh_jws_sign_payload
 * skips the claims object altogether for callers that write the payload text themselves.
 */
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdint.h>
#include <string.h>

#include "base/b64url.h"
#include "base/limits.h"
#include "jose/jose_int.h"
#include "json/json.h"

/* ---- raw signatures ---- */

/* Converts a DER ECDSA-Sig-Value to R||S, each coord bytes long (RFC 7518 3.4). */
static gh_err ecdsa_der_to_raw(const unsigned char *der, size_t derlen, size_t coord,
                               unsigned char *raw)
{
    const unsigned char *p = der;
    const BIGNUM *r = NULL, *s = NULL;
    gh_err err = GH_ECRYPTO;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
    if (sig == NULL)
        return GH_ECRYPTO;
    ECDSA_SIG_get0(sig, &r, &s);
    if (BN_bn2binpad(r, raw, (int)coord) < 0 || BN_bn2binpad(s, raw + coord, (int)coord) < 0)
        goto done;
    err = GH_OK;
done:
    ECDSA_SIG_free(sig);
    return err;
}

/* Converts R||S to DER; *der is OpenSSL memory (OPENSSL_free). */
static gh_err ecdsa_raw_to_der(const unsigned char *raw, size_t coord, unsigned char **der,
                               size_t *derlen)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)coord, NULL);
    BIGNUM *s = BN_bin2bn(raw + coord, (int)coord, NULL);
    gh_err err = GH_ECRYPTO;
    *der = NULL;
    if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1)
        goto done;
    r = s = NULL; /* owned by sig now */
    int len = i2d_ECDSA_SIG(sig, der);
    if (len <= 0)
        goto done;
    *derlen = (size_t)len;
    err = GH_OK;
done:
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return err;
}

/* SPEC: RFC7518 3.5 PS256: MGF1 with SHA-256 and a salt as long as the hash. */
static bool setup_pss(const gh_jwk *k, EVP_PKEY_CTX *pctx)
{
    if (k->alg != GH_ALG_PS256)
        return true;
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, k->md) == 1;
}

gh_err gh_jose__templates(gh_jwk *k)
{
    EVP_PKEY_CTX *pctx = NULL;
    gh_err err = GH_ECRYPTO;
    k->verify_tmpl = EVP_MD_CTX_new();
    if (k->verify_tmpl == NULL)
        goto done;
    if (EVP_DigestVerifyInit(k->verify_tmpl, &pctx, k->md, NULL, k->pkey) != 1 ||
        !setup_pss(k, pctx))
        goto done;
    if (k->priv) {
        k->sign_tmpl = EVP_MD_CTX_new();
        if (k->sign_tmpl == NULL)
            goto done;
        if (EVP_DigestSignInit(k->sign_tmpl, &pctx, k->md, NULL, k->pkey) != 1 ||
            !setup_pss(k, pctx))
            goto done;
    }
    err = GH_OK;
done:
    if (err != GH_OK)
        ERR_clear_error();
    return err;
}

gh_err gh_jose__sign_raw(const gh_jwk *k, const void *in, size_t n, unsigned char *sig,
                         size_t *sig_len)
{
    gh_err err = GH_ECRYPTO;
    EVP_MD_CTX *mctx = NULL;
    unsigned char der[GH_JOSE_SIG_MAX + 16];
    size_t dlen = sizeof der;
    *sig_len = 0;

    if (!k->priv || k->sign_tmpl == NULL)
        return GH_EINVAL;
    if (k->presign != NULL && gh_jose__presign_sign(k, in, n, sig)) {
        *sig_len = 2 * k->coord_len;
        return GH_OK;
    }
    mctx = EVP_MD_CTX_new();
    if (mctx == NULL || EVP_MD_CTX_copy_ex(mctx, k->sign_tmpl) != 1)
        goto done;
    /* The copy is used once: let the final step finalise it in place. Without the flag,
     * OpenSSL 3 duplicates the whole signing context (EVP_PKEY_CTX_dup, the provider's
     * context and its digest) inside EVP_DigestSignFinal to keep this one reusable. */
    EVP_MD_CTX_set_flags(mctx, EVP_MD_CTX_FLAG_FINALISE);
    if (k->kty == GH_KTY_EC) {
        if (EVP_DigestSign(mctx, der, &dlen, in, n) != 1)
            goto done;
        err = ecdsa_der_to_raw(der, dlen, k->coord_len, sig);
        if (err == GH_OK)
            *sig_len = 2 * k->coord_len;
        goto done;
    }
    dlen = k->sig_max;
    if (EVP_DigestSign(mctx, sig, &dlen, in, n) != 1)
        goto done;
    *sig_len = dlen;
    err = GH_OK;
done:
    if (err != GH_OK)
        ERR_clear_error();
    OPENSSL_cleanse(der, sizeof der);
    EVP_MD_CTX_free(mctx);
    return err;
}

gh_err gh_jose__verify_raw(const gh_jwk *k, const void *in, size_t n, const unsigned char *sig,
                           size_t sig_len)
{
    gh_err err = GH_ECRYPTO;
    EVP_MD_CTX *mctx = NULL;
    unsigned char *der = NULL;
    size_t dlen = 0;

    if (k->kty == GH_KTY_EC) {
        /* SPEC: RFC7518 3.4 the signature is exactly R||S, each the coordinate length. */
        if (sig_len != 2 * k->coord_len)
            return GH_ECRYPTO;
        if (ecdsa_raw_to_der(sig, k->coord_len, &der, &dlen) != GH_OK)
            return GH_ECRYPTO;
        sig = der;
        sig_len = dlen;
    } else if (sig_len != k->sig_max) {
        /* RSA signatures are as long as the modulus (RFC 8017 8.2.2); Ed25519 ones 64 bytes. */
        return GH_ECRYPTO;
    }
    mctx = EVP_MD_CTX_new();
    if (mctx == NULL || EVP_MD_CTX_copy_ex(mctx, k->verify_tmpl) != 1)
        goto done;
    /* As in gh_jose__sign_raw: a one-use copy, finalised in place. */
    EVP_MD_CTX_set_flags(mctx, EVP_MD_CTX_FLAG_FINALISE);
    if (EVP_DigestVerify(mctx, sig, sig_len, in, n) == 1)
        err = GH_OK;
done:
    /* A failed verification leaves reasons on the error queue; they are not ours to keep. */
    ERR_clear_error();
    EVP_MD_CTX_free(mctx);
    OPENSSL_free(der);
    return err;
}

/* ---- signing ---- */

/* Header members that gh_jws_sign sets itself, or that we refuse to emit. */
static bool reserved_header_member(const char *key)
{
    return strcmp(key, "alg") == 0 || strcmp(key, "kid") == 0 || strcmp(key, "typ") == 0 ||
           strcmp(key, "crit") == 0;
}

gh_err gh_jws_sign_payload(gh_arena *a, const gh_jwk *k, const char *typ,
                           const json_t *extra_header, const char *payload, size_t plen, char **out)
{
    size_t hlen = 0, extra_len = 0;
    char *hdr = NULL;
    *out = NULL;

    if (!k->priv || payload == NULL || plen < 2 || payload[0] != '{' || payload[plen - 1] != '}')
        return GH_EINVAL;
    if (extra_header != NULL) {
        const char *key;
        json_t *v;
        if (!json_is_object(extra_header))
            return GH_EINVAL;
        json_object_foreach((json_t *)extra_header, key, v)
        {
            if (reserved_header_member(key))
                return GH_EINVAL;
        }
        if (json_object_size(extra_header) > 0) {
            extra_len = json_dumpb(extra_header, NULL, 0, JSON_COMPACT);
            if (extra_len < 2)
                return GH_EINTERNAL;
        }
    }

    /* The header: the key's prefix, then typ, then the caller's members. */
    size_t typ_cap = typ != NULL ? 6 * strlen(typ) + 3 + 8 : 0;
    hdr = gh_arena_alloc(a, k->hdr_prefix_len + typ_cap + extra_len + 2);
    memcpy(hdr, k->hdr_prefix, k->hdr_prefix_len);
    hlen = k->hdr_prefix_len;
    if (typ != NULL) {
        memcpy(hdr + hlen, ",\"typ\":", 7);
        hlen += 7;
        hlen += gh_jose__json_quote(typ, hdr + hlen);
    }
    if (extra_len > 0) {
        /* '{"a":1}' becomes ',"a":1}', which closes the header too. */
        if (json_dumpb(extra_header, hdr + hlen, extra_len, JSON_COMPACT) != extra_len)
            return GH_EINTERNAL;
        hdr[hlen] = ',';
        hlen += extra_len;
    } else {
        hdr[hlen++] = '}';
    }

    size_t h64 = gh_b64url_enclen(hlen), p64 = gh_b64url_enclen(plen);
    size_t s64 = gh_b64url_enclen(k->sig_max);
    char *tok = gh_arena_alloc(a, h64 + 1 + p64 + 1 + s64 + 1);
    gh_b64url_encode((const unsigned char *)hdr, hlen, tok);
    tok[h64] = '.';
    gh_b64url_encode((const unsigned char *)payload, plen, tok + h64 + 1);
    tok[h64 + 1 + p64] = '.';

    /* SPEC: RFC7515 5.1 the signing input is ASCII(BASE64URL(header) '.' BASE64URL(payload)). */
    unsigned char sig[GH_JOSE_SIG_MAX];
    size_t slen = 0;
    gh_err err = gh_jose__sign_raw(k, tok, h64 + 1 + p64, sig, &slen);
    if (err != GH_OK)
        return err;
    gh_b64url_encode(sig, slen, tok + h64 + 1 + p64 + 1);
    *out = tok;
    return GH_OK;
}

gh_err gh_jws_sign(gh_arena *a, const gh_jwk *k, const char *typ, const json_t *extra_header,
                   const json_t *claims, char **out)
{
    gh_buf b;
    gh_err err;
    *out = NULL;

    if (!k->priv || !json_is_object(claims))
        return GH_EINVAL;
    gh_buf_init(&b, SIZE_MAX - 1);
    err = gh_json_write(&b, claims, false);
    if (err == GH_OK)
        err = gh_jws_sign_payload(a, k, typ, extra_header, gh_buf_str(&b), b.len, out);
    else
        err = GH_EINTERNAL;
    gh_buf_clear(&b);
    return err;
}

/* ---- parsing and verifying ---- */

/* The three parts of a compact JWS, decoded, and its header checked. */
typedef struct jws_parts {
    json_t *header;           /* new reference */
    gh_jose_alg alg;
    const unsigned char *payload;
    size_t payload_len;
    const unsigned char *sig;
    size_t sig_len;
    size_t signing_input_len; /* bytes of compact before the second '.' */
} jws_parts;

static gh_err split_and_check(gh_arena *a, const char *compact, jws_parts *p)
{
    gh_err err;
    const char *d1, *d2;
    unsigned char *h = NULL, *pl = NULL, *s = NULL;
    size_t hl = 0, pll = 0, sl = 0, len;
    json_t *hdr = NULL, *v;
    memset(p, 0, sizeof *p);

    if (compact == NULL)
        return GH_EINVAL;
    len = strnlen(compact, GH_LIMIT_JWS + 1);
    if (len > GH_LIMIT_JWS)
        return GH_ETOOBIG;
    /* SPEC: RFC7515 7.2 (compact): exactly three parts separated by two periods. */
    d1 = memchr(compact, '.', len);
    if (d1 == NULL)
        return GH_EINVAL;
    d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - compact));
    if (d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - compact)) != NULL)
        return GH_EINVAL;
    if (d1 == compact)
        return GH_EINVAL;
    if (gh_b64url_decode(a, compact, (size_t)(d1 - compact), &h, &hl) != GH_OK ||
        gh_b64url_decode(a, d1 + 1, (size_t)(d2 - d1 - 1), &pl, &pll) != GH_OK ||
        gh_b64url_decode(a, d2 + 1, len - (size_t)(d2 + 1 - compact), &s, &sl) != GH_OK)
        return GH_EINVAL;

    /* SPEC: RFC7515 5.2 step 3-4: the header is a JSON object; duplicate names are refused. */
    err = gh_json_parse_object((const char *)h, hl, GH_LIMIT_JWS, &hdr, NULL, 0);
    if (err != GH_OK)
        return err == GH_ETOOBIG ? GH_ETOOBIG : GH_EINVAL;
    err = GH_EINVAL;
    v = json_object_get(hdr, "alg");
    if (!json_is_string(v))
        goto done;
    /* Unsupported algorithms, "none" and HMAC among them, end here. */
    p->alg = gh_jose_alg_parse(json_string_value(v));
    if (p->alg == GH_ALG_NONE)
        goto done;
    /* SPEC: RFC7515 4.1.11 we understand no extension, so any "crit" is refused. */
    if (json_object_get(hdr, "crit") != NULL)
        goto done;
    v = json_object_get(hdr, "kid");
    if (v != NULL && !json_is_string(v))
        goto done;
    v = json_object_get(hdr, "typ");
    if (v != NULL && !json_is_string(v))
        goto done;
    p->header = hdr;
    hdr = NULL;
    p->payload = pl;
    p->payload_len = pll;
    p->sig = s;
    p->sig_len = sl;
    p->signing_input_len = (size_t)(d2 - compact);
    err = GH_OK;
done:
    json_decref(hdr);
    return err;
}

gh_err gh_jws_parse(gh_arena *a, const char *compact, gh_jws *out)
{
    jws_parts p;
    json_t *payload = NULL;
    gh_err err;
    memset(out, 0, sizeof *out);

    err = split_and_check(a, compact, &p);
    if (err != GH_OK)
        return err;
    err = gh_json_parse_object((const char *)p.payload, p.payload_len, GH_LIMIT_JWS, &payload,
                               NULL, 0);
    if (err != GH_OK) {
        json_decref(p.header);
        return err == GH_ETOOBIG ? GH_ETOOBIG : GH_EINVAL;
    }
    out->header = p.header;
    out->payload = payload;
    out->alg = p.alg;
    out->kid = json_string_value(json_object_get(p.header, "kid"));
    return GH_OK;
}

gh_err gh_jws_verify(gh_arena *a, const char *compact, const gh_jwk *k,
                     const gh_jose_alg *allowed)
{
    jws_parts p;
    gh_err err = split_and_check(a, compact, &p);
    if (err != GH_OK)
        return err;
    json_decref(p.header);
    /* SPEC: RFC8725 3.1 the algorithm comes from the key, never from the token alone. */
    if (p.alg != k->alg)
        return GH_EINVAL;
    if (allowed != NULL) {
        bool ok = false;
        for (const gh_jose_alg *x = allowed; *x != GH_ALG_NONE; x++)
            ok = ok || *x == p.alg;
        if (!ok)
            return GH_EINVAL;
    }
    return gh_jose__verify_raw(k, compact, p.signing_input_len, p.sig, p.sig_len);
}

void gh_jws_clear(gh_jws *j)
{
    if (j == NULL)
        return;
    json_decref(j->header);
    json_decref(j->payload);
    memset(j, 0, sizeof *j);
}
