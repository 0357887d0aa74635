import Glibc

/// Small wrappers over the socket system calls used by listeners and connections.
enum SocketOptions {
    static func setInt(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    static func noDelay(_ fd: Int32) { setInt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1) }

    /// The pending error of a non-blocking connect (`SO_ERROR`), 0 when connected.
    static func pendingError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) != 0 { return errno }
        return value
    }

    static func family(of address: SocketAddress) -> Int32 { address.isIPv6 ? AF_INET6 : AF_INET }

    static let streamType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
}
