import CCurl
import Foundation

/// Turns a failed libcurl transfer into an ``HTTPTransportError`` an operator can act on.
///
/// The texts name the host, the port and the `provider` key to change; never a libcurl or
/// OpenSSL error number, never a URL query, header or body. libcurl's error buffer is only
/// searched for OpenSSL's alert names (which tell a refused client certificate from other
/// handshake failures); it is not shown.
enum CurlFailure {
    static func classify(_ code: CURLcode, easy: UnsafeMutableRawPointer, transfer: CurlTransfer,
                         settings: TransportSettings) -> HTTPTransportError {
        var verifyResult = 0
        _ = ccurl_easy_getinfo_long(easy, CURLINFO_SSL_VERIFYRESULT, &verifyResult)
        var connectCode = 0
        _ = ccurl_easy_getinfo_long(easy, CURLINFO_HTTP_CONNECTCODE, &connectCode)
        var osErrno = 0
        _ = ccurl_easy_getinfo_long(easy, CURLINFO_OS_ERRNO, &osErrno)
        return classify(CurlOutcome(code: code, verifyResult: verifyResult, connectCode: connectCode, osErrno: Int32(clamping: osErrno),
                                    detail: transfer.errorDetail.lowercased(), cutAtLimit: transfer.cutAtLimit),
                        target: transfer.target, timeout: transfer.request.timeout, limit: transfer.limit, settings: settings)
    }

    /// What libcurl reported, as plain values (testable without a transfer).
    struct CurlOutcome {
        var code: CURLcode
        var verifyResult: Int
        var connectCode: Int
        var osErrno: Int32
        var detail: String
        var cutAtLimit: Bool
    }

    static func classify(_ outcome: CurlOutcome, target: CurlTarget, timeout: Duration, limit: Int,
                         settings: TransportSettings) -> HTTPTransportError {
        let host = target.host
        let proxyName = settings.proxy.map { proxy in
            "\(proxy.host ?? "?"):\(proxy.port ?? (proxy.scheme?.lowercased() == "https" ? 443 : 80))"
        }
        let detail = outcome.detail
        if outcome.cutAtLimit || outcome.code == CURLE_FILESIZE_EXCEEDED {
            return HTTPTransportError(.responseTooLarge, "the answer from \(host) is larger than \(limit) bytes")
        }
        // A proxy that answered CONNECT with something other than 2xx.
        if outcome.connectCode >= 300 || (outcome.connectCode == 0 && detail.contains("connect tunnel failed")) {
            let via = proxyName ?? "the proxy (https_proxy)"
            switch outcome.connectCode {
            case 407 where settings.proxyCredentials == nil:
                return HTTPTransportError(.proxy, "proxy \(via) wants credentials: set provider.proxyCredentialsFile")
            case 407:
                return HTTPTransportError(.proxy, "proxy \(via) rejected the credentials in provider.proxyCredentialsFile")
            default:
                let status = outcome.connectCode > 0 ? " (HTTP \(outcome.connectCode))" : ""
                return HTTPTransportError(.proxy, "proxy \(via) refused the tunnel to \(target.hostAndPort)\(status)")
            }
        }
        switch outcome.code {
        case CURLE_OPERATION_TIMEDOUT:
            return HTTPTransportError(.timedOut, "no complete answer from \(host) within \(describe(timeout))")
        case CURLE_COULDNT_RESOLVE_HOST:
            return HTTPTransportError(.unreachable, "DNS lookup of \(host) failed")
        case CURLE_COULDNT_RESOLVE_PROXY:
            return HTTPTransportError(.proxy, "DNS lookup of proxy \(proxyName ?? "(https_proxy)") failed")
        case CURLE_COULDNT_CONNECT:
            let viaProxy = proxyName != nil || detail.contains("proxy")
            let endpoint = viaProxy ? "proxy \(proxyName ?? "(https_proxy)")" : target.hostAndPort
            let kind: HTTPTransportError.Kind = viaProxy ? .proxy : .unreachable
            switch outcome.osErrno {
            case ECONNREFUSED: return HTTPTransportError(kind, "connection to \(endpoint) refused")
            case ENETUNREACH, EHOSTUNREACH: return HTTPTransportError(kind, "no route to \(endpoint) (network unreachable)")
            case ETIMEDOUT: return HTTPTransportError(kind, "connection to \(endpoint) timed out")
            default: return HTTPTransportError(kind, "cannot connect to \(endpoint)")
            }
        case CURLE_PEER_FAILED_VERIFICATION:
            return certificateFailure(outcome.verifyResult, host: host, detail: detail)
        case CURLE_SSL_CACERT_BADFILE:
            return HTTPTransportError(.tls, "TLS: the CA certificates cannot be loaded: check provider.caFile / provider.caDirectory (PEM)")
        case CURLE_SSL_CERTPROBLEM:
            return HTTPTransportError(.tls, "TLS: the client certificate cannot be used: check provider.clientCertificateFile and clientKeyFile (PEM, key matching the certificate, not encrypted)")
        case CURLE_SSL_CONNECT_ERROR, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING:
            if let tls = handshakeFailure(detail: detail, host: host, target: target, settings: settings) { return tls }
            switch outcome.code {
            case CURLE_SSL_CONNECT_ERROR: return HTTPTransportError(.tls, "TLS handshake with \(host) failed")
            case CURLE_GOT_NOTHING: return HTTPTransportError(.unreachable, "\(host) closed the connection without answering")
            case CURLE_SEND_ERROR: return HTTPTransportError(.unreachable, "connection to \(target.hostAndPort) lost while sending")
            default: return HTTPTransportError(.unreachable, "connection to \(target.hostAndPort) lost while receiving")
            }
        case CURLE_PROXY:
            return HTTPTransportError(.proxy, "proxy \(proxyName ?? "(https_proxy)") failed the handshake")
        case CURLE_WEIRD_SERVER_REPLY, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_BAD_CONTENT_ENCODING:
            return HTTPTransportError(.unreachable, "\(host) answered with something that is not valid HTTP")
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return HTTPTransportError(.invalidRequest, "the URL for \(host) is not an http(s) URL libcurl accepts")
        case CURLE_OUT_OF_MEMORY:
            return HTTPTransportError(.unreachable, "out of memory talking to \(host)")
        default:
            return HTTPTransportError(.unreachable, "request to \(host) failed (\(String(cString: curl_easy_strerror(outcome.code))))")
        }
    }

    /// The server's certificate was refused (`CURLINFO_SSL_VERIFYRESULT` is OpenSSL's X509_V_ERR value).
    static func certificateFailure(_ verifyResult: Int, host: String, detail: String) -> HTTPTransportError {
        switch verifyResult {
        case 10:  // X509_V_ERR_CERT_HAS_EXPIRED
            return HTTPTransportError(.tls, "TLS: certificate of \(host) has expired")
        case 9:   // X509_V_ERR_CERT_NOT_YET_VALID
            return HTTPTransportError(.tls, "TLS: certificate of \(host) is not valid yet (check this machine's clock)")
        case 62, 64:  // X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
            return HTTPTransportError(.tls, "TLS: certificate of \(host) is for another host name")
        case 2, 18, 19, 20, 21, 27:  // issuer unknown, self-signed, untrusted
            return HTTPTransportError(.tls, "TLS: certificate of \(host) not trusted: set provider.caFile to the CA that issued it")
        // libcurl checks the name itself and then reports 0 or 1 (X509_V_ERR_UNSPECIFIED) with
        // "no alternative certificate subject name matches target host name" in its buffer.
        case let code where (code == 0 || code == 1) && (detail.contains("subject name") || detail.contains("host name") || detail.contains("hostname")):
            return HTTPTransportError(.tls, "TLS: certificate of \(host) is for another host name")
        case 23:  // X509_V_ERR_CERT_REVOKED
            return HTTPTransportError(.tls, "TLS: certificate of \(host) has been revoked")
        default:
            return HTTPTransportError(.tls, "TLS: certificate of \(host) refused (not trusted or invalid): check provider.caFile")
        }
    }

    /// Handshake failures that OpenSSL names in its alert text.
    static func handshakeFailure(detail: String, host: String, target: CurlTarget, settings: TransportSettings) -> HTTPTransportError? {
        let presents = settings.presentsClientCertificate
        if detail.contains("alert certificate required") || (!presents && detail.contains("alert handshake failure") && detail.contains("certificate")) {
            return HTTPTransportError(.tls, "TLS: \(host) requires a client certificate: set provider.clientCertificateFile and provider.clientKeyFile")
        }
        let refusals = ["alert bad certificate", "alert unknown ca", "alert certificate unknown", "alert unsupported certificate",
                        "alert certificate expired", "alert certificate revoked", "alert access denied", "alert decrypt error"]
        if refusals.contains(where: detail.contains) {
            if presents {
                return HTTPTransportError(.tls, "TLS: client certificate refused by \(host) (provider.clientCertificateFile): expired, or not issued by a CA it trusts")
            }
            return HTTPTransportError(.tls, "TLS: \(host) refused the handshake (does it want a client certificate? set provider.clientCertificateFile)")
        }
        if detail.contains("wrong version number") || detail.contains("packet length too long") || detail.contains("record layer failure") {
            return HTTPTransportError(.tls, "TLS: \(target.hostAndPort) does not speak TLS (plain http on that port?)")
        }
        if detail.contains("protocol version") || detail.contains("unsupported protocol") {
            return HTTPTransportError(.tls, "TLS: \(host) does not offer TLS \(settings.tlsMinimumVersion.rawValue) or newer (provider.tlsMinimumVersion)")
        }
        return nil
    }

    static func describe(_ duration: Duration) -> String {
        let ms = CurlEasyOptions.milliseconds(duration)
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
    }
}
