import Foundation
import Sockets

/// A deliberately dumb HTTP client over raw TCP, so tests can send exactly the bytes they
/// want (malformed, pipelined, half-finished) and see exactly what comes back.
final class RawHTTPClient {
    let connection: any ByteStream
    private var buffer: [UInt8] = []

    init(_ address: SocketAddress) async throws {
        connection = try await TCPConnection.connect(to: address, timeout: .seconds(120))
    }

    /// Over an already connected stream (a `TLSConnection` for https tests).
    init(stream: any ByteStream) {
        connection = stream
    }

    deinit { connection.close() }

    func send(_ text: String) async throws {
        try await connection.write(Array(text.utf8), timeout: .seconds(120))
    }

    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        var bodyText: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    /// Reads one response; nil when the server closed before sending anything.
    /// `expectBody: false` for HEAD (Content-Length describes a body that is not sent).
    func readResponse(expectBody: Bool = true, timeout: Duration = .seconds(120)) async throws -> Response? {  // a failure bound only
        let deadline = ContinuousClock.now + timeout
        var headEnd: Int?
        while headEnd == nil {
            if let range = findHeadEnd() { headEnd = range; break }
            guard try await fill(deadline: deadline) else { return nil }
        }
        guard let end = headEnd else { return nil }
        let headText = String(decoding: buffer[0..<end], as: UTF8.self)
        buffer.removeFirst(end)
        var lines = headText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw RawError.malformed(statusLine) }
        let headers = lines.map { line -> (String, String) in
            let pieces = line.split(separator: ":", maxSplits: 1)
            return (String(pieces[0]), pieces.count > 1 ? pieces[1].trimmingCharacters(in: .whitespaces) : "")
        }
        var response = Response(status: status, headers: headers, body: [])
        if expectBody, let lengthText = response.header("Content-Length"), let length = Int(lengthText) {
            while buffer.count < length {
                guard try await fill(deadline: deadline) else { throw RawError.truncated }
            }
            response.body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        }
        return response
    }

    /// True when the server closes the connection (EOF) within `timeout` without sending more.
    func isClosedByServer(within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        do {
            while true {
                guard try await fill(deadline: deadline) else { return true }
            }
        } catch RawError.timedOut {
            return false
        } catch {
            return true  // reset by peer counts as closed
        }
    }

    /// Bytes buffered but not consumed as a response.
    var leftover: [UInt8] { buffer }

    enum RawError: Error { case malformed(String), truncated, timedOut }

    private func findHeadEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4)
        where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index + 4
        }
        return nil
    }

    /// Reads more bytes; false on EOF. Throws `RawError.timedOut` at the deadline.
    private func fill(deadline: ContinuousClock.Instant) async throws -> Bool {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { throw RawError.timedOut }
        do {
            let bytes = try await connection.read(maxBytes: 65_536, timeout: remaining)
            if bytes.isEmpty { return false }
            buffer.append(contentsOf: bytes)
            return true
        } catch let error as SocketError where error.kind == .timedOut {
            throw RawError.timedOut
        } catch let error as SocketError where error.kind == .closed {
            return false
        }
    }
}
