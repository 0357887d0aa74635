import Foundation
import JOSE

/// Adjustments `ciba-agi mock-provider` offers on the command line (the flow benchmark in
/// Benchmarks/flow uses both).
extension SimulatorConfiguration {
    /// Makes the demo person Terne Paulsen (196802020575) approve after `polls` pending polls
    /// instead of 2, so that many calls can be kept waiting for a measured while and still end
    /// VERIFIED. The other persons keep their outcomes.
    public mutating func setDemoPersonApproval(afterPolls polls: Int) {
        persons = persons.map { person in
            var person = person
            if person.number == SimulatedPerson.demoNumber { person.outcome = .approve(afterPolls: max(0, polls)) }
            return person
        }
    }

    /// Accepts `private_key_jwt` assertions signed by the key in `file` (PEM `PUBLIC KEY` or
    /// a certificate, RSA or EC). Its `kid` is the file name without `.pem`, which is what
    /// the client's `provider.keyId` must say when it sends one.
    /// - Throws: the read error, or JOSE's error for a file that holds no usable public key.
    public mutating func registerClientPublicKey(file: String) throws {
        let keyID = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let pem = try String(contentsOfFile: file, encoding: .utf8)
        clientJWKs.append(try PublicKey(pem: pem, keyID: keyID).jwk)
    }
}
