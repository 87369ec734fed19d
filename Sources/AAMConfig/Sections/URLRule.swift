import AAMCore
import Foundation

/// The rule for upstream base URLs: absolute `http` or `https` with a host, and no user info
/// (a password in a URL would end up in logs; credentials belong in `credential`), on a host
/// `OutboundURLPolicy` accepts.
enum URLRule {
    /// Whether `scalar` is an acceptable base URL; reports the problem when it is not.
    static func check(_ scalar: ScalarValue, context: DecodingContext) -> Bool {
        let components = URLComponents(string: scalar.text)
        if let components, components.user != nil || components.password != nil {
            context.report(
                scalar.path, at: scalar.mark,
                "must not contain user info (put the credential in 'credential')")
            return false
        }
        guard let components, let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = components.host, !host.isEmpty
        else {
            context.report(
                scalar.path, at: scalar.mark,
                "invalid URL \(scalar.display) (expected an http or https URL with a host, e.g. https://api.openai.com)"
            )
            return false
        }
        if let problem = context.outbound.hostProblem(components.percentEncodedHost ?? host) ?? context.outbound.hostProblem(host) {
            context.report(scalar.path, at: scalar.mark, problem)
            return false
        }
        return true
    }
}
