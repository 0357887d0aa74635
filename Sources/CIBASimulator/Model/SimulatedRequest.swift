import Foundation

/// One request the simulated provider received, as recorded for tests and the demo
/// transcript. Holds nothing secret: the login hint is masked (`19680202****`), and
/// auth_req_ids, tokens, secrets and assertions are never recorded.
public struct SimulatedRequest: Sendable, Equatable, CustomStringConvertible {
    public enum Endpoint: String, Sendable, Equatable {
        case discovery, jwks, backchannel = "bc-authorize", token, other
    }

    public var endpoint: Endpoint
    public var method: String
    /// When it arrived, by the simulator's clock.
    public var time: Date
    /// The HTTP status answered.
    public var status: Int
    /// The OAuth `error` answered (`authorization_pending`, `slow_down`, ...), nil on success.
    public var error: String?
    /// How the client authenticated, when it did successfully.
    public var clientAuth: ClientAuthMethod?
    /// The masked number from the login hint (bc-authorize) or of the person the
    /// `auth_req_id` belongs to (token); `***` when the hint is not a number.
    public var maskedHint: String?
    /// The eID chosen by `acr_values`.
    public var scheme: IdentityScheme?
    /// `callInitiator` from `authorization_details` (`user` / `RP`), when sent.
    public var callInitiator: String?
    /// Whether a `binding_message` was sent.
    public var hadBindingMessage: Bool
    /// Token requests: the 1-based number of this poll for its `auth_req_id`.
    public var poll: Int?

    public init(
        endpoint: Endpoint, method: String, time: Date, status: Int, error: String? = nil,
        clientAuth: ClientAuthMethod? = nil, maskedHint: String? = nil, scheme: IdentityScheme? = nil,
        callInitiator: String? = nil, hadBindingMessage: Bool = false, poll: Int? = nil
    ) {
        self.endpoint = endpoint
        self.method = method
        self.time = time
        self.status = status
        self.error = error
        self.clientAuth = clientAuth
        self.maskedHint = maskedHint
        self.scheme = scheme
        self.callInitiator = callInitiator
        self.hadBindingMessage = hadBindingMessage
        self.poll = poll
    }

    public var description: String {
        var text = "\(method) \(endpoint.rawValue) -> \(status)"
        if let error { text += " \(error)" }
        if let maskedHint { text += " hint=\(maskedHint)" }
        if let clientAuth { text += " auth=\(clientAuth.rawValue)" }
        if let poll { text += " poll=\(poll)" }
        return text
    }
}
