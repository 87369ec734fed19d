/// Reads vendor error bodies.
public enum UpstreamErrorReader {
    /// Extracts `(type, message)` from a vendor error body of either shape:
    /// OpenAI `{"error":{"message","type","code"}}`, Anthropic `{"type":"error","error":{"type","message"}}`,
    /// and the common variants `{"error":"text"}` and `{"message":"text"}`. Nil for anything else.
    public static func read(_ body: [UInt8]) -> (type: String?, message: String)? {
        guard let object = (try? WireJSON.parse(body))?.objectValue else { return nil }
        return read(object)
    }

    static func read(_ object: WireJSONObject) -> (type: String?, message: String)? {
        if let error = object["error"]?.objectValue {
            guard let message = error["message"]?.stringValue else { return nil }
            return (error["type"]?.stringValue ?? error["code"]?.stringValue, message)
        }
        if let message = object["error"]?.stringValue { return (nil, message) }
        if let message = object["message"]?.stringValue { return (object["type"]?.stringValue, message) }
        return nil
    }
}
