import Foundation
import CIBA

/// Turns a profile, the call's options and the identified subject into the bc-authorize
/// parameters (CONTRACT §1.4, §4):
///
/// - `login_hint` from the profile's template (`sub:ssn:{number}` for Idura, `{number}` for
///   Authway, `{callerid}` for Transmit),
/// - `acr_values`, `binding_message` (never for Norwegian profiles; the loader refuses it),
/// - Swedish phone authentication: `authorization_details=[{"type":"phoneAuth","callInitiator":"user"|"RP"}]`,
///   the initiator from `initiator=` or the profile,
/// - `requested_expiry` and the profile's `extraParameters`.
public enum BackchannelRequestBuilder {
    public static func request(profile: Profile, options: CallOptions, number: String?, callerID: String) -> BackchannelRequest {
        let hint = profile.loginHint
            .replacingOccurrences(of: "{number}", with: number ?? "")
            .replacingOccurrences(of: "{callerid}", with: callerID)
        var request = BackchannelRequest(hint: .loginHint(hint))
        request.acrValues = profile.acrValues
        if profile.numberKind != .noFodselsnummer {
            request.bindingMessage = profile.bindingMessage
        }
        if let initiator = profile.callInitiator {
            let chosen = options.initiator ?? initiator
            request.authorizationDetails = #"[{"type":"phoneAuth","callInitiator":"\#(chosen.wireValue)"}]"#
        }
        request.requestedExpiry = profile.requestedExpiry
        request.extraParameters = profile.extraParameters
        return request
    }
}
