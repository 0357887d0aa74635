/// The verification engine's top-level keys: `verificationRetentionMinutes` (1–10080,
/// default 60: how long records stay visible to agents after their last change) and
/// `logCallerId` (default false: caller ids are masked in logs, audit and records).
enum VerificationSettingsLoader {
    static let keys = ["verificationRetentionMinutes", "logCallerId"]

    static func build(_ top: [String: ConfigValue], reader: inout ConfigReader) -> (retentionMinutes: Int, logCallerID: Bool) {
        let retention = reader.integer(top, "verificationRetentionMinutes", path: "", range: 1...10_080) ?? 60
        let logCallerID = reader.bool(top, "logCallerId", path: "") ?? false
        return (retention, logCallerID)
    }
}
