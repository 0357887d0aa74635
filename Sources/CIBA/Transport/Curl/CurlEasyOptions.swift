import CCurl
import Foundation

/// Sets every option of one transfer on an easy handle (freshly reset or new).
///
/// Fixed choices, and why:
/// - redirects are never followed and only http/https are spoken (a provider answer cannot
///   send our credentials elsewhere);
/// - `CURLOPT_TIMEOUT_MS` is the request's timeout: a hard bound on the whole exchange,
///   including waiting for a connection, connect, TLS, send and receive;
/// - HTTP/2 is offered through ALPN on https and requests wait for a connection that may
///   multiplex (`PIPEWAIT`) rather than open a new one;
/// - with a proxy, everything is tunnelled (CONNECT), also plain http to a loopback provider,
///   so the proxy never sees a request body;
/// - the server certificate and host name are always verified; there is no option to turn
///   that off.
enum CurlEasyOptions {
    static func apply(to easy: UnsafeMutableRawPointer, transfer: CurlTransfer, settings: TransportSettings) throws(HTTPTransportError) {
        let request = transfer.request
        var failed: CURLoption? = nil
        func set(_ option: CURLoption, _ value: Int) {
            if ccurl_easy_setopt_long(easy, option, value) != CURLE_OK, failed == nil { failed = option }
        }
        func set(_ option: CURLoption, _ value: String) {
            if ccurl_easy_setopt_string(easy, option, value) != CURLE_OK, failed == nil { failed = option }
        }
        func set(_ option: CURLoption, pointer: UnsafeRawPointer?) {
            if ccurl_easy_setopt_pointer(easy, option, pointer) != CURLE_OK, failed == nil { failed = option }
        }

        let context = UnsafeRawPointer(Unmanaged.passUnretained(transfer).toOpaque())
        set(CURLOPT_URL, request.url.absoluteString)
        set(CURLOPT_PRIVATE, pointer: context)
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_FOLLOWLOCATION, 0)
        set(CURLOPT_PROTOCOLS_STR, "http,https")
        set(CURLOPT_TIMEOUT_MS, milliseconds(request.timeout))
        set(CURLOPT_ERRORBUFFER, pointer: UnsafeRawPointer(transfer.errorBuffer))
        set(CURLOPT_HTTP_VERSION, transfer.target.isHTTPS ? ccurl_http_version_2tls : ccurl_http_version_1_1)
        set(CURLOPT_PIPEWAIT, 1)
        set(CURLOPT_TCP_NODELAY, 1)
        if ccurl_easy_setopt_off_t(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(transfer.limit)) != CURLE_OK, failed == nil {
            failed = CURLOPT_MAXFILESIZE_LARGE
        }
        set(CURLOPT_ACCEPT_ENCODING, "")  // any encoding libcurl decodes; the limit counts decoded bytes

        // Method and body.
        switch request.method.uppercased() {
        case "GET":
            set(CURLOPT_HTTPGET, 1)
        case "POST":
            set(CURLOPT_POST, 1)
        default:
            set(CURLOPT_CUSTOMREQUEST, request.method)
        }
        if !request.body.isEmpty || request.method.uppercased() == "POST" {
            _ = ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            request.body.withUnsafeBytes { bytes in
                // COPYPOSTFIELDS: libcurl keeps its own copy (the array may move).
                set(CURLOPT_COPYPOSTFIELDS, pointer: bytes.baseAddress ?? UnsafeRawPointer(transfer.errorBuffer))
            }
        }
        if ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, transfer.makeHeaderList()) != CURLE_OK, failed == nil {
            failed = CURLOPT_HTTPHEADER
        }

        // Response callbacks.
        set(CURLOPT_WRITEDATA, pointer: context)
        _ = ccurl_easy_setopt_write_callback(easy, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let context, let data else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
            return transfer.receiveBody(bytes) ? size * count : 0
        }
        set(CURLOPT_HEADERDATA, pointer: context)
        _ = ccurl_easy_setopt_write_callback(easy, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            guard let context, let data else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
            return transfer.receiveHeaderLine(bytes) ? size * count : 0
        }

        // TLS.
        set(CURLOPT_SSL_VERIFYPEER, 1)
        set(CURLOPT_SSL_VERIFYHOST, 2)
        set(CURLOPT_SSLVERSION, settings.tlsMinimumVersion == .v1_3 ? ccurl_sslversion_tls1_3 : ccurl_sslversion_tls1_2)
        if let caFile = settings.caFile { set(CURLOPT_CAINFO, caFile) }
        if let caDirectory = settings.caDirectory { set(CURLOPT_CAPATH, caDirectory) }
        if let certificate = settings.clientCertificateFile {
            set(CURLOPT_SSLCERT, certificate)
            set(CURLOPT_SSLCERTTYPE, "PEM")
            set(CURLOPT_SSLKEY, settings.clientKeyFile ?? certificate)
            set(CURLOPT_SSLKEYTYPE, "PEM")
        }

        // Proxy: the configured one, else libcurl's environment rules (https_proxy, no_proxy).
        if let proxy = settings.proxy {
            set(CURLOPT_PROXY, proxy.absoluteString)
            set(CURLOPT_PROXYTYPE, proxy.scheme?.lowercased() == "https" ? ccurl_proxy_https : ccurl_proxy_http)
            if let caFile = settings.caFile { set(CURLOPT_PROXY_CAINFO, caFile) }
        }
        // Also for a proxy from https_proxy: the credentials stay out of the environment.
        if let credentials = settings.proxyCredentials { set(CURLOPT_PROXYUSERPWD, credentials) }
        set(CURLOPT_HTTPPROXYTUNNEL, 1)

        if failed != nil {
            throw HTTPTransportError(.invalidRequest, "libcurl refused a transfer option: libcurl 7.85 or newer with OpenSSL is needed")
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let ms = seconds.multipliedReportingOverflow(by: 1000)
        if ms.overflow || seconds > Int64(Int32.max) { return Int(Int32.max) }
        return max(1, Int(ms.partialValue + attoseconds / 1_000_000_000_000_000))
    }
}
