/// The dotted path of a field in the file, as error messages name it: `providers[1].headers.X-Title`.
struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    let description: String

    /// The document itself (an empty path).
    static let root = FieldPath(description: "")

    /// The field `key` of the mapping at this path.
    func child(_ key: String) -> FieldPath {
        FieldPath(description: description.isEmpty ? key : description + "." + key)
    }

    /// The `index`-th (0-based) item of the list at this path.
    func index(_ index: Int) -> FieldPath { FieldPath(description: description + "[\(index)]") }
}
