import AAMCore
import AAMProviders
import Synchronization

/// The chat request a Responses body becomes for a translated deployment, made on first use:
/// a call that only ever meets deployments with the Responses API (the pass-through) never
/// pays for the translation.
///
/// The lock guards a pure computation (no await inside); two readers racing on one request
/// would both get the same result.
final class ResponsesTranslation: Sendable {
    private let body: [UInt8]
    private let made = Mutex<Result<InboundRequest, GatewayError>?>(nil)

    init(_ body: [UInt8]) {
        self.body = body
    }

    /// The chat request, or the 400 the translation gives (naming the field it cannot carry).
    var result: Result<InboundRequest, GatewayError> {
        made.withLock { made in
            if let made { return made }
            let result = Self.translate(body)
            made = result
            return result
        }
    }

    private static func translate(_ body: [UInt8]) -> Result<InboundRequest, GatewayError> {
        let chatBody: [UInt8]
        do {
            chatBody = try ResponsesRequestTranslator.chatBody(body)
        } catch {
            return .failure(.invalidRequest(error.message, param: error.param))
        }
        do {
            return .success(try InboundRequest(body: chatBody, wire: .openAIChat))
        } catch {
            return .failure(error)
        }
    }
}
