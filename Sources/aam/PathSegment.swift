import Foundation

/// A name or id placed in an admin API path, percent-encoded so that a `/`, `?` or `#` in it
/// cannot reach another route.
enum PathSegment {
    static func encode(_ name: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
    }
}
