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

#endif
