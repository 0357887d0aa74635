import Foundation
import Sockets
import StructuredLogging

/// Serves one TCP connection: reads requests one after another (keep-alive and
/// pipelining), calls the handler, writes responses in order, and closes the connection
/// on `Connection: close`, on any protocol error, on a timeout, or when cancelled.
///
/// Every read has a deadline: `idleTimeout` while waiting for a request to start,
/// `requestTimeout` from a request's first byte until its body is complete.
struct HTTPConnectionHandler: Sendable {
    /// Plain TCP, or TLS over it (the handshake is already done).
    let connection: any ByteStream
    let limits: HTTPServerLimits
    let handler: HTTPHandler
    let logger: Logger
    let remoteAddress: String
    /// What the TLS handshake established; nil on plain HTTP.
    let tls: HTTPRequestTLS?

    /// Why reading stopped before a complete request was available.
    private enum ReadStop: Error {
        case eof, idle, requestTimedOut, failed
    }

    func run() async {
        var buffer = InputBuffer()
        var served = 0
        defer { connection.close() }

        while !Task.isCancelled {
            // 1. The head.
            let head: HTTPRequestHead
            do {
                head = try await readHead(into: &buffer)
            } catch let rejection as HTTPRequestRejection {
                logger.debug("http.rejected", ["remote": remoteAddress, "status": "\(rejection.status)", "reason": rejection.reason])
                await sendAndClose(ResponseSerializer.rejection(rejection), omitBody: false)
                return
            } catch ReadStop.requestTimedOut {
                logger.debug("http.request_timeout", ["remote": remoteAddress])
                await sendAndClose(.text("request timeout\n", status: 408), omitBody: false)
                return
            } catch {
                return  // EOF, idle keep-alive timeout, socket error, cancellation: close quietly
            }

            // 2. The body.
            let requestDeadline = ContinuousClock.now + limits.requestTimeout
            if head.expectsContinue, head.contentLength > buffer.count {
                guard await write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return }
            }
            do {
                try await fill(&buffer, atLeast: head.contentLength, deadline: requestDeadline)
            } catch ReadStop.requestTimedOut {
                logger.debug("http.request_timeout", ["remote": remoteAddress, "phase": "body"])
                await sendAndClose(.text("request timeout\n", status: 408), omitBody: false)
                return
            } catch {
                return
            }
            let body = buffer.take(head.contentLength)

            // 3. The handler.
            let request = HTTPRequest(
                method: head.method, path: head.path,
                query: Dictionary(head.queryItems, uniquingKeysWith: { _, last in last }),
                queryItems: head.queryItems, headers: head.headers, body: body,
                remoteAddress: remoteAddress, version: head.version, target: head.target, tls: tls)
            let response = await handler(request)
            served += 1

            // 4. The response (a streamed one ends the connection).
            if let stream = response.bodyStream {
                await sendStream(response, stream, omitBody: head.method == "HEAD")
                return
            }
            let keepAlive = head.keepAlive && served < limits.maxRequestsPerConnection && !Task.isCancelled
            logger.debug("http.request", ["remote": remoteAddress, "method": head.method, "path": head.path, "status": "\(response.status)"])
            let bytes = ResponseSerializer.serialize(response, omitBody: head.method == "HEAD", keepAlive: keepAlive)
            guard await write(bytes) else { return }
            if !keepAlive {
                await lingeringClose()
                return
            }
        }
    }

    // MARK: - Reading

    /// Reads until a whole head is buffered, then parses and consumes it.
    private func readHead(into buffer: inout InputBuffer) async throws -> HTTPRequestHead {
        var requestDeadline: ContinuousClock.Instant?
        while true {
            buffer.drop(RequestHeadParser.leadingEmptyLineCount(in: buffer.unread))
            if !buffer.isEmpty && requestDeadline == nil {
                requestDeadline = ContinuousClock.now + limits.requestTimeout  // pipelined bytes already here
            }
            if let length = RequestHeadParser.headLength(in: buffer.unread) {
                guard length <= limits.maxHeadBytes else {
                    throw HTTPRequestRejection(status: 431, reason: "request head too large")
                }
                let head = try RequestHeadParser.parse(buffer.unread.prefix(length), limits: limits)
                buffer.drop(length)
                return head
            }
            if buffer.count > limits.maxHeadBytes {
                throw HTTPRequestRejection(status: 431, reason: "request head too large")
            }
            if let deadline = requestDeadline {
                try await readMore(into: &buffer, deadline: deadline, onTimeout: .requestTimedOut)
            } else {
                try await readMore(into: &buffer, deadline: ContinuousClock.now + limits.idleTimeout, onTimeout: .idle)
                // Any byte (even the empty lines skipped above) starts the request clock,
                // so a client trickling CRLFs cannot hold the connection forever.
                requestDeadline = ContinuousClock.now + limits.requestTimeout
            }
        }
    }

    private func fill(_ buffer: inout InputBuffer, atLeast count: Int, deadline: ContinuousClock.Instant) async throws {
        while buffer.count < count {
            try await readMore(into: &buffer, deadline: deadline, onTimeout: .requestTimedOut)
        }
    }

    private func readMore(into buffer: inout InputBuffer, deadline: ContinuousClock.Instant, onTimeout: ReadStop) async throws {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { throw onTimeout }
        let bytes: [UInt8]
        do {
            bytes = try await connection.read(maxBytes: 65_536, timeout: remaining)
        } catch let error as SocketError where error.kind == .timedOut {
            throw onTimeout
        } catch {
            throw ReadStop.failed
        }
        if bytes.isEmpty { throw ReadStop.eof }
        buffer.append(bytes)
    }

    // MARK: - Writing and closing

    private func write(_ bytes: [UInt8]) async -> Bool {
        do {
            try await connection.write(bytes, timeout: limits.writeTimeout)
            return true
        } catch {
            return false
        }
    }

    private func sendStream(_ response: HTTPResponse, _ stream: AsyncStream<[UInt8]>, omitBody: Bool) async {
        logger.debug("http.stream", ["remote": remoteAddress, "status": "\(response.status)"])
        guard await write(ResponseSerializer.serializeStreamHead(response)), !omitBody else { return }
        for await chunk in stream {
            guard await write(chunk) else { return }
        }
    }

    private func sendAndClose(_ response: HTTPResponse, omitBody: Bool) async {
        guard await write(ResponseSerializer.serialize(response, omitBody: omitBody, keepAlive: false)) else { return }
        await lingeringClose()
    }

    /// Half-closes, then discards what the client still sends for a moment, so the
    /// kernel does not answer unread input with a reset that destroys our response
    /// before the client has read it.
    private func lingeringClose() async {
        await connection.shutdownWrite()
        let deadline = ContinuousClock.now + .milliseconds(500)
        var discarded = 0
        while discarded < limits.maxBodyBytes + limits.maxHeadBytes {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero,
                let bytes = try? await connection.read(maxBytes: 65_536, timeout: remaining), !bytes.isEmpty
            else { return }
            discarded += bytes.count
        }
    }
}

/// Received bytes not yet consumed, with cheap consumption from the front.
struct InputBuffer: Sendable {
    private var storage: [UInt8] = []
    private var start = 0

    var count: Int { storage.count - start }
    var isEmpty: Bool { count == 0 }
    var unread: ArraySlice<UInt8> { storage[start...] }

    mutating func append(_ bytes: [UInt8]) {
        if start > 0 && start >= storage.count / 2 {
            storage.removeFirst(start)
            start = 0
        }
        storage.append(contentsOf: bytes)
    }

    mutating func drop(_ n: Int) {
        start += min(n, count)
        if start == storage.count {
            storage.removeAll(keepingCapacity: true)
            start = 0
        }
    }

    mutating func take(_ n: Int) -> [UInt8] {
        let taken = Array(storage[start..<(start + min(n, count))])
        drop(n)
        return taken
    }
}
