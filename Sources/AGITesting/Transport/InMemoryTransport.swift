import AGI
import Dispatch
import Synchronization

/// One end of an in-memory byte pipe that behaves like a TCP connection for `AGITransport`:
/// ordered delivery, half-close (`shutdownWrite`: the peer sees EOF and can still write back),
/// full close (the peer sees EOF; later writes to us fail).
///
/// Each end delivers its inbound chunks on its own serial queue, so `onReceive` is never
/// called concurrently with itself and never inside the sender's `send`.
public final class InMemoryTransport: AGITransport, Sendable {
    private struct State {
        var onReceive: (@Sendable (ArraySlice<UInt8>) -> Void)?
        var onClose: (@Sendable ((any Error)?) -> Void)?
        var buffered: [[UInt8]] = []
        var inboundEOF = false          // the peer will send nothing more
        var closeDelivered = false
        var writeShut = false           // we half-closed or closed
        var closed = false              // we fully closed
    }

    public let peerDescription: String
    private let queue: DispatchQueue
    private let state = Mutex(State())
    private let peerBox = Mutex<InMemoryTransport?>(nil)

    private init(name: String) {
        self.peerDescription = name
        self.queue = DispatchQueue(label: "InMemoryTransport.\(name)")
    }

    /// A connected pair: bytes sent on one arrive at the other.
    public static func pair(
        serverName: String = "asterisk(in-memory)", asteriskName: String = "server(in-memory)"
    ) -> (server: InMemoryTransport, asterisk: InMemoryTransport) {
        let server = InMemoryTransport(name: serverName)
        let asterisk = InMemoryTransport(name: asteriskName)
        server.peerBox.withLock { $0 = asterisk }
        asterisk.peerBox.withLock { $0 = server }
        return (server, asterisk)
    }

    private var peer: InMemoryTransport? { peerBox.withLock { $0 } }

    public func startReceiving(
        onReceive: @escaping @Sendable (ArraySlice<UInt8>) -> Void,
        onClose: @escaping @Sendable ((any Error)?) -> Void
    ) {
        let (chunks, eof) = state.withLock { s -> ([[UInt8]], Bool) in
            s.onReceive = onReceive
            s.onClose = onClose
            let chunks = s.buffered
            s.buffered = []
            return (chunks, s.inboundEOF || s.closed)
        }
        queue.async {
            for chunk in chunks { onReceive(chunk[...]) }
            if eof { self.deliverClose() }
        }
    }

    /// Runs `body` on this end's delivery queue, after every chunk already on its way here.
    public func afterPendingDeliveries(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }

    /// Inbound bytes from the peer.
    fileprivate func deliver(_ bytes: [UInt8]) {
        let callback = state.withLock { s -> (@Sendable (ArraySlice<UInt8>) -> Void)? in
            if s.closed || s.inboundEOF { return nil }
            guard let callback = s.onReceive else {
                s.buffered.append(bytes)
                return nil
            }
            return callback
        }
        guard let callback else { return }
        queue.async {
            if self.state.withLock({ $0.closeDelivered }) { return }
            callback(bytes[...])
        }
    }

    /// The peer will send nothing more.
    fileprivate func deliverEOF() {
        let started = state.withLock { s -> Bool in
            s.inboundEOF = true
            return s.onReceive != nil
        }
        if started { queue.async { self.deliverClose() } }
    }

    private func deliverClose() {
        let callback = state.withLock { s -> (@Sendable ((any Error)?) -> Void)? in
            guard !s.closeDelivered else { return nil }
            s.closeDelivered = true
            let callback = s.onClose
            s.onReceive = nil
            s.onClose = nil
            return callback
        }
        callback?(nil)
    }

    public func send(_ bytes: [UInt8]) async throws {
        let canWrite = state.withLock { !$0.writeShut }
        guard canWrite, let peer else { throw AGIError(.closed, "in-memory transport closed") }
        let peerClosed = peer.state.withLock { $0.closed }
        if peerClosed { throw AGIError(.closed, "connection reset by peer") }
        peer.deliver(bytes)
    }

    public func shutdownWrite() {
        let first = state.withLock { s -> Bool in
            defer { s.writeShut = true }
            return !s.writeShut
        }
        if first { peer?.deliverEOF() }
    }

    public func close() {
        let (firstShut, firstClose, started) = state.withLock { s -> (Bool, Bool, Bool) in
            let result = (!s.writeShut, !s.closed, s.onReceive != nil || s.closeDelivered)
            s.writeShut = true
            s.closed = true
            return result
        }
        guard firstClose else { return }
        if firstShut { peer?.deliverEOF() }
        peerBox.withLock { $0 = nil }  // we never write again; breaks the reference cycle
        if started { queue.async { self.deliverClose() } }
    }

    /// True once this end closed fully.
    public var isClosed: Bool { state.withLock { $0.closed } }
}
