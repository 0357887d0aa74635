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

#endif
