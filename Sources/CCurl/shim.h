// libcurl (Debian: libcurl4-openssl-dev) for the CIBA client's HTTP transport.
// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are C-variadic, which Swift cannot
// call: the static inline wrappers below fix the argument type per option family (long,
// pointer, curl_off_t, callback). Header-only, like CSocketsLinux.
#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H

#include <curl/curl.h>

// Easy handle options.
static inline CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode ccurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode ccurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
// CURLOPT_WRITEFUNCTION / CURLOPT_HEADERFUNCTION.
typedef size_t (*ccurl_write_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode ccurl_easy_setopt_write_callback(CURL *handle, CURLoption option, ccurl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

// Easy handle information.
static inline CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode ccurl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode ccurl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    return curl_easy_getinfo(handle, info, value);
}

// Multi handle options.
static inline CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}
static inline CURLMcode ccurl_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value) {
    return curl_multi_setopt(multi, option, value);
}
// CURLMOPT_SOCKETFUNCTION: what curl wants to hear about `socket` (CURL_POLL_IN/OUT/INOUT/REMOVE).
typedef int (*ccurl_socket_callback)(CURL *easy, curl_socket_t socket, int what, void *context, void *socketContext);
static inline CURLMcode ccurl_multi_setopt_socket_callback(CURLM *multi, ccurl_socket_callback callback) {
    return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, callback);
}
// CURLMOPT_TIMERFUNCTION: call curl_multi_socket_action(CURL_SOCKET_TIMEOUT) after `timeoutMs` (-1: delete the timer).
typedef int (*ccurl_timer_callback)(CURLM *multi, long timeoutMs, void *context);
static inline CURLMcode ccurl_multi_setopt_timer_callback(CURLM *multi, ccurl_timer_callback callback) {
    return curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, callback);
}

// CURLMsg's `data` is a union; Swift sees it, but these keep the layout in C.
static inline CURLcode ccurl_message_result(const CURLMsg *message) { return message->data.result; }
static inline int ccurl_message_is_done(const CURLMsg *message) { return message->msg == CURLMSG_DONE; }

// Constants that are macros Swift does not import (casts or expressions).
static const curl_socket_t ccurl_socket_timeout = CURL_SOCKET_TIMEOUT;
static const long ccurl_pipe_multiplex = CURLPIPE_MULTIPLEX;
static const long ccurl_http_version_2tls = CURL_HTTP_VERSION_2TLS;
/* Whether this libcurl was built with HTTP/2 (nghttp2). */
static inline int ccurl_has_http2(void) { return (curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_HTTP2) != 0; }
static const long ccurl_http_version_1_1 = CURL_HTTP_VERSION_1_1;
static const long ccurl_sslversion_tls1_2 = CURL_SSLVERSION_TLSv1_2;
static const long ccurl_sslversion_tls1_3 = CURL_SSLVERSION_TLSv1_3;
static const long ccurl_proxy_http = CURLPROXY_HTTP;
static const long ccurl_proxy_https = CURLPROXY_HTTPS;
static const long ccurl_global_default = CURL_GLOBAL_DEFAULT;

#endif
