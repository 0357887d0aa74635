import Foundation
import CIBASimulator
import JOSE

/// `mock-provider --client-key DIR`: the client key for `private_key_jwt` (the sample's default).
///
/// Generated once into `DIR/client-key.pem` (mode 0600, RSA 2048), loaded on later starts, so
/// a configuration pointed at it keeps working across restarts. Only the PUBLIC key is printed
/// (as a JWK) with a ready-to-paste `provider` block; the private key never leaves the file.
struct MockProviderClientKey {
    static let keyID = "mock-client-k1"
    let keyFile: String
    let publicJWK: JWK

    /// Loads or creates the key and registers its public half with the simulator.
    static func prepare(directory: String, configuration: inout SimulatorConfiguration) throws -> MockProviderClientKey {
        let keyFile = URL(fileURLWithPath: directory).standardizedFileURL.path + "/client-key.pem"
        let key: PrivateKey
        if let data = FileManager.default.contents(atPath: keyFile) {
            do { key = try PrivateKey(pem: String(decoding: data, as: UTF8.self)) } catch {
                throw RuntimeFailure("mock-provider: \(keyFile) is not a usable private key: \(error)")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
                key = try PrivateKey.generateRSA(bits: 2048)
                guard FileManager.default.createFile(atPath: keyFile, contents: Data(try key.pemPKCS8().utf8),
                                                     attributes: [.posixPermissions: 0o600]) else {
                    throw RuntimeFailure("mock-provider: cannot write \(keyFile)")
                }
            } catch let failure as RuntimeFailure {
                throw failure
            } catch {
                throw RuntimeFailure("mock-provider: cannot create the client key in \(directory): \(error)")
            }
        }
        let jwk = try key.publicJWK(keyID: keyID)
        configuration.clientJWKs.append(jwk)
        configuration.allowedClientAuthMethods.insert(.privateKeyJWT)
        return MockProviderClientKey(keyFile: keyFile, publicJWK: jwk)
    }

    /// The public JWK and a `provider` block for `ciba-agi.json`.
    func banner(issuer: URL, clientID: String) -> String {
        let jwkText = (try? JSONValue.object(publicJWK.json).encoded()).map { String(decoding: $0, as: UTF8.self) } ?? "?"
        return """
          client key:    \(keyFile) (private_key_jwt; public JWK below, private key stays in the file)
          client JWK:    \(jwkText)
        provider block for ciba-agi.json:
          "provider": {"issuer": "\(issuer.absoluteString)", "clientId": "\(clientID)",
                       "clientAuth": "private_key_jwt", "privateKeyFile": "\(keyFile)", "keyId": "\(Self.keyID)"}
        """
    }
}
