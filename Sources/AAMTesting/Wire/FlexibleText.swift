/// The text inside a message `content` field, whichever shape the client chose.
///
/// Both vendors accept either a plain string or an array of typed parts/blocks (`text`,
/// `image_url`, `tool_result` with nested content, …), and OpenAI allows `null` for assistant
/// messages that carry tool calls. The fake only needs the concatenated text, so it decodes all
/// of those shapes and ignores what it cannot read instead of rejecting the request.
struct FlexibleText: Decodable, Sendable {
    var text: String
    /// Whether an Anthropic `tool_result` block was among the parts (the turn answers a tool call).
    var containsToolResult: Bool

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self.text = ""
            self.containsToolResult = false
        } else if let plain = try? container.decode(String.self) {
            self.text = plain
            self.containsToolResult = false
        } else if let parts = try? container.decode([Part].self) {
            self.text = parts.map(\.text).joined(separator: " ")
            self.containsToolResult = parts.contains { $0.type == "tool_result" }
        } else {
            self.text = ""
            self.containsToolResult = false
        }
    }

    /// One content part or block; only its textual payload matters here.
    private struct Part: Decodable {
        var type: String?
        var text: String

        enum CodingKeys: String, CodingKey { case type, text, content }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.type = try? container.decodeIfPresent(String.self, forKey: .type)
            if let text = try? container.decodeIfPresent(String.self, forKey: .text) {
                self.text = text
            } else if let nested = try? container.decodeIfPresent(FlexibleText.self, forKey: .content) {
                // tool_result blocks carry their text one level down.
                self.text = nested.text
            } else {
                self.text = ""
            }
        }
    }
}
