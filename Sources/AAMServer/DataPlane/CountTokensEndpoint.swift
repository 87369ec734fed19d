import AAMCore
import AAMProviders
import HTTPTypes
import Hummingbird

/// `POST /v1/messages/count_tokens` (Anthropic's `client.messages.count_tokens`), answered
/// locally: no vendor is called, nothing is billed and no call record is written.
///
/// The count is AAM's own admission estimate of the request's prompt (`EarlyEndSettlement`,
/// about 4 bytes of request per token): the figure budgets and TPM limits reserve for this
/// request, not the vendor tokenizer's count. The answer says so in `x-aam-token-count:
/// estimated`. The caller must be allowed the alias (same 404 as a call otherwise).
struct CountTokensEndpoint: Sendable {
    let runtime: GatewayRuntime

    func handle(_ request: Request, context: GatewayContext) async -> Response {
        do {
            let caller = try await AuthenticatedCaller(request: request, context: context, runtime: runtime, allowXAPIKey: true)
            let body = try await BodyReader.read(request, limit: runtime.settings.maxBodyBytes)
            let (scan, alias) = try RequestPreamble.read(body)
            guard scan.member("messages")?.kind == .array else {
                throw GatewayError.invalidRequest("messages: Field required (an array)", param: "messages", code: .missingRequiredParameter)
            }
            guard ModelsEndpoint.isVisible(alias, to: caller, runtime: runtime) else { throw GatewayError.modelNotFound(alias) }
            var fields = HTTPFields()
            fields[Responses.requestIDField] = context.requestID
            fields[Self.countKindField] = "estimated"
            let tokens = EarlyEndSettlement.promptEstimate(bodyBytes: body.count)
            return Responses.json(Array(#"{"input_tokens":\#(tokens)}"#.utf8), headers: fields)
        } catch let error as GatewayError {
            return Responses.error(error, shape: .anthropic, requestID: context.requestID)
        } catch {
            return Responses.error(.internalError(context.requestID), shape: .anthropic, requestID: context.requestID)
        }
    }

    /// `estimated`: the count is AAM's estimate, not the vendor's tokenizer.
    static let countKindField = HTTPField.Name("x-aam-token-count")!
}
