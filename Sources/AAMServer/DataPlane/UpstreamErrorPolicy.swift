import AAMCore
import AAMProviders

/// What a non-2xx upstream answer means for the call: try another deployment, or tell the
/// client (in its own error shape) without retrying.
enum UpstreamErrorPolicy {
    enum Verdict: Equatable {
        /// Transient or deployment-specific: another deployment may succeed.
        case retry(errorClass: ErrorCode)
        /// The request itself is at fault; another deployment would fail the same way.
        case reject(GatewayError)
    }

    /// `secrets`: the provider's credential (and anything else the message must not repeat).
    static func verdict(status: Int, body: [UInt8], secrets: [String], dialect: any VendorDialect) -> Verdict {
        // A credential refusal in another status (Gemini's `400 API_KEY_INVALID`) is the
        // gateway's problem, never the client's.
        if dialect.isCredentialRefusal(status: status, body: body) { return .retry(errorClass: .upstreamAuthFailed) }
        if let refusal = dialect.refusalClass(status: status, body: body) { return .retry(errorClass: refusal) }
        switch status {
        case 429: return .retry(errorClass: .rateLimited)
        case 408, 409, 425, 500...599: return .retry(errorClass: status == 529 ? .overloaded : .upstreamStatus(status))
        case 401, 403:
            // The gateway's vendor credential was refused: never the client's fault, and the
            // vendor's message may echo part of the credential, so it is not forwarded.
            return .retry(errorClass: .upstreamAuthFailed)
        case 404:
            return .retry(errorClass: .upstreamNotFound)
        default:
            let message = dialect.errorMessage(body) ?? "The upstream rejected the request (HTTP \(status))."
            let clientStatus = status == 413 ? 413 : 400
            return .reject(GatewayError(
                status: clientStatus, type: .invalidRequestError, code: status == 413 ? .requestTooLarge : .upstreamRejectedRequest,
                message: VendorErrorScrubber.scrub(message, secrets: secrets)))
        }
    }

    /// The error the client gets when every attempt failed.
    static func exhausted(alias: String, attempts: [CallRecord.Attempt], retryAfter: Int?) -> GatewayError {
        let tried = attempts.map { "\($0.deployment) (\($0.errorClass ?? "status \($0.status ?? 0)"))" }.joined(separator: ", ")
        let allRateLimited = !attempts.isEmpty && attempts.allSatisfy { $0.errorCode == .rateLimited }
        let allTimeouts = !attempts.isEmpty && attempts.allSatisfy { $0.errorCode == .timeout }
        let message = "All deployments for '\(alias)' failed. Tried: \(tried)."
        if allRateLimited {
            return .rateLimitExceeded(message, retryAfterSeconds: retryAfter ?? 1)
        }
        if allTimeouts { return .upstreamFailed(status: 504, message: message, code: .upstreamTimeout) }
        if attempts.contains(where: { $0.errorCode == .upstreamClockSkew }) {
            // Not the vendor's fault nor the credential's: say which clock to fix.
            return .upstreamFailed(
                status: 502,
                message: message + " The upstream refused the request signature's time: this gateway host's clock is off by more than 5 minutes (check NTP).",
                code: .upstreamClockSkew)
        }
        return .upstreamFailed(status: attempts.contains { $0.status != nil } ? 502 : 503, message: message)
    }
}
