import Foundation
import CIBA
import TLS

/// `check-config`'s first question to the provider: can a connection be made at all with the
/// `provider` block's trust, client certificate and proxy? Answers with the one line an
/// operator acts on (untrusted certificate and the CA that issued it, wrong host name, expired
/// certificate, client certificate refused, proxy refused), or nil when the provider answered
/// anything over HTTP.
///
/// Only TLS and proxy failures are reported here; an unreachable host or a timeout is left to
/// the discovery check, which says the same for every endpoint.
public enum ProviderConnectionCheck {
    public static func problem(for provider: ProviderConfiguration, timeout: Duration = .seconds(10)) async -> String? {
        let url = provider.issuer.appendingPathComponent(".well-known/openid-configuration")
        let transport: CurlTransport
        do {
            transport = try CurlTransport(settings: provider.transport)
        } catch {
            return error.reason
        }
        do {
            _ = try await transport.send(HTTPTransportRequest(method: "GET", url: url, timeout: timeout))
            return nil
        } catch let error as HTTPTransportError {
            switch error.kind {
            case .tls: return await explained(error.reason, url: url, provider: provider, timeout: timeout)
            case .proxy: return error.reason
            default: return nil
            }
        } catch {
            return nil
        }
    }

    /// Adds what the presented certificate says to an untrusted or wrong-host failure, when
    /// the provider is reached directly (the probe does not go through a proxy).
    static func explained(_ reason: String, url: URL, provider: ProviderConfiguration, timeout: Duration) async -> String {
        let untrusted = reason.contains("not trusted") || reason.contains("refused (not trusted")
        let wrongHost = reason.contains("for another host name")
        guard untrusted || wrongHost, provider.transport.proxy == nil, let host = url.host else { return reason }
        let port = UInt16(clamping: url.port ?? (url.scheme == "https" ? 443 : 80))
        guard let certificate = try? await TLSCertificateProbe.presentedCertificate(host: host, port: port, timeout: timeout) else {
            return reason
        }
        if wrongHost { return "\(reason) (its certificate is for \(certificate.subject))" }
        return "\(reason) (the server's certificate is issued by \(certificate.issuer): provider.caFile must hold that CA)"
    }
}
