/*
 * jwk.c - JSON Web Keys on OpenSSL 3 EVP_PKEY: generation, import of public JWKs and key
 * sets, PKCS#8 export and import of private keys, the public JWK and its thumbprint.
 *
 * Supported keys: EC P-256 (ES256) and P-384 (ES384) (RFC 7518 6.2), RSA of 2048 to 8192 bits
 * (RS256, PS256; RFC 7518 6.3), OKP Ed25519 (EdDSA; RFC 8037 2). A key's algorithm is fixed
 * when the key is made and never taken from a token. Not done here: symmetric ("oct") keys,
 * private members of a JWK (never loaded: a JWK we parse is always a public key), X.509
 * members, encryption keys. Thumbprints follow RFC 7638 3.
 */
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <string.h>

#include "base/b64url.h"
#include "base/limits.h"
#include "base/mem.h"
#include "jose/jose_int.h"

/* ---- algorithm names ---- */

static const struct {
    gh_jose_alg alg;
    const char *name;
} alg_names[] = {
    {GH_ALG_ES256, "ES256"}, {GH_ALG_ES384, "ES384"}, {GH_ALG_RS256, "RS256"},
    {GH_ALG_PS256, "PS256"}, {GH_ALG_EDDSA, "EdDSA"},
};

gh_jose_alg gh_jose_alg_parse(const char *s)
{
    if (s == NULL)
        return GH_ALG_NONE;
    for (size_t i = 0; i < sizeof alg_names / sizeof alg_names[0]; i++) {
        /* SPEC: RFC7515 4.1.1 "alg" values are case-sensitive. */
        if (strcmp(s, alg_names[i].name) == 0)
            return alg_names[i].alg;
    }
    return GH_ALG_NONE;
}

const char *gh_jose_alg_name(gh_jose_alg alg)
{
    for (size_t i = 0; i < sizeof alg_names / sizeof alg_names[0]; i++) {
        if (alg_names[i].alg == alg)
            return alg_names[i].name;
    }
    return "none";
}

/* ---- small helpers ---- */

size_t gh_jose__json_quote(const char *s, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    out[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20) {
            out[o++] = '\\';
            out[o++] = 'u';
            out[o++] = '0';
            out[o++] = '0';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
    return o;
}

static char *b64_heap(const unsigned char *p, size_t n)
{
    char *s = gh_xmalloc(gh_b64url_enclen(n) + 1);
    gh_b64url_encode(p, n, s);
    return s;
}

static const char *ec_crv_for(gh_jose_alg alg)
{
    return alg == GH_ALG_ES256 ? "P-256" : alg == GH_ALG_ES384 ? "P-384" : NULL;
}

static size_t ec_coord_len(gh_jose_alg alg)
{
    return alg == GH_ALG_ES256 ? 32 : alg == GH_ALG_ES384 ? 48 : 0;
}

static const char *md_name_for(gh_jose_alg alg)
{
    switch (alg) {
    case GH_ALG_ES256:
    case GH_ALG_RS256:
    case GH_ALG_PS256:
        return "SHA256";
    case GH_ALG_ES384:
        return "SHA384";
    default:
        return NULL;
    }
}

static gh_jose_kty kty_for(gh_jose_alg alg)
{
    switch (alg) {
    case GH_ALG_ES256:
    case GH_ALG_ES384:
        return GH_KTY_EC;
    case GH_ALG_RS256:
    case GH_ALG_PS256:
        return GH_KTY_RSA;
    case GH_ALG_EDDSA:
        return GH_KTY_OKP;
    default:
        return 0;
    }
}

/* True if pkey is an EC key on the curve that alg needs. */
static bool ec_curve_fits(EVP_PKEY *pkey, gh_jose_alg alg)
{
    char name[64];
    size_t len = 0;
    if (!EVP_PKEY_is_a(pkey, "EC"))
        return false;
    if (EVP_PKEY_get_group_name(pkey, name, sizeof name, &len) != 1)
        return false;
    if (alg == GH_ALG_ES256)
        return strcmp(name, "prime256v1") == 0 || strcmp(name, "P-256") == 0;
    if (alg == GH_ALG_ES384)
        return strcmp(name, "secp384r1") == 0 || strcmp(name, "P-384") == 0;
    return false;
}

static void jwk_destroy(gh_jwk *k)
{
    EVP_MD_CTX_free(k->sign_tmpl);
    EVP_MD_CTX_free(k->verify_tmpl);
    gh_jose__presign_key_free(k->presign);
    EVP_PKEY_free(k->pkey);
    EVP_MD_free(k->md);
    free(k->kid);
    free(k->x);
    free(k->y);
    free(k->n);
    free(k->e);
    free(k->hdr_prefix);
    free(k);
}

/* Reads the public members of k->pkey into their base64url forms. */
static gh_err load_public_members(gh_jwk *k)
{
    gh_err err = GH_ECRYPTO;
    BIGNUM *b1 = NULL, *b2 = NULL;
    unsigned char buf[GH_JOSE_SIG_MAX];

    switch (k->kty) {
    case GH_KTY_EC:
        if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &b1) != 1 ||
            EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &b2) != 1)
            goto done;
        /* SPEC: RFC7518 6.2.1.2 x and y are the full coordinate length, zero-padded. */
        if (BN_bn2binpad(b1, buf, (int)k->coord_len) < 0)
            goto done;
        k->x = b64_heap(buf, k->coord_len);
        if (BN_bn2binpad(b2, buf, (int)k->coord_len) < 0)
            goto done;
        k->y = b64_heap(buf, k->coord_len);
        break;
    case GH_KTY_RSA: {
        if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_N, &b1) != 1 ||
            EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E, &b2) != 1)
            goto done;
        /* SPEC: RFC7518 6.3.1.1 n and e use the minimum number of octets. */
        int nl = BN_num_bytes(b1), el = BN_num_bytes(b2);
        if (nl <= 0 || el <= 0 || (size_t)nl > sizeof buf || (size_t)el > sizeof buf)
            goto done;
        BN_bn2bin(b1, buf);
        k->n = b64_heap(buf, (size_t)nl);
        BN_bn2bin(b2, buf);
        k->e = b64_heap(buf, (size_t)el);
        break;
    }
    case GH_KTY_OKP: {
        size_t len = sizeof buf;
        if (EVP_PKEY_get_raw_public_key(k->pkey, buf, &len) != 1 || len != 32)
            goto done;
        k->x = b64_heap(buf, len);
        break;
    }
    }
    err = GH_OK;
done:
    BN_free(b1);
    BN_free(b2);
    return err;
}

gh_err gh_jose__jwk_wrap(EVP_PKEY *pkey, gh_jose_alg alg, const char *kid, bool priv,
                         gh_jwk **out)
{
    gh_err err = GH_EINVAL;
    gh_jwk *k = NULL;
    const char *alg_name = gh_jose_alg_name(alg);
    *out = NULL;

    if (pkey == NULL)
        return GH_EINVAL;
    if (kid != NULL && (strlen(kid) > GH_JOSE_KID_MAX || !gh_str_utf8(kid, strlen(kid)))) {
        EVP_PKEY_free(pkey);
        return GH_EINVAL;
    }
    k = gh_xcalloc(1, sizeof *k);
    atomic_init(&k->refs, 1);
    k->pkey = pkey;
    k->alg = alg;
    k->kty = kty_for(alg);
    k->priv = priv;

    switch (k->kty) {
    case GH_KTY_EC:
        if (!ec_curve_fits(pkey, alg))
            goto done;
        k->crv = ec_crv_for(alg);
        k->coord_len = ec_coord_len(alg);
        k->sig_max = 2 * k->coord_len;
        break;
    case GH_KTY_RSA: {
        int bits = EVP_PKEY_get_bits(pkey);
        /* Our policy: RSA keys under 2048 bits are refused (RFC 7518 3.3 says 2048 or more). */
        if (!EVP_PKEY_is_a(pkey, "RSA") || bits < 2048 || bits > GH_JOSE_RSA_MAX_BITS)
            goto done;
        k->sig_max = (size_t)EVP_PKEY_get_size(pkey);
        break;
    }
    case GH_KTY_OKP:
        if (!EVP_PKEY_is_a(pkey, "ED25519"))
            goto done;
        k->crv = "Ed25519";
        k->sig_max = 64;
        break;
    default:
        goto done;
    }
    if (md_name_for(alg) != NULL) {
        k->md = EVP_MD_fetch(NULL, md_name_for(alg), NULL);
        if (k->md == NULL) {
            err = GH_ECRYPTO;
            goto done;
        }
    }
    err = load_public_members(k);
    if (err != GH_OK)
        goto done;
    err = gh_jose__templates(k);
    if (err != GH_OK)
        goto done;
    if (priv && alg == GH_ALG_ES256)
        k->presign = gh_jose__presign_key(k->pkey);

    /* The header prefix every token signed with this key starts with. */
    size_t cap = 32 + (kid ? 6 * strlen(kid) + 3 : 0);
    k->hdr_prefix = gh_xmalloc(cap);
    size_t o = (size_t)snprintf(k->hdr_prefix, cap, "{\"alg\":\"%s\"", alg_name);
    if (kid != NULL) {
        k->kid = gh_xstrdup(kid);
        memcpy(k->hdr_prefix + o, ",\"kid\":", 7);
        o += 7;
        o += gh_jose__json_quote(kid, k->hdr_prefix + o);
    }
    k->hdr_prefix_len = o;
    *out = k;
    k = NULL;
    err = GH_OK;
done:
    if (k != NULL)
        jwk_destroy(k);
    return err;
}

gh_jwk *gh_jwk_ref(gh_jwk *k)
{
    if (k != NULL)
        atomic_fetch_add_explicit(&k->refs, 1, memory_order_relaxed);
    return k;
}

void gh_jwk_free(gh_jwk *k)
{
    if (k == NULL)
        return;
    if (atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) == 1)
        jwk_destroy(k);
}

const char *gh_jwk_kid(const gh_jwk *k)
{
    return k->kid;
}

gh_jose_alg gh_jwk_alg(const gh_jwk *k)
{
    return k->alg;
}

bool gh_jwk_is_private(const gh_jwk *k)
{
    return k->priv;
}

/* ---- generation, PKCS#8 ---- */

gh_err gh_jwk_generate(gh_jose_alg alg, const char *kid, gh_jwk **out)
{
    EVP_PKEY *pkey = NULL;
    *out = NULL;
    switch (alg) {
    case GH_ALG_ES256:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        break;
    case GH_ALG_ES384:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
        break;
    case GH_ALG_RS256:
    case GH_ALG_PS256:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
        break;
    case GH_ALG_EDDSA:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        break;
    default:
        return GH_EINVAL;
    }
    if (pkey == NULL)
        return GH_ECRYPTO;
    return gh_jose__jwk_wrap(pkey, alg, kid, true, out);
}

gh_err gh_jwk_export_private(const gh_jwk *k, unsigned char **out, size_t *out_len)
{
    gh_err err = GH_ECRYPTO;
    OSSL_ENCODER_CTX *ectx = NULL;
    unsigned char *data = NULL;
    size_t len = 0;
    *out = NULL;
    *out_len = 0;

    if (!k->priv)
        return GH_EINVAL;
    ectx = OSSL_ENCODER_CTX_new_for_pkey(k->pkey, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo",
                                         NULL);
    if (ectx == NULL || OSSL_ENCODER_CTX_get_num_encoders(ectx) == 0)
        goto done;
    if (OSSL_ENCODER_to_data(ectx, &data, &len) != 1 || data == NULL || len == 0)
        goto done;
    /* Hand the caller memory from our allocator so that plain free() is right. */
    *out = gh_xmalloc(len);
    memcpy(*out, data, len);
    *out_len = len;
    err = GH_OK;
done:
    if (data != NULL)
        OPENSSL_clear_free(data, len);
    OSSL_ENCODER_CTX_free(ectx);
    return err;
}

gh_err gh_jwk_import_private(const unsigned char *der, size_t len, gh_jose_alg alg,
                             const char *kid, gh_jwk **out)
{
    gh_err err = GH_EINVAL;
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *cctx = NULL;
    OSSL_DECODER_CTX *dctx = NULL;
    const unsigned char *p = der;
    size_t left = len;
    *out = NULL;

    if (der == NULL || len == 0 || kty_for(alg) == 0)
        return GH_EINVAL;
    dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", "PrivateKeyInfo", NULL, EVP_PKEY_KEYPAIR,
                                         NULL, NULL);
    if (dctx == NULL) {
        err = GH_ECRYPTO;
        goto done;
    }
    if (OSSL_DECODER_from_data(dctx, &p, &left) != 1 || pkey == NULL || left != 0)
        goto done;
    /* A stored key is checked once on load: the private and public halves must match. RSA
     * keys are not: OpenSSL's RSA pairwise check runs primality tests on p and q (tens of
     * milliseconds at every start), and the one caller, keys.c, only imports keys it sealed
     * itself with AES-256-GCM, whose tag already proves them unaltered. */
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
        cctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        if (cctx == NULL) {
            err = GH_ECRYPTO;
            goto done;
        }
        int rc = EVP_PKEY_pairwise_check(cctx);
        if (rc != 1 && rc != -2)
            goto done;
    }
    err = gh_jose__jwk_wrap(pkey, alg, kid, true, out);
    pkey = NULL; /* stolen */
done:
    EVP_PKEY_CTX_free(cctx);
    EVP_PKEY_free(pkey);
    OSSL_DECODER_CTX_free(dctx);
    return err;
}

/* ---- public JWK import ---- */

/* Result of looking at one JWK: usable, malformed, or well-formed but of a kind we do not
 * support (a set skips the latter). */
typedef enum { JWK_OK, JWK_BAD, JWK_UNSUPPORTED } jwk_verdict;

/* Gets an optional string member: NULL if absent, false if present but not a string. */
static bool opt_str(const json_t *o, const char *key, const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (v == NULL)
        return true;
    if (!json_is_string(v))
        return false;
    *out = json_string_value(v);
    return true;
}

/* Decodes a required base64url member. */
static bool b64_member(gh_arena *a, const json_t *o, const char *key, unsigned char **out,
                       size_t *out_len)
{
    const char *s = NULL;
    if (!opt_str(o, key, &s) || s == NULL)
        return false;
    return gh_b64url_decode(a, s, json_string_length(json_object_get(o, key)), out, out_len) ==
           GH_OK;
}

static EVP_PKEY *fromdata(const char *type, OSSL_PARAM *params)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (ctx == NULL)
        return NULL;
    if (EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/* SPEC: RFC7518 6.2.1 EC public key: the point must be on the curve. */
static jwk_verdict ec_public(gh_arena *a, const json_t *jwk, gh_jose_alg alg, EVP_PKEY **out)
{
    unsigned char *x = NULL, *y = NULL;
    size_t xl = 0, yl = 0, cl = ec_coord_len(alg);
    unsigned char pt[1 + 2 * 48];
    EVP_PKEY_CTX *cctx = NULL;
    jwk_verdict v = JWK_BAD;

    if (!b64_member(a, jwk, "x", &x, &xl) || !b64_member(a, jwk, "y", &y, &yl))
        return JWK_BAD;
    if (xl != cl || yl != cl)
        return JWK_BAD;
    pt[0] = 0x04;
    memcpy(pt + 1, x, cl);
    memcpy(pt + 1 + cl, y, cl);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                         (char *)(alg == GH_ALG_ES256 ? "P-256" : "P-384"), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * cl),
        OSSL_PARAM_construct_end(),
    };
    *out = fromdata("EC", params);
    if (*out == NULL)
        return JWK_BAD;
    cctx = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
    if (cctx != NULL && EVP_PKEY_public_check(cctx) == 1)
        v = JWK_OK;
    EVP_PKEY_CTX_free(cctx);
    if (v != JWK_OK) {
        EVP_PKEY_free(*out);
        *out = NULL;
    }
    return v;
}

/* SPEC: RFC7518 6.3.1 RSA public key. */
static jwk_verdict rsa_public(gh_arena *a, const json_t *jwk, EVP_PKEY **out)
{
    unsigned char *n = NULL, *e = NULL;
    size_t nl = 0, el = 0;
    BIGNUM *bn = NULL, *be = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    jwk_verdict v = JWK_BAD;
    *out = NULL;

    if (!b64_member(a, jwk, "n", &n, &nl) || !b64_member(a, jwk, "e", &e, &el))
        return JWK_BAD;
    if (nl == 0 || el == 0 || el > 8)
        return JWK_BAD;
    if (nl > GH_JOSE_RSA_MAX_BITS / 8 + 1)
        return JWK_UNSUPPORTED;
    bn = BN_bin2bn(n, (int)nl, NULL);
    be = BN_bin2bn(e, (int)el, NULL);
    if (bn == NULL || be == NULL)
        goto done;
    if (BN_num_bits(bn) < 2048 || BN_num_bits(bn) > GH_JOSE_RSA_MAX_BITS) {
        v = JWK_UNSUPPORTED;
        goto done;
    }
    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1)
        goto done;
    params = OSSL_PARAM_BLD_to_param(bld);
    if (params == NULL)
        goto done;
    *out = fromdata("RSA", params);
    if (*out == NULL)
        goto done;
    EVP_PKEY_CTX *cctx = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
    if (cctx != NULL && EVP_PKEY_public_check(cctx) == 1)
        v = JWK_OK;
    EVP_PKEY_CTX_free(cctx);
    if (v != JWK_OK) {
        EVP_PKEY_free(*out);
        *out = NULL;
    }
done:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    return v;
}

/* SPEC: RFC8037 2 OKP public key: crv "Ed25519", x the 32-byte public key. */
static jwk_verdict okp_public(gh_arena *a, const json_t *jwk, EVP_PKEY **out)
{
    unsigned char *x = NULL;
    size_t xl = 0;
    *out = NULL;
    if (!b64_member(a, jwk, "x", &x, &xl) || xl != 32)
        return JWK_BAD;
    *out = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, x, xl);
    return *out != NULL ? JWK_OK : JWK_BAD;
}

/* True if "key_ops", when present, is an array of strings that allows "verify". */
static bool key_ops_allow_verify(const json_t *jwk)
{
    json_t *ops = json_object_get(jwk, "key_ops");
    size_t i;
    json_t *op;
    bool verify = false;
    if (ops == NULL)
        return true;
    if (!json_is_array(ops))
        return false;
    json_array_foreach(ops, i, op) {
        if (!json_is_string(op))
            return false;
        if (strcmp(json_string_value(op), "verify") == 0)
            verify = true;
    }
    return verify;
}

static jwk_verdict parse_public(const json_t *jwk, gh_jwk **out)
{
    const char *kty = NULL, *crv = NULL, *alg_s = NULL, *kid = NULL, *use = NULL;
    gh_jose_alg alg = GH_ALG_NONE, dflt = GH_ALG_NONE;
    EVP_PKEY *pkey = NULL;
    gh_arena *a = NULL;
    jwk_verdict v = JWK_BAD;
    *out = NULL;

    if (!json_is_object(jwk))
        return JWK_BAD;
    if (!opt_str(jwk, "kty", &kty) || kty == NULL || !opt_str(jwk, "crv", &crv) ||
        !opt_str(jwk, "alg", &alg_s) || !opt_str(jwk, "kid", &kid) || !opt_str(jwk, "use", &use))
        return JWK_BAD;
    /* SPEC: RFC7517 4.2 a key meant for encryption is not a signature key. */
    if (use != NULL && strcmp(use, "sig") != 0)
        return JWK_UNSUPPORTED;
    if (!key_ops_allow_verify(jwk))
        return JWK_BAD;
    if (kid != NULL && (json_string_length(json_object_get(jwk, "kid")) != strlen(kid) ||
                        strlen(kid) > GH_JOSE_KID_MAX))
        return JWK_BAD;

    if (strcmp(kty, "EC") == 0) {
        if (crv == NULL)
            return JWK_BAD;
        if (strcmp(crv, "P-256") == 0)
            dflt = GH_ALG_ES256;
        else if (strcmp(crv, "P-384") == 0)
            dflt = GH_ALG_ES384;
        else
            return JWK_UNSUPPORTED;
    } else if (strcmp(kty, "RSA") == 0) {
        dflt = GH_ALG_RS256;
    } else if (strcmp(kty, "OKP") == 0) {
        if (crv == NULL)
            return JWK_BAD;
        if (strcmp(crv, "Ed25519") != 0)
            return JWK_UNSUPPORTED;
        dflt = GH_ALG_EDDSA;
    } else {
        /* "oct" and anything else: never a public signature key for us. */
        return strcmp(kty, "oct") == 0 ? JWK_BAD : JWK_UNSUPPORTED;
    }
    alg = dflt;
    if (alg_s != NULL) {
        alg = gh_jose_alg_parse(alg_s);
        if (alg == GH_ALG_NONE)
            return JWK_UNSUPPORTED;
        /* SPEC: RFC7517 4.4 "alg" must fit the key: the only freedom is PS256 for RSA. */
        if (!(alg == dflt || (dflt == GH_ALG_RS256 && alg == GH_ALG_PS256)))
            return JWK_BAD;
    }

    a = gh_arena_new(0);
    switch (kty_for(alg)) {
    case GH_KTY_EC:
        v = ec_public(a, jwk, alg, &pkey);
        break;
    case GH_KTY_RSA:
        v = rsa_public(a, jwk, &pkey);
        break;
    case GH_KTY_OKP:
        v = okp_public(a, jwk, &pkey);
        break;
    }
    gh_arena_free(a);
    if (v != JWK_OK)
        return v;
    /* Private members ("d", "p", ...) are never read: the key is public only. */
    if (gh_jose__jwk_wrap(pkey, alg, kid, false, out) != GH_OK)
        return JWK_BAD;
    return JWK_OK;
}

gh_err gh_jwk_parse_public(const json_t *jwk, gh_jwk **out)
{
    jwk_verdict v = parse_public(jwk, out);
    return v == JWK_OK ? GH_OK : GH_EINVAL;
}

void gh_jwks_clear(gh_jwks *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        gh_jwk_free(s->keys[i]);
    free(s->keys);
    s->keys = NULL;
    s->n = 0;
}

gh_err gh_jwks_parse(const json_t *jwks, gh_jwks *out)
{
    json_t *keys = NULL, *item = NULL;
    size_t i;
    gh_err err = GH_EINVAL;
    out->keys = NULL;
    out->n = 0;

    if (!json_is_object(jwks))
        return GH_EINVAL;
    keys = json_object_get(jwks, "keys");
    /* SPEC: RFC7517 5.1 "keys" is required and is an array of JWKs. */
    if (!json_is_array(keys))
        return GH_EINVAL;
    if (json_array_size(keys) > GH_LIMIT_JWKS_KEYS)
        return GH_ETOOBIG;
    out->keys = gh_xcalloc(json_array_size(keys) + 1, sizeof *out->keys);
    json_array_foreach(keys, i, item) {
        gh_jwk *k = NULL;
        jwk_verdict v = parse_public(item, &k);
        if (v == JWK_BAD)
            goto done;
        /* SPEC: RFC7517 5 keys of a kind we do not understand are ignored. */
        if (v == JWK_OK)
            out->keys[out->n++] = k;
    }
    err = out->n > 0 ? GH_OK : GH_EINVAL;
done:
    if (err != GH_OK)
        gh_jwks_clear(out);
    return err;
}

/* ---- export ---- */

json_t *gh_jwk_public_json(const gh_jwk *k)
{
    json_t *o = json_object();
    switch (k->kty) {
    case GH_KTY_EC:
        json_object_set_new(o, "kty", json_string("EC"));
        json_object_set_new(o, "crv", json_string(k->crv));
        json_object_set_new(o, "x", json_string(k->x));
        json_object_set_new(o, "y", json_string(k->y));
        break;
    case GH_KTY_RSA:
        json_object_set_new(o, "kty", json_string("RSA"));
        json_object_set_new(o, "n", json_string(k->n));
        json_object_set_new(o, "e", json_string(k->e));
        break;
    case GH_KTY_OKP:
        json_object_set_new(o, "kty", json_string("OKP"));
        json_object_set_new(o, "crv", json_string(k->crv));
        json_object_set_new(o, "x", json_string(k->x));
        break;
    }
    if (k->kid != NULL)
        json_object_set_new(o, "kid", json_string(k->kid));
    json_object_set_new(o, "alg", json_string(gh_jose_alg_name(k->alg)));
    json_object_set_new(o, "use", json_string("sig"));
    return o;
}

char *gh_jwk_thumbprint(gh_arena *a, const gh_jwk *k)
{
    /* SPEC: RFC7638 3.2 the required members only, in lexicographic order, no whitespace. */
    char *canon = NULL;
    switch (k->kty) {
    case GH_KTY_EC:
        canon = gh_arena_printf(a, "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
                                k->crv, k->x, k->y);
        break;
    case GH_KTY_RSA:
        canon = gh_arena_printf(a, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", k->e, k->n);
        break;
    case GH_KTY_OKP:
        canon = gh_arena_printf(a, "{\"crv\":\"%s\",\"kty\":\"OKP\",\"x\":\"%s\"}", k->crv, k->x);
        break;
    }
    if (canon == NULL)
        return NULL;
    return gh_sha256_b64url(a, canon, strlen(canon));
}
