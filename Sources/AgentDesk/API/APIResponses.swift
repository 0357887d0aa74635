import Foundation
import HTTPServer
import JOSE

/// JSON error answers of the agent API: `{"error": CODE, "message": TEXT}`. Messages never
/// echo a number, password or token.
enum APIError {
    static func response(_ status: Int, _ code: String, _ message: String, headers: [(String, String)] = []) -> HTTPResponse {
        var response = HTTPResponse.json(["error": code, "message": message], status: status)
        for (name, value) in headers { response.setHeader(name, value) }
        return response
    }

    static func badRequest(_ message: String, code: String = "invalid_request") -> HTTPResponse { response(400, code, message) }
    static var unauthorized: HTTPResponse {
        response(401, "unauthorized", "log in or send Authorization: Bearer TOKEN", headers: [("WWW-Authenticate", "Bearer realm=\"ciba-agi\"")])
    }
    static func forbidden(_ message: String) -> HTTPResponse { response(403, "forbidden", message) }
    static var notFound: HTTPResponse { response(404, "not_found", "no such resource") }
    static func methodNotAllowed(_ allowed: [String]) -> HTTPResponse {
        response(405, "method_not_allowed", "use \(allowed.joined(separator: ", "))", headers: [("Allow", allowed.joined(separator: ", "))])
    }
    static func tooManyRequests(_ message: String, retryAfter: Int?, txn: String? = nil) -> HTTPResponse {
        var body = ["error": "rate_limited", "message": message]
        if let txn { body["txn"] = txn }
        var response = HTTPResponse.json(body, status: 429)
        if let retryAfter { response.setHeader("Retry-After", String(retryAfter)) }
        return response
    }
}

/// Reads a JSON object body strictly: `Content-Type: application/json`, an object, only
/// known keys, string values. (A form post from another site cannot have that type
/// without a CORS preflight, which this server never grants.)
struct JSONBody {
    struct Problem: Error { let message: String }
    let fields: [String: String]

    static func parse(_ request: HTTPRequest, allowed: Set<String>, required: Set<String>) -> Result<JSONBody, Problem> {
        guard request.mediaType == "application/json" else { return .failure(Problem(message: "send Content-Type: application/json")) }
        guard let value = try? JSONValue.parse(request.body), let object = value.objectValue else {
            return .failure(Problem(message: "the body is not a JSON object"))
        }
        var fields: [String: String] = [:]
        for (key, entry) in object {
            guard allowed.contains(key) else { return .failure(Problem(message: "unknown field \"\(key.prefix(40))\"")) }
            if entry.isNull { continue }
            guard let text = entry.stringValue else { return .failure(Problem(message: "\"\(key)\" must be a string")) }
            guard text.utf8.count <= 1024 else { return .failure(Problem(message: "\"\(key)\" is too long")) }
            fields[key] = text
        }
        for key in required.sorted() where (fields[key] ?? "").isEmpty {
            return .failure(Problem(message: "\"\(key)\" is required"))
        }
        return .success(JSONBody(fields: fields))
    }
}
