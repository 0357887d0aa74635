import CallerAuth
import Foundation

/// A verification as the API, the event stream and the page show it: the store's record,
/// which already holds nothing personal beyond the masked number, the masked caller id and
/// the verified claims. `reason` (operator text) is left out; `error` carries the code.
struct VerificationView: Encodable, Sendable {
    struct Claims: Encodable, Sendable {
        var name: String
        var givenName: String
        var familyName: String
        var birthdate: String
        var country: String
        var identityScheme: String
    }

    var txn: String
    var status: String
    var profile: String
    var initiator: String
    var numberMasked: String
    var callerIDMasked: String
    var uniqueid: String?
    var linkedid: String?
    var wordPair: String?
    var error: String?
    var claims: Claims?
    var polls: Int
    var expiresAt: String?
    var createdAt: String
    var updatedAt: String

    init(_ record: VerificationRecord) {
        txn = record.txn
        status = record.status.rawValue
        profile = record.profile
        initiator = record.initiator
        numberMasked = record.numberMasked
        callerIDMasked = record.callerIDMasked
        uniqueid = record.uniqueID
        linkedid = record.linkedID
        wordPair = record.wordPair
        error = record.error
        claims = record.claims.map {
            Claims(name: $0.name, givenName: $0.givenName, familyName: $0.familyName, birthdate: $0.birthdate,
                   country: $0.country, identityScheme: $0.identityScheme)
        }
        polls = record.polls
        expiresAt = record.expiresAt.map(Self.timestamp)
        createdAt = Self.timestamp(record.createdAt)
        updatedAt = Self.timestamp(record.updatedAt)
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon).timeZone(separator: .omitted))
    }

    /// Compact JSON, keys sorted (one SSE `data:` line).
    var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { [UInt8]($0) } ?? Array("{}".utf8)
    }
}
