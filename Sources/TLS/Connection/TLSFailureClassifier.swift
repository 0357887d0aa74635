import COpenSSL

/// Turns an OpenSSL failure into a `TLSError` an operator can act on.
///
/// The kind comes from OpenSSL's reason codes and the certificate verification result; the
/// text from OpenSSL's reason strings (never its numbers). Drains the error queue.
enum TLSFailureClassifier {
    static func classify(ssl: OpaquePointer, errorCode: Int32, peerName: String, server: Bool) -> TLSError {
        let queued = OpenSSLErrorQueue.drain()
        let reasons = Set(queued.map(\.reason))
        let text = queued.map(\.text).joined(separator: "; ")
        let whose = server ? "client certificate from \(peerName)" : "certificate of \(peerName)"

        if reasons.contains(SSL_R_CERTIFICATE_VERIFY_FAILED) {
            return verificationFailure(Int32(SSL_get_verify_result(ssl)), whose: whose)
        }
        if reasons.contains(SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
            return TLSError(.certificateRequired, "\(peerName) sent no client certificate, and one is required")
        }
        // Alerts from the peer arrive as reason codes 1000 + the alert number.
        if let alert = queued.first(where: { $0.reason >= 1000 && $0.reason < 1256 }) {
            let alertText = alert.text.replacingAlertPrefix()
            switch alert.reason - 1000 {
            case 70, 71:  // protocol_version, insufficient_security
                return TLSError(.noCommonProtocol, "\(peerName) refused the handshake: \(alertText) (no TLS version or cipher in common)")
            case 42, 43, 44, 45, 46, 48, 116:  // bad/unsupported/revoked/expired/unknown certificate, unknown_ca, certificate_required
                let hint = server ? "" : " (our client certificate is missing or not accepted there)"
                return TLSError(.refusedByPeer, "\(peerName) refused the handshake: \(alertText)\(hint)")
            default:
                return TLSError(.refusedByPeer, "\(peerName) refused the handshake: \(alertText)")
            }
        }
        let noCommon: Set<Int32> = [
            SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_NO_SHARED_CIPHER, SSL_R_NO_PROTOCOLS_AVAILABLE,
            SSL_R_VERSION_TOO_LOW, SSL_R_NO_CIPHERS_AVAILABLE,
        ]
        if !reasons.isDisjoint(with: noCommon) {
            return TLSError(.noCommonProtocol, "no TLS version or cipher in common with \(peerName) (\(text)); TLS 1.2 is the minimum")
        }
        if reasons.contains(SSL_R_HTTP_REQUEST) || reasons.contains(SSL_R_HTTPS_PROXY_REQUEST) {
            return TLSError(.protocolViolation, "\(peerName) sent plain HTTP to a TLS port")
        }
        if reasons.contains(SSL_R_WRONG_VERSION_NUMBER) {
            return TLSError(.protocolViolation, "\(peerName) does not speak TLS here (wrong version number; plain HTTP port?)")
        }
        if errorCode == SSL_ERROR_SYSCALL || errorCode == SSL_ERROR_SSL {
            if text.isEmpty { return TLSError(.protocolViolation, "TLS protocol error with \(peerName)") }
            return TLSError(.protocolViolation, "TLS protocol error with \(peerName): \(text)")
        }
        return TLSError(.internalFailure, "TLS failure with \(peerName)\(text.isEmpty ? "" : ": \(text)")")
    }

    /// A failed certificate check, by X509 verification result.
    static func verificationFailure(_ result: Int32, whose: String) -> TLSError {
        let text = X509_verify_cert_error_string(Int(result)).map { String(cString: $0) } ?? "verification failed"
        switch result {
        case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CRL_HAS_EXPIRED:
            return TLSError(.certificateExpired, "\(whose) has expired")
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return TLSError(.certificateNotYetValid, "\(whose) is not valid yet (check the clock)")
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return TLSError(.hostnameMismatch, "\(whose) is for another host name (\(text))")
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
             X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_UNTRUSTED:
            return TLSError(.certificateUntrusted, "\(whose) not trusted (\(text))")
        default:
            return TLSError(.certificateInvalid, "\(whose) refused (\(text))")
        }
    }
}

private extension String {
    /// "tlsv13 alert certificate required" -> "alert certificate required".
    func replacingAlertPrefix() -> String {
        for prefix in ["sslv3 ", "tlsv1 ", "tlsv13 "] where hasPrefix(prefix) { return String(dropFirst(prefix.count)) }
        return self
    }
}
