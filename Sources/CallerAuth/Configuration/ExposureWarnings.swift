import Sockets

extension Configuration {
    /// Settings that start but are probably not what was meant; `serve` logs each as a warning
    /// (`server.config_warning`) and `check-config` prints them.
    ///
    /// `listen` on every interface with an allow list that admits only loopback: the port is open
    /// on the network, yet every Asterisk on another host is refused, so either the listen
    /// address or `allowedClients` is a mistake.
    public var startupWarnings: [String] {
        var warnings: [String] = []
        let everyInterface = listen.filter { $0.ip.isWildcard }
        if !everyInterface.isEmpty, !allowedClients.blocks.isEmpty, allowedClients.blocks.allSatisfy(\.isLoopbackOnly) {
            warnings.append("listen \(everyInterface.map(\.description).joined(separator: ",")) accepts on every interface, "
                            + "but allowedClients (\(allowedClientsText.joined(separator: ", "))) admits only loopback: "
                            + "Asterisk on another host is refused; listen on 127.0.0.1 or add its address to allowedClients")
        }
        return warnings
    }
}

extension CIDRBlock {
    /// Every address in the block is a loopback address (inside 127.0.0.0/8, or ::1).
    var isLoopbackOnly: Bool {
        guard network.isLoopback else { return false }
        switch network {
        case .v4: return prefixLength >= 8
        case .v6: return network.mappedIPv4 != nil ? prefixLength >= 104 : prefixLength == 128
        }
    }
}
