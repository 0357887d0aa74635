import Foundation

/// When a generated certificate is valid.
public struct CertificateValidity: Sendable, Equatable {
    public var notBefore: Date
    public var notAfter: Date

    public init(notBefore: Date, notAfter: Date) {
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// From an hour ago (clock skew) for `days` days.
    public static func days(_ days: Int, from start: Date = Date()) -> CertificateValidity {
        CertificateValidity(notBefore: start.addingTimeInterval(-3600), notAfter: start.addingTimeInterval(Double(days) * 86_400))
    }

    /// Ended yesterday (a month long): for tests of expired certificates.
    public static var expired: CertificateValidity {
        let now = Date()
        return CertificateValidity(notBefore: now.addingTimeInterval(-31 * 86_400), notAfter: now.addingTimeInterval(-86_400))
    }

    /// Starts tomorrow: for tests of not-yet-valid certificates.
    public static var notYetValid: CertificateValidity {
        let now = Date()
        return CertificateValidity(notBefore: now.addingTimeInterval(86_400), notAfter: now.addingTimeInterval(31 * 86_400))
    }
}
