import CCurl
import Foundation
import Sockets

/// One libcurl multi handle driven by the socket epoll loop: libcurl says which sockets it
/// wants watched (`CURLMOPT_SOCKETFUNCTION`) and when it wants a timeout call
/// (`CURLMOPT_TIMERFUNCTION`); readiness and timers come back through
/// `curl_multi_socket_action`, finished transfers through `curl_multi_info_read`.
///
/// The multi handle keeps the connection cache, so one per provider gives keep-alive and
/// HTTP/2 multiplexing across all calls. No thread per request and no Dispatch hop: every
/// libcurl call happens on the loop thread.
///
/// `@unchecked Sendable` invariant: after `init`, every property is read and written only on
/// the socket loop thread (jobs through `SocketLoop.execute`, watch handlers, timer actions,
/// and libcurl callbacks made from inside those).
final class CurlMulti: @unchecked Sendable {
    private let multi: UnsafeMutableRawPointer
    private let settings: TransportSettings
    private var watches: [Int32: FileDescriptorWatch] = [:]
    private var timer: ScheduledTimer?
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    /// Easy handles kept for reuse (their options are reset; the multi keeps the connections).
    private var idleHandles: [UnsafeMutableRawPointer] = []
    private static let maxIdleHandles = 64
    private var closed = false

    /// Connections opened so far (for tests and metrics: reuse means few).
    private(set) var transfersStarted = 0

    init(settings: TransportSettings) throws(HTTPTransportError) {
        CurlLibrary.initialize()
        guard let multi = curl_multi_init() else {
            throw HTTPTransportError(.invalidRequest, "libcurl could not create a multi handle (out of memory?)")
        }
        self.multi = multi
        self.settings = settings
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = ccurl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, context)
        _ = ccurl_multi_setopt_socket_callback(multi, { _, socket, what, context, _ in
            guard let context else { return 0 }
            Unmanaged<CurlMulti>.fromOpaque(context).takeUnretainedValue().socketCallback(socket, what: what)
            return 0
        })
        _ = ccurl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, context)
        _ = ccurl_multi_setopt_timer_callback(multi, { _, timeoutMs, context in
            guard let context else { return 0 }
            Unmanaged<CurlMulti>.fromOpaque(context).takeUnretainedValue().timerCallback(timeoutMs)
            return 0
        })
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_PIPELINING, ccurl_pipe_multiplex)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(1, settings.maxConnectionsPerHost))
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(4, settings.maxConnectionsPerHost * 2))
    }

    // MARK: - Requests (loop thread)

    func start(_ transfer: CurlTransfer, _ continuation: CheckedContinuation<HTTPTransportResponse, any Error>) {
        if case .cancelledBeforeStart = transfer.phase {
            transfer.phase = .finished
            continuation.resume(throwing: CancellationError())
            return
        }
        guard !closed, let easy = idleHandles.popLast() ?? curl_easy_init() else {
            transfer.phase = .finished
            continuation.resume(throwing: HTTPTransportError(.invalidRequest, "libcurl could not create a transfer (out of memory?)"))
            return
        }
        do {
            try CurlEasyOptions.apply(to: easy, transfer: transfer, settings: settings)
        } catch {
            recycle(easy)
            transfer.phase = .finished
            continuation.resume(throwing: error)
            return
        }
        transfer.phase = .running(easy: easy, continuation: continuation)
        active[easy] = transfer
        transfersStarted += 1
        let code = curl_multi_add_handle(multi, easy)
        if code != CURLM_OK {
            finish(transfer, .failure(HTTPTransportError(.invalidRequest, "libcurl refused the transfer: \(String(cString: curl_multi_strerror(code)))")))
        }
    }

    /// Removes the transfer at once (nothing more is sent for it) and resumes its caller with
    /// `CancellationError`. Before the start job ran, marks it so the start job does that.
    func cancel(_ transfer: CurlTransfer) {
        switch transfer.phase {
        case .created: transfer.phase = .cancelledBeforeStart
        case .running: finish(transfer, .failure(CancellationError()))
        case .cancelledBeforeStart, .finished: break
        }
    }

    /// Ends every transfer and frees the multi handle. Runs on the loop when the transport goes.
    func close() {
        guard !closed else { return }
        closed = true
        for transfer in Array(active.values) {
            finish(transfer, .failure(HTTPTransportError(.unreachable, "the transport was shut down")))
        }
        timer?.cancel()
        timer = nil
        for handle in idleHandles { curl_easy_cleanup(handle) }
        idleHandles.removeAll()
        curl_multi_cleanup(multi)
        for watch in watches.values { watch.cancel() }
        watches.removeAll()
    }

    private func finish(_ transfer: CurlTransfer, _ result: Result<HTTPTransportResponse, any Error>) {
        guard case let .running(easy, continuation) = transfer.phase else { return }
        transfer.phase = .finished
        active[easy] = nil
        curl_multi_remove_handle(multi, easy)
        recycle(easy)
        continuation.resume(with: result)
    }

    private func recycle(_ easy: UnsafeMutableRawPointer) {
        if idleHandles.count < Self.maxIdleHandles && !closed {
            curl_easy_reset(easy)
            idleHandles.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }

    // MARK: - libcurl callbacks and the loop (loop thread)

    private func socketCallback(_ socket: curl_socket_t, what: Int32) {
        if what == CURL_POLL_REMOVE {
            watches.removeValue(forKey: socket)?.cancel()
            return
        }
        var interest: FileDescriptorWatch.Interest = []
        if what == CURL_POLL_IN || what == CURL_POLL_INOUT { interest.insert(.readable) }
        if what == CURL_POLL_OUT || what == CURL_POLL_INOUT { interest.insert(.writable) }
        if let watch = watches[socket] {
            do {
                try watch.update(interest)
                return
            } catch {
                // The descriptor number was closed and reused behind our back: watch anew.
                watch.cancel()
                watches[socket] = nil
            }
        }
        do {
            watches[socket] = try FileDescriptorWatch.start(fd: socket, interest: interest) { readiness in
                self.socketReady(socket, readiness)
            }
        } catch {
            // epoll refused the socket: libcurl's timeout for the transfer still ends it.
        }
    }

    private func timerCallback(_ timeoutMs: Int) {
        timer?.cancel()
        timer = nil
        guard timeoutMs >= 0 else { return }
        timer = ScheduledTimer.schedule(after: .milliseconds(timeoutMs)) {
            self.timerFired()
        }
    }

    private func socketReady(_ socket: Int32, _ readiness: FileDescriptorWatch.Readiness) {
        guard !closed else { return }
        var flags: Int32 = 0
        if readiness.contains(.readable) || readiness.contains(.hangUp) { flags |= CURL_CSELECT_IN }
        if readiness.contains(.writable) { flags |= CURL_CSELECT_OUT }
        if readiness.contains(.error) { flags |= CURL_CSELECT_ERR }
        var running: Int32 = 0
        _ = curl_multi_socket_action(multi, socket, flags, &running)
        collectFinished()
    }

    private func timerFired() {
        guard !closed else { return }
        timer = nil
        var running: Int32 = 0
        _ = curl_multi_socket_action(multi, ccurl_socket_timeout, 0, &running)
        collectFinished()
    }

    private func collectFinished() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard ccurl_message_is_done(message) != 0, let easy = message.pointee.easy_handle,
                  let transfer = active[easy] else { continue }
            let code = ccurl_message_result(message)
            let result: Result<HTTPTransportResponse, any Error>
            if code == CURLE_OK {
                var status = 0
                _ = ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
                result = .success(HTTPTransportResponse(status: status, headers: transfer.headers, body: transfer.body))
            } else {
                result = .failure(CurlFailure.classify(code, easy: easy, transfer: transfer, settings: settings))
            }
            finish(transfer, result)
        }
    }
}

/// `curl_global_init` exactly once per process (it is not thread-safe in libcurl 7.88).
enum CurlLibrary {
    private static let initialized: Bool = {
        curl_global_init(ccurl_global_default) == CURLE_OK
    }()

    static func initialize() { _ = initialized }
}
