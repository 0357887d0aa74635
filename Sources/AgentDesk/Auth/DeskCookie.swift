import HTTPServer

/// The session cookie: `HttpOnly` (scripts cannot read it), `SameSite=Strict` (no other
/// site's page can make the browser send it), `Secure` when the desk serves TLS, `Path=/`.
/// Over TLS it carries the `__Host-` prefix, which browsers only accept with `Secure`,
/// `Path=/` and no `Domain`, so no subdomain can plant or overwrite it.
enum DeskCookie {
    static func name(secure: Bool) -> String { secure ? "__Host-ciba_desk" : "ciba_desk" }

    static func set(_ id: String, maxAge: Int, secure: Bool) -> String {
        "\(name(secure: secure))=\(id); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)" + (secure ? "; Secure" : "")
    }

    static func clear(secure: Bool) -> String {
        "\(name(secure: secure))=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" + (secure ? "; Secure" : "")
    }

    /// The session id from the request's `Cookie` headers, if present.
    static func value(in request: HTTPRequest, secure: Bool) -> String? {
        let wanted = name(secure: secure)
        for header in request.headerValues("Cookie") {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0] == wanted { return parts[1] }
            }
        }
        return nil
    }
}
