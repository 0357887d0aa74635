import COpenSSL
import Sockets
import Synchronization

/// One OpenSSL `SSL` object between two memory BIOs: ciphertext from the network is fed in,
/// ciphertext for the network is taken out, and no socket is ever touched here. The async side
/// (`TLSConnection`) moves the bytes over a `TCPConnection`.
///
/// Every OpenSSL call on the object happens under the mutex (an `SSL` is not thread-safe) and
/// drains the thread's error queue before unlocking, so one connection's failure never shows
/// up in another's.
final class TLSEngine: Sendable {
    enum Step: Equatable {
        case done
        case wantRead
        case failed(TLSError)
    }

    enum ReadStep: Equatable {
        case data([UInt8])
        case wantRead
        case closed  // close_notify from the peer
        case failed(TLSError)
    }

    // @unchecked Sendable invariant: the pointers are only used inside `state.withLock`, so one
    // thread at a time touches the SSL object and its BIOs; they are freed once, in deinit.
    private struct State: @unchecked Sendable {
        let ssl: OpaquePointer
        let networkIn: OpaquePointer   // memory BIO: ciphertext received, for OpenSSL to read
        let networkOut: OpaquePointer  // memory BIO: ciphertext OpenSSL wrote, for us to send
        var failure: TLSError?
    }

    private let state: Mutex<State>
    /// For error texts: the host name we connect to, or "client at ADDRESS".
    let peerName: String
    let isServer: Bool

    init(context: OpaquePointer, server: Bool, peerName: String) throws {
        guard let ssl = SSL_new(context) else { throw OpenSSLErrorQueue.error(.internalFailure, "cannot create a TLS session") }
        guard let method = BIO_s_mem(), let input = BIO_new(method), let output = BIO_new(method) else {
            SSL_free(ssl)
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot allocate memory BIOs")
        }
        SSL_set_bio(ssl, input, output)  // the SSL owns both from here on
        if server { SSL_set_accept_state(ssl) } else { SSL_set_connect_state(ssl) }
        self.state = Mutex(State(ssl: ssl, networkIn: input, networkOut: output))
        self.peerName = peerName
        self.isServer = server
    }

    deinit {
        state.withLock { SSL_free($0.ssl) }
    }

    /// Client side, before the handshake: SNI and the name the certificate must match.
    func expectServer(named host: String) throws {
        try state.withLock { s in
            let parameters = SSL_get0_param(s.ssl)
            if let address = IPAddress(parsing: Self.unbracketed(host))?.description {
                guard X509_VERIFY_PARAM_set1_ip_asc(parameters, address) == 1 else {
                    throw OpenSSLErrorQueue.error(.configuration, "cannot check the server's IP address \(host)")
                }
            } else {
                guard !host.isEmpty, ciba_ssl_set_host_name(s.ssl, host) == 1,
                      X509_VERIFY_PARAM_set1_host(parameters, host, 0) == 1 else {
                    throw OpenSSLErrorQueue.error(.configuration, "cannot use '\(host)' as the server's name")
                }
                X509_VERIFY_PARAM_set_hostflags(parameters, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            }
        }
    }

    /// Ciphertext from the network.
    func feed(_ bytes: [UInt8]) {
        state.withLock { s in
            _ = bytes.withUnsafeBytes { BIO_write(s.networkIn, $0.baseAddress, Int32($0.count)) }
        }
    }

    /// Ciphertext waiting to be sent (handshake messages, records, alerts); empties the BIO.
    func takeOutput() -> [UInt8] {
        state.withLock { s in Self.drainOutput(s.networkOut) }
    }

    var hasOutput: Bool { state.withLock { BIO_ctrl_pending($0.networkOut) > 0 } }

    /// One handshake step with what has been fed so far.
    func handshake() -> Step {
        state.withLock { s in
            if let failure = s.failure { return .failed(failure) }
            let rc = SSL_do_handshake(s.ssl)
            if rc == 1 {
                ERR_clear_error()
                return .done
            }
            let code = SSL_get_error(s.ssl, rc)
            if code == SSL_ERROR_WANT_READ {
                ERR_clear_error()
                return .wantRead
            }
            let error = TLSFailureClassifier.classify(ssl: s.ssl, errorCode: code, peerName: peerName, server: isServer)
            s.failure = error
            return .failed(error)
        }
    }

    /// Decrypts up to `maxBytes` of what has been fed.
    func read(maxBytes: Int) -> ReadStep {
        state.withLock { s in
            if let failure = s.failure { return .failed(failure) }
            var count = 0
            var bytes = [UInt8](repeating: 0, count: maxBytes)
            let rc = bytes.withUnsafeMutableBytes { SSL_read_ex(s.ssl, $0.baseAddress, $0.count, &count) }
            if rc == 1 {
                bytes.removeSubrange(count...)
                return .data(bytes)
            }
            let code = SSL_get_error(s.ssl, rc)
            switch code {
            case SSL_ERROR_WANT_READ:
                ERR_clear_error()
                return .wantRead
            case SSL_ERROR_ZERO_RETURN:
                ERR_clear_error()
                return .closed
            default:
                let error = TLSFailureClassifier.classify(ssl: s.ssl, errorCode: code, peerName: peerName, server: isServer)
                s.failure = error
                return .failed(error)
            }
        }
    }

    /// Encrypts all of `bytes` into the output BIO and returns the ciphertext to send.
    func encrypt(_ bytes: [UInt8]) throws -> [UInt8] {
        try state.withLock { s in
            if let failure = s.failure { throw failure }
            var written = 0
            let rc = bytes.withUnsafeBytes { SSL_write_ex(s.ssl, $0.baseAddress, $0.count, &written) }
            guard rc == 1, written == bytes.count else {
                let code = SSL_get_error(s.ssl, rc)
                let error = TLSFailureClassifier.classify(ssl: s.ssl, errorCode: code, peerName: peerName, server: isServer)
                s.failure = error
                throw error
            }
            return Self.drainOutput(s.networkOut)
        }
    }

    /// Queues our close_notify and returns everything to send.
    func closeNotify() -> [UInt8] {
        state.withLock { s in
            if s.failure == nil { _ = SSL_shutdown(s.ssl) }
            ERR_clear_error()
            return Self.drainOutput(s.networkOut)
        }
    }

    /// Marks the session unusable (after a transport failure or close).
    func fail(_ error: TLSError) {
        state.withLock { s in if s.failure == nil { s.failure = error } }
    }

    /// Runs `body` with the SSL object, under the lock (facts after the handshake).
    func withSSL<T>(_ body: (OpaquePointer) -> T) -> T {
        state.withLock { s in
            defer { ERR_clear_error() }
            return body(s.ssl)
        }
    }

    /// `[::1]` -> `::1`: a URL's bracketed IPv6 host.
    static func unbracketed(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    private static func drainOutput(_ bio: OpaquePointer) -> [UInt8] {
        let pending = Int(BIO_ctrl_pending(bio))
        guard pending > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: pending)
        let n = bytes.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
        if n < pending { bytes.removeSubrange(max(0, Int(n))...) }
        return bytes
    }
}
