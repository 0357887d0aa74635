import HTTPServer

/// Headers on every answer of the desk: no framing (clickjacking), no inline or foreign
/// script (CSP), no MIME sniffing, no referrer, and no caching of anything but the static
/// page files (API answers hold names and birth dates).
enum SecurityHeaders {
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func apply(to response: inout HTTPResponse, tls: Bool, cacheable: Bool) {
        response.setHeader("Content-Security-Policy", contentSecurityPolicy)
        response.setHeader("X-Frame-Options", "DENY")
        response.setHeader("X-Content-Type-Options", "nosniff")
        response.setHeader("Referrer-Policy", "no-referrer")
        response.setHeader("Cross-Origin-Opener-Policy", "same-origin")
        response.setHeader("Cross-Origin-Resource-Policy", "same-origin")
        if response.header("Cache-Control") == nil {
            response.setHeader("Cache-Control", cacheable ? "no-cache" : "no-store")
        }
        if tls { response.setHeader("Strict-Transport-Security", "max-age=31536000") }
    }
}
