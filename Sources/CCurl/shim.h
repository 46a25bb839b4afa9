#ifndef CELERITY_CCURL_SHIM_H
#define CELERITY_CCURL_SHIM_H
// libcurl, reached through pkg-config `libcurl` (Debian: libcurl4-openssl-dev).
// curl_easy_setopt and curl_easy_getinfo are variadic and unavailable in Swift: these typed
// inline wrappers are the only way Swift code sets an option or reads an info value.
#include <curl/curl.h>

static inline CURLcode celerity_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode celerity_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode celerity_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*celerity_curl_write_callback)(char *, size_t, size_t, void *);
static inline CURLcode celerity_curl_setopt_write_function(CURL *handle, celerity_curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
// curl_off_t options (body size, size cap) take a 64-bit argument, not a long on every platform.
static inline CURLcode celerity_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode celerity_curl_setopt_header_function(CURL *handle, celerity_curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}
static inline CURLcode celerity_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *list) {
    return curl_easy_setopt(handle, option, list);
}
static inline CURLcode celerity_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode celerity_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
#endif
