/// Reads typed fields out of a JSON object while tracking the field path, so every type error
/// names the exact field (`messages[2].content: expected a string`).
///
/// "Optional" readers treat a missing member and an explicit `null` alike (both vendors do).
struct FieldReader {
    let object: WireJSONObject
    /// Path of this object itself ("" for the document root).
    let path: String

    init(_ object: WireJSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    /// Parses a request/response body that must be a JSON object.
    static func root(_ bytes: some Collection<UInt8>, context: String) throws(TranslationError) -> FieldReader {
        let value = try WireJSON.parse(bytes, context: context)
        guard let object = value.objectValue else {
            throw TranslationError(message: "\(context): expected a JSON object", param: nil)
        }
        return FieldReader(object)
    }

    /// Path of a member of this object.
    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func value(_ key: String) -> WireJSON? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    func has(_ key: String) -> Bool { value(key) != nil }

    func mismatch(_ key: String, expected: String, got: WireJSON) -> TranslationError {
        .field(path(key), "expected \(expected), got \(got.typeName)")
    }

    func missing(_ key: String) -> TranslationError { .field(path(key), "required") }

    // MARK: Strings

    func optionalString(_ key: String) throws(TranslationError) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.stringValue else { throw mismatch(key, expected: "a string", got: v) }
        return s
    }

    func string(_ key: String) throws(TranslationError) -> String {
        guard let s = try optionalString(key) else { throw missing(key) }
        return s
    }

    // MARK: Numbers and booleans

    func optionalInt(_ key: String) throws(TranslationError) -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.intValue else { throw mismatch(key, expected: "an integer", got: v) }
        return i
    }

    func optionalDouble(_ key: String) throws(TranslationError) -> Double? {
        guard let v = value(key) else { return nil }
        guard let d = v.doubleValue else { throw mismatch(key, expected: "a number", got: v) }
        return d
    }

    /// The number member as written (keeps `0.70` as `0.70` when copied to another body).
    func optionalNumber(_ key: String) throws(TranslationError) -> WireJSON? {
        guard let v = value(key) else { return nil }
        guard case .number = v else { throw mismatch(key, expected: "a number", got: v) }
        return v
    }

    func optionalBool(_ key: String) throws(TranslationError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.boolValue else { throw mismatch(key, expected: "a boolean", got: v) }
        return b
    }

    // MARK: Containers

    func optionalObject(_ key: String) throws(TranslationError) -> FieldReader? {
        guard let v = value(key) else { return nil }
        guard let o = v.objectValue else { throw mismatch(key, expected: "an object", got: v) }
        return FieldReader(o, path: path(key))
    }

    func object(_ key: String) throws(TranslationError) -> FieldReader {
        guard let o = try optionalObject(key) else { throw missing(key) }
        return o
    }

    func optionalArray(_ key: String) throws(TranslationError) -> [WireJSON]? {
        guard let v = value(key) else { return nil }
        guard let a = v.arrayValue else { throw mismatch(key, expected: "an array", got: v) }
        return a
    }

    func array(_ key: String) throws(TranslationError) -> [WireJSON] {
        guard let a = try optionalArray(key) else { throw missing(key) }
        return a
    }

    /// The elements of an array member that must all be objects, each with its indexed path.
    func objects(_ key: String, required: Bool = false) throws(TranslationError) -> [FieldReader] {
        let elements: [WireJSON]
        if required {
            elements = try array(key)
        } else {
            elements = try optionalArray(key) ?? []
        }
        var readers: [FieldReader] = []
        readers.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            let elementPath = "\(path(key))[\(i)]"
            guard let o = element.objectValue else {
                throw .field(elementPath, "expected an object, got \(element.typeName)")
            }
            readers.append(FieldReader(o, path: elementPath))
        }
        return readers
    }
}

extension FieldReader {
    /// Parses an OpenAI `function.arguments` (a JSON-encoded string) into the object Anthropic's
    /// `tool_use.input` wants; empty means `{}`. Shared by request and response translation.
    func toolArgumentsObject() throws(TranslationError) -> WireJSON {
        let arguments = try optionalString("arguments") ?? ""
        if arguments.trimmingWhitespace().isEmpty { return .object(WireJSONObject()) }
        let path = path("arguments")
        let parsed: WireJSON
        do {
            parsed = try WireJSON.parse(arguments, context: path)
        } catch {
            throw TranslationError(message: error.message, param: path)
        }
        guard case .object = parsed else { throw .field(path, "expected a JSON object, got \(parsed.typeName)") }
        return parsed
    }
}
