/// A parsed (not yet verified) JWS in compact serialization: `header.payload.signature`.
///
/// Parsing checks structure only; use ``JWSVerifier`` before trusting anything in it.
/// Limits: at most ``maximumLength`` characters, exactly three parts, strict base64url,
/// a header that is a JSON object with a string `alg`, no unknown `crit` extensions.
public struct CompactJWS: Sendable {
    /// The largest compact JWS accepted (16 KiB); real ID tokens are 1–3 KiB.
    public static let maximumLength = 16_384

    /// The decoded protected header.
    public let header: JWSHeader
    /// The decoded payload bytes.
    public let payload: [UInt8]
    /// The ASCII bytes `BASE64URL(header) "." BASE64URL(payload)` that the signature covers.
    public let signingInput: [UInt8]
    /// The decoded signature bytes (empty for `alg: none`).
    public let signature: [UInt8]

    /// Parses a compact JWS.
    /// - Throws: ``JOSEError/Kind/malformed``; the reason never contains the token.
    public static func parse(_ compact: String) throws -> CompactJWS {
        let bytes = Array(compact.utf8)
        guard !bytes.isEmpty else { throw JOSEError.malformed("token is empty") }
        guard bytes.count <= maximumLength else { throw JOSEError.malformed("token is longer than \(maximumLength) bytes") }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw JOSEError.malformed("compact JWS must have exactly 3 parts, found \(parts.count)")
        }
        guard !parts[0].isEmpty else { throw JOSEError.malformed("header part is empty") }
        let headerBytes: [UInt8]
        do { headerBytes = try Base64URL.decode(utf8: parts[0]) } catch {
            throw JOSEError.malformed("header is not strict base64url")
        }
        let payload: [UInt8]
        do { payload = try Base64URL.decode(utf8: parts[1]) } catch {
            throw JOSEError.malformed("payload is not strict base64url")
        }
        let signature: [UInt8]
        do { signature = try Base64URL.decode(utf8: parts[2]) } catch {
            throw JOSEError.malformed("signature is not strict base64url")
        }
        let headerValue: JSONValue
        do { headerValue = try JSONValue.parse(headerBytes) } catch {
            throw JOSEError.malformed("header is not valid JSON")
        }
        guard let headerObject = headerValue.objectValue else {
            throw JOSEError.malformed("header is not a JSON object")
        }
        let header = try JWSHeader(validating: headerObject)
        let signingInput = Array(bytes[bytes.startIndex..<parts[1].endIndex])
        return CompactJWS(header: header, payload: payload, signingInput: signingInput, signature: signature)
    }

    /// The payload parsed as a JSON object (a JWT claims set).
    /// - Throws: ``JOSEError/Kind/malformed`` if the payload is not a JSON object.
    public func claims() throws -> [String: JSONValue] {
        let value: JSONValue
        do { value = try JSONValue.parse(payload) } catch {
            throw JOSEError.malformed("payload is not valid JSON")
        }
        guard let object = value.objectValue else { throw JOSEError.malformed("payload is not a JSON object") }
        return object
    }
}
