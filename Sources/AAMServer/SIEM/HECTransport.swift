import AAMCore
import AsyncHTTPClient
import Foundation
import NIOCore

/// A Splunk HTTP Event Collector (or compatible) endpoint: `POST <url>` with
/// `Authorization: Splunk <token>` and a batch of newline-separated envelopes.
///
/// 2xx: delivered. 400: the collector calls the events malformed: dropped and counted (retrying
/// cannot help). 401/403 (token), 404 (path) and other 4xx: a configuration problem, retried with
/// an alarm on every failure and never dropped. 429, 5xx, timeouts and connection errors: retried
/// with backoff. The token is sent only in that header: never logged, never shown.
final class HECTransport: SIEMTransport {
    let name = "hec"
    let url: String
    private let token: SecretValue
    let envelope: HECEnvelope
    let timeout: TimeAmount = .seconds(15)
    private let client: HTTPClient

    init(url: String, token: SecretValue, envelope: HECEnvelope) {
        self.url = url
        self.token = token
        self.envelope = envelope
        self.client = OutboundHTTP.makeClient { configuration in
            // A refused connection must fail the attempt now, so the sink's own backoff (and its
            // failure count and alarm) applies, instead of the client retrying silently until its
            // connect timeout.
            configuration.connectionPool.retryConnectionEstablishment = false
            configuration.timeout = .init(connect: .seconds(3), read: .seconds(15))
        }
    }

    var target: String { url }

    func deliver(_ events: [SIEMEvent]) async -> SIEMDeliveryResult {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "authorization", value: "Splunk " + token.revealForTransport())
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: envelope.body(for: events)))
        let status: Int
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = Int(response.status.code)
            // Read (and discard) the answer so the connection can be reused.
            _ = try? await response.body.collect(upTo: 64 * 1024)
        } catch {
            return .retry("POST failed: \(String(describing: error).prefix(200))")
        }
        return Self.classify(status: status)
    }

    static func classify(status: Int) -> SIEMDeliveryResult {
        switch status {
        case 200..<300: .delivered
        case 400: .rejected("collector answered 400 (malformed events)")
        case 401, 403: .misconfigured("collector refused the token (\(status)): check AAM_SIEM_HEC_TOKEN")
        case 300..<400: .misconfigured("collector answered with a redirect (\(status)), which AAM does not follow: point --siem-hec-url at the final URL")
        case 429: .retry("collector is throttling (429)")
        case 400..<500: .misconfigured("collector answered \(status): check --siem-hec-url")
        default: .retry("collector answered \(status)")
        }
    }

    func shutdown() async {
        try? await client.shutdown()
    }
}
