import AAMCore
import AAMProviders
import Foundation
import Hummingbird

/// What Bedrock checks before anything else: a SigV4 `Authorization` for service `bedrock`
/// whose signature, recomputed with the secret, matches (`InvalidSignatureException` when not),
/// an `x-amz-date` within five minutes of the service's clock (`Signature expired`), the access
/// key it knows (`UnrecognizedClientException`) and, with a session token, that token.
///
/// The fake's credential is its `apiKey`, read like a provider's (`ACCESS_KEY_ID:SECRET[:TOKEN]`
/// or the JSON form); a plain key is the secret of `FakeUpstream.bedrockAccessKeyID`, so one
/// fake serves every vendor in a test. The signature is recomputed from the request as received: the raw path,
/// the query, the headers the client says it signed, and the SHA-256 of the body.
enum BedrockSignatureCheck {
    struct Denial: Sendable {
        var status: Int
        var type: String
        var message: String
    }

    static func verify(
        method: String, rawPath: String, query: String?, host: String?, headers: HTTPFields, body: [UInt8], apiKey: String, now: Date
    ) -> Denial? {
        guard let key = BedrockCredential.read(SecretValue(apiKey.contains(":") || apiKey.hasPrefix("{") ? apiKey : FakeUpstream.bedrockAccessKeyID + ":" + apiKey)) else {
            return Denial(status: 500, type: "InternalServerException", message: "AAM fake: its apiKey is not an AWS credential")
        }
        guard let authorization = headers[.authorization] else {
            return Denial(status: 403, type: "MissingAuthenticationTokenException", message: "Missing Authentication Token")
        }
        guard authorization.hasPrefix("AWS4-HMAC-SHA256 "), let parts = parse(authorization),
            let credential = parts["Credential"], let signedNames = parts["SignedHeaders"], let signature = parts["Signature"]
        else {
            return Denial(status: 403, type: "IncompleteSignatureException", message: "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=\(authorization.prefix(20))")
        }
        let scope = credential.split(separator: "/").map(String.init)
        guard scope.count == 5, scope[4] == "aws4_request" else {
            return Denial(status: 403, type: "IncompleteSignatureException", message: "Credential should be scoped to a valid region.")
        }
        guard scope[0] == key.accessKeyID else {
            return Denial(status: 403, type: "UnrecognizedClientException", message: "The security token included in the request is invalid.")
        }
        if let token = key.sessionToken, headers[FieldName("x-amz-security-token")!] != token {
            return Denial(status: 403, type: "UnrecognizedClientException", message: "The security token included in the request is invalid.")
        }
        guard scope[3] == BedrockDialect.signingService else {
            return Denial(status: 403, type: "InvalidSignatureException", message: "Credential should be scoped to correct service: 'bedrock'.")
        }
        guard let amzDate = headers[FieldName("x-amz-date")!], let signedAt = SigV4Signer.parseAmzDate(amzDate) else {
            return Denial(status: 403, type: "IncompleteSignatureException", message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        if abs(signedAt.timeIntervalSince(now)) > 300 {
            let earliest = SigV4Signer.amzDate(now.addingTimeInterval(-300))
            let message = signedAt < now
                ? "Signature expired: \(amzDate) is now earlier than \(earliest) (\(SigV4Signer.amzDate(now)) - 5 min.)"
                : "Signature not yet current: \(amzDate) is still later than \(SigV4Signer.amzDate(now.addingTimeInterval(300))) (\(SigV4Signer.amzDate(now)) + 5 min.)"
            return Denial(status: 403, type: "InvalidSignatureException", message: message)
        }
        let payloadHash = SigV4Signer.sha256Hex(body)
        if let claimed = headers[FieldName("x-amz-content-sha256")!], claimed != payloadHash {
            return Denial(status: 400, type: "XAmzContentSHA256Mismatch", message: "The provided 'x-amz-content-sha256' header does not match what was computed.")
        }
        var signed: [(String, String)] = []
        for name in signedNames.split(separator: ";").map(String.init) {
            // HTTP/1.1's `Host` arrives as the request's authority, not among its fields.
            if name == "host", let host {
                signed.append((name, host))
                continue
            }
            guard let field = FieldName(name) else { continue }
            let values = headers[values: field]
            guard !values.isEmpty else {
                return Denial(status: 403, type: "InvalidSignatureException", message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
            }
            for value in values { signed.append((name, value)) }
        }
        let signer = SigV4Signer(accessKeyID: key.accessKeyID, secretAccessKey: key.secretAccessKey, region: scope[2], service: scope[3])
        let expected = signer.signature(method: method, path: rawPath, query: query ?? "", headers: signed, payloadHash: payloadHash, amzDate: amzDate)
        guard expected.signedHeaders == signedNames, expected.signature == signature, signedNames.split(separator: ";").contains("host") else {
            return Denial(status: 403, type: "InvalidSignatureException", message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
        }
        return nil
    }

    /// `Credential=…, SignedHeaders=…, Signature=…` -> its parts.
    private static func parse(_ authorization: String) -> [String: String]? {
        var parts: [String: String] = [:]
        for item in authorization.dropFirst("AWS4-HMAC-SHA256 ".count).split(separator: ",") {
            let pair = item.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { return nil }
            parts[pair[0]] = pair[1]
        }
        return parts
    }
}
