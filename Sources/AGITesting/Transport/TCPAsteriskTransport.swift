import AGI
import Sockets

/// Lets the fake Asterisk speak over a real TCP connection (`FakeAsterisk.place(to:)`).
final class TCPAsteriskTransport: AGITransport, Sendable {
    let connection: TCPConnection

    init(_ connection: TCPConnection) {
        self.connection = connection
    }

    var peerDescription: String { connection.peerAddress.description }

    func startReceiving(
        onReceive: @escaping @Sendable (ArraySlice<UInt8>) -> Void,
        onClose: @escaping @Sendable ((any Error)?) -> Void
    ) {
        connection.startReceiving(onReceive: onReceive, onClose: onClose)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await connection.write(bytes, timeout: .seconds(10))
    }

    func shutdownWrite() { connection.shutdownWrite() }
    func close() { connection.close() }
}
