import Foundation

/// The forms in which a careless or hostile tool might hand a credential back, built with
/// Foundation so tests do not grade the redactor with its own encoders: the fake MCP server's
/// `leak_credential` tool answers all of them, and tests prove none reaches the agent.
public enum CredentialEncodings {
    public static func all(_ secret: String) -> [(name: String, text: String)] {
        let data = Data(secret.utf8)
        let std = data.base64EncodedString()
        func urlSafe(_ text: String) -> String {
            text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        func inside(_ prefix: String) -> String { Data((prefix + secret + "|tail").utf8).base64EncodedString() }
        let hex = data.map { String(format: "%02x", $0) }.joined()
        return [
            ("raw", secret),
            ("base64", std),
            ("base64 unpadded", std.trimmingCharacters(in: ["="])),
            ("base64url", urlSafe(std)),
            ("base64url unpadded", urlSafe(std).trimmingCharacters(in: ["="])),
            ("base64 in longer text, alignment 0", inside("")),
            ("base64 in longer text, alignment 1", inside("a")),
            ("base64 in longer text, alignment 2", inside("ab")),
            ("base64url in longer text, alignment 1", urlSafe(inside("?"))),
            ("basic auth", "Basic " + Data("user:\(secret)".utf8).base64EncodedString()),
            ("hex", hex),
            ("HEX", hex.uppercased()),
            ("percent-encoded", data.map { String(format: "%%%02X", $0) }.joined()),
            ("percent-encoded (form)", secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret),
            ("JSON-escaped", secret.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()),
            ("JSON text", #"{"token":"\#(secret.unicodeScalars.map { String(format: "\\u%04X", $0.value) }.joined())"}"#),
        ]
    }

    /// The parts of `all` long enough to be evidence of a leak when found in an answer.
    public static func evidence(_ secret: String) -> [(name: String, text: String)] {
        all(secret).map { ($0.name, $0.name == "basic auth" ? String($0.text.dropFirst(6)) : $0.text) }
    }
}
