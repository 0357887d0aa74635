/// The lowest TLS version a context accepts. Older versions (SSL 3, TLS 1.0, 1.1) are never
/// offered or accepted.
public enum TLSVersion: String, Sendable, CaseIterable {
    case v1_2 = "1.2"
    case v1_3 = "1.3"
}
