import Foundation

/// The text of `aamd --print-config`: one `name = value  (source: …)` line per setting, in
/// `DaemonSetting.all` order. Secrets show as `****` (nothing derived from them, not even a
/// length); a password inside a URL (`postgres://user:PASS@…`, `?password=`) is masked too.
public enum EffectiveSettingsReport {
    public static let mask = "****"

    public static func render(_ settings: ResolvedDaemonSettings) -> String {
        settings.entries.map { setting, resolved in
            let value: String
            switch resolved.value {
            case nil: value = "(unset)"
            case let text? where setting.isSecret: value = text.isEmpty ? "(unset)" : mask
            case let text?: value = maskingURLPasswords(text)
            }
            let source = resolved.origin.isEmpty ? resolved.source.rawValue : "\(resolved.source.rawValue) \(resolved.origin)"
            return "\(setting.name) = \(value)  (source: \(source))"
        }.joined(separator: "\n") + "\n"
    }

    /// `scheme://user:secret@host` → `scheme://user:****@host`, and any `password=` query value.
    static func maskingURLPasswords(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return text }
        var result = text
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = result[authorityStart...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? result.endIndex
        if let at = result[authorityStart..<authorityEnd].lastIndex(of: "@"),
            let colon = result[authorityStart..<at].firstIndex(of: ":")
        {
            result.replaceSubrange(result.index(after: colon)..<at, with: mask)
        }
        guard let query = result.firstIndex(of: "?") else { return result }
        let head = result[...query]
        let pairs = result[result.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let lower = pair.lowercased()
            return lower.hasPrefix("password=") || lower.hasPrefix("sslpassword=")
                ? String(pair.prefix(while: { $0 != "=" })) + "=" + mask : String(pair)
        }
        return head + pairs.joined(separator: "&")
    }
}
