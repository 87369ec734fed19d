import Yams

/// Extra upstream headers of a provider: valid HTTP field names, and never a credential header
/// (credentials belong in `credential`, where they are sealed at rest and never echoed).
enum HeaderRules {
    /// Header names that carry credentials, compared case-insensitively.
    static let forbidden: Set<String> = ["authorization", "api-key", "x-api-key"]

    /// Reads `headers:`; values are kept verbatim and are never shown in errors.
    static func read(_ reader: MappingReader) -> [String: String] {
        guard let entries = reader.stringMap("headers") else { return [:] }
        var headers: [String: String] = [:]
        for entry in entries {
            let field = reader.path.child("headers").child(entry.name)
            if forbidden.contains(entry.name.lowercased()) {
                reader.context.report(
                    field, at: entry.nameMark,
                    "header '\(entry.name)' carries a credential; put the credential in 'credential' instead")
            } else if !isToken(entry.name) {
                reader.context.report(field, at: entry.nameMark, "invalid header name '\(entry.name)'")
            } else {
                headers[entry.name] = entry.value.text
            }
        }
        return headers
    }

    /// RFC 9110 `token`: visible ASCII except separators.
    private static func isToken(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII && scalar.value > 0x20 && scalar.value < 0x7F
                    && !"\"(),/:;<=>?@[\\]{}".unicodeScalars.contains(scalar)
            }
    }
}
