import Foundation

/// Removes anything shaped like a credential from a vendor's error message before the client
/// sees it (a 4xx the client caused is forwarded with the vendor's words).
///
/// Three passes, most specific first:
/// 1. the provider's own credential, in every encoding a vendor might echo it in (as is, JSON-
///    or percent-escaped, base64 and base64url with or without padding, hex);
/// 2. values introduced by a credential word: `Bearer X`, `Basic X`, `key=X`, `api_key: X`,
///    `"api_key":"X"`, `token=X`, `password: X`, …;
/// 3. tokens that look like secrets on their own: a known prefix (`sk-`, `key-`, `AKIA`, `ghp_`,
///    `xox…`, `AIza`, …) or a long mixed letters-and-digits run, quoted or not.
/// Redactions read `[redacted]`; the rest of the message is kept.
public enum VendorErrorScrubber {
    public static let redacted = "[redacted]"

    public static func scrub(_ message: String, secrets: [String] = []) -> String {
        var text = message
        for secret in secrets where secret.utf8.count >= 4 {
            for form in encodings(of: secret) where !form.isEmpty {
                text = text.replacingOccurrences(of: form, with: redacted)
            }
        }
        return scrubTokens(text)
    }

    /// Every form of `secret` a vendor message might carry.
    static func encodings(of secret: String) -> [String] {
        let bytes = Data(secret.utf8)
        let base64 = bytes.base64EncodedString()
        let unpadded = String(base64.reversed().drop { $0 == "=" }.reversed())
        let url = unpadded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let percent = secret.addingPercentEncoding(withAllowedCharacters: allowed) ?? secret
        let json = secret.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "/", with: "\\/")
            .replacingOccurrences(of: "\"", with: "\\\"")
        // Longest first, so a longer form is never half-replaced by a shorter one inside it.
        return Set([secret, base64, unpadded, url, hex, hex.uppercased(), percent, json]).sorted { $0.count > $1.count }
    }

    /// Words after which the next token is a credential value. `always` ones take it after a
    /// space (`Bearer X`); the others only after `=` or `:` (`key=X`, "api key: X"), so "Invalid
    /// API key provided" keeps its words.
    static let alwaysIntroduces: Set<String> = ["bearer", "basic"]
    static let introduces: Set<String> = [
        "key", "apikey", "api_key", "api-key", "x-api-key", "access_token", "refresh_token", "id_token", "token", "secret",
        "client_secret", "password", "passwd", "pwd", "authorization", "auth", "credential", "credentials", "sig", "signature",
        "x-goog-api-key", "subscription-key", "ocp-apim-subscription-key", "session_token", "private_key",
    ]
    static let secretPrefixes = ["sk-", "sk_", "rk_", "pk_live", "key-", "akia", "asia", "ghp_", "gho_", "ghs_", "github_pat_", "xox", "aiza", "glpat-", "hf_"]

    /// Characters a credential token is made of (quotes, spaces, `:` and `,` separate tokens).
    static func isTokenCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || "-_+/=.~".contains(c))
    }

    static func scrubTokens(_ text: String) -> String {
        var output = ""
        var token = ""
        var separator = ""
        var previous = ""
        func flush() {
            guard !token.isEmpty else { return }
            let introduced = introducesValue(previous, separator: separator)
            output += separator
            output += judge(token, introduced: introduced)
            previous = token
            token = ""
            separator = ""
        }
        for character in text {
            if isTokenCharacter(character) {
                token.append(character)
            } else {
                if !token.isEmpty { flush() }
                separator.append(character)
            }
        }
        flush()
        return output + separator
    }

    /// Whether `word`, followed by `separator`, introduces a credential value.
    static func introducesValue(_ word: String, separator: String) -> Bool {
        let name = word.lowercased()
        let quiet = separator.allSatisfy { $0 == " " || $0 == ":" || $0 == "\"" || $0 == "'" || $0 == "\t" }
        guard quiet, !separator.isEmpty else { return false }
        if alwaysIntroduces.contains(name) { return true }
        return introduces.contains(name) && separator.contains(":")
    }

    /// The token as shown: redacted when introduced or secret-shaped; `name=value` keeps `name=`.
    static func judge(_ token: String, introduced: Bool) -> String {
        if let equals = token.firstIndex(of: "="), equals != token.startIndex {
            let name = String(token[..<equals])
            let value = String(token[token.index(after: equals)...])
            if introduces.contains(name.lowercased()) || alwaysIntroduces.contains(name.lowercased()) {
                return value.isEmpty ? token : name + "=" + redacted
            }
        }
        if introduced { return redacted }
        let core = token.trimmingCharacters(in: CharacterSet(charactersIn: ".=,"))
        let lowered = core.lowercased()
        if secretPrefixes.contains(where: { lowered.hasPrefix($0) }) && core.count >= 8 { return redacted }
        let hasLetter = core.contains { $0.isLetter }
        let hasDigit = core.contains { $0.isNumber }
        if core.count >= 24, hasLetter, hasDigit { return redacted }
        return token
    }
}
