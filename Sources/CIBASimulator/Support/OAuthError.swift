import HTTPServer
import JOSE

/// An OAuth / CIBA error answer: `{"error": ..., "error_description": ...}` with the
/// `Cache-Control: no-store` every token-endpoint answer must carry (RFC 6749 §5.1).
struct OAuthError: Error, Sendable {
    var status: Int
    var error: String
    var description: String
    var headers: [(String, String)] = []

    static func invalidRequest(_ description: String) -> OAuthError {
        OAuthError(status: 400, error: "invalid_request", description: description)
    }

    static func invalidClient(_ description: String, basic: Bool) -> OAuthError {
        OAuthError(
            status: 401, error: "invalid_client", description: description,
            headers: basic ? [("WWW-Authenticate", #"Basic realm="ciba-simulator""#)] : [])
    }

    var response: HTTPResponse {
        var response = JSONResponses.object(
            ["error": .string(error), "error_description": .string(description)], status: status)
        for (name, value) in headers { response.setHeader(name, value) }
        return response
    }
}

/// JSON answers built from JOSE's deterministic encoder.
enum JSONResponses {
    static func object(_ object: [String: JSONValue], status: Int = 200) -> HTTPResponse {
        let body = (try? JSONValue.object(object).encoded()) ?? Array(#"{"error":"server_error"}"#.utf8)
        return HTTPResponse(
            status: status,
            headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("Pragma", "no-cache")],
            body: body)
    }
}
