#ifndef CIBA_AGI_COPENSSL_SHIM_H
#define CIBA_AGI_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/rand.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/ssl.h>

/* Helpers for OpenSSL macros that Swift cannot import (function-like or composite macros).
   Header-only on purpose: the target stays a plain system library. */

/* EVP_PKEY_fromdata selection for a public key with its domain parameters. */
static inline int ciba_evp_pkey_public_key_selection(void) { return EVP_PKEY_PUBLIC_KEY; }

/* BIO_get_mem_data is a macro over BIO_ctrl. */
static inline long ciba_bio_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }

/* OSSL_PARAM_BLD keeps the *pointer* to a parameter name until OSSL_PARAM_BLD_to_param, so names
   must have static storage; a Swift String bridged to `const char *` only lives for one call. */
static inline const char *ciba_param_rsa_n(void) { return OSSL_PKEY_PARAM_RSA_N; }
static inline const char *ciba_param_rsa_e(void) { return OSSL_PKEY_PARAM_RSA_E; }
static inline const char *ciba_param_group_name(void) { return OSSL_PKEY_PARAM_GROUP_NAME; }
static inline const char *ciba_param_public_key(void) { return OSSL_PKEY_PARAM_PUB_KEY; }

/* EVP_PKEY_CTX_new_from_name may keep the key type name pointer in the context: static storage. */
static inline const char *ciba_key_type_rsa(void) { return "RSA"; }
static inline const char *ciba_key_type_ec(void) { return "EC"; }

/* TLS module: macros over SSL_CTX_ctrl / SSL_ctrl, and name pointers with static storage. */
static inline int ciba_ssl_ctx_set_min_tls12(SSL_CTX *ctx) { return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION); }
static inline int ciba_ssl_ctx_set_min_tls13(SSL_CTX *ctx) { return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION); }
static inline int ciba_ssl_ctx_set_max_tls12(SSL_CTX *ctx) { return (int)SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION); }
static inline uint64_t ciba_ssl_op_hardening(void) { return SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION; }
static inline int ciba_ssl_set_host_name(SSL *ssl, const char *name) { return (int)SSL_set_tlsext_host_name(ssl, name); }
static inline const char *ciba_curve_p256(void) { return "P-256"; }
static inline const char *ciba_digest_sha256(void) { return "SHA256"; }
static inline unsigned long ciba_name_flags_rfc2253(void) { return XN_FLAG_RFC2253; }
static inline int ciba_err_get_reason(unsigned long code) { return ERR_GET_REASON(code); }
static inline int ciba_err_get_lib(unsigned long code) { return ERR_GET_LIB(code); }

#endif
