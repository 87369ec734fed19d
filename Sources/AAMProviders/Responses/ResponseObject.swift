import AAMCore

/// The Responses API `response` object a translated call answers with (plain, and inside the
/// `response.created` / `response.completed` stream events), and its ids.
///
/// Field set: openai-python's `types/responses/response.py` (`Response`): the request's settings
/// are echoed back (`ResponsesEcho`), `output` holds `message` and `function_call` items, and
/// `usage` is `{input_tokens, input_tokens_details, output_tokens, output_tokens_details,
/// total_tokens}`.
public struct ResponseObject: Sendable {
    /// `resp_…`; item ids derive from it (`msg_…_0`, `fc_…_1`).
    public let id: String
    public let createdAt: Int
    public let model: String
    /// The request's settings, echoed in every response object.
    public let echo: WireJSONObject

    public init(id: String, createdAt: Int, model: String, echo: WireJSONObject) {
        self.id = id
        self.createdAt = createdAt
        self.model = model
        self.echo = echo
    }

    /// A fresh `resp_` id: 48 hex digits, as long as OpenAI's.
    public static func newID() -> String {
        "resp_" + (0..<3).map { _ in String(UInt64.random(in: .min ... .max), radix: 16).leftPadded(to: 16) }.joined()
    }

    /// The id of output item `index` of a `kind` (`msg`, `fc`).
    public func itemID(_ kind: String, _ index: Int) -> String {
        "\(kind)_\(id.dropFirst("resp_".count))_\(index)"
    }

    /// The object with `status` (`in_progress`, `completed`, `incomplete`, `failed`).
    public func json(status: String, output: [WireJSON], usage: TokenUsage?, incompleteReason: String? = nil, error: WireJSON = .null) -> WireJSON {
        var object: WireJSONObject = [
            "id": .string(id), "object": "response", "created_at": .int(createdAt), "status": .string(status),
            "error": error,
            "incomplete_details": incompleteReason.map { ["reason": .string($0)] } ?? .null,
        ]
        for (key, value) in echo { object[key] = value }
        object["model"] = .string(model)
        object["output"] = .array(output)
        object["usage"] = usage.map(Self.usage) ?? .null
        return .object(object)
    }

    /// Chat usage as Responses usage.
    public static func usage(_ usage: TokenUsage) -> WireJSON {
        [
            "input_tokens": .int(usage.promptTokens), "input_tokens_details": ["cached_tokens": .int(usage.cachedPromptTokens)],
            "output_tokens": .int(usage.completionTokens), "output_tokens_details": ["reasoning_tokens": 0],
            "total_tokens": .int(usage.totalTokens),
        ]
    }

    /// A finished assistant message item with one `output_text` part (or a `refusal` part).
    public static func messageItem(id: String, text: String, refusal: Bool = false, status: String = "completed") -> WireJSON {
        let part: WireJSON = refusal
            ? ["type": "refusal", "refusal": .string(text)]
            : ["type": "output_text", "text": .string(text), "annotations": [], "logprobs": []]
        return ["id": .string(id), "type": "message", "status": .string(status), "role": "assistant", "content": [part]]
    }

    /// A function call item.
    public static func functionCallItem(id: String, callID: String, name: String, arguments: String, status: String = "completed") -> WireJSON {
        ["id": .string(id), "type": "function_call", "status": .string(status), "arguments": .string(arguments), "call_id": .string(callID), "name": .string(name)]
    }

    /// Chat `finish_reason` → (status, incomplete reason).
    public static func status(finishReason: String?) -> (String, String?) {
        switch finishReason {
        case "length": ("incomplete", "max_output_tokens")
        case "content_filter": ("incomplete", "content_filter")
        default: ("completed", nil)
        }
    }
}

/// The request settings a `response` object echoes, with OpenAI's defaults where absent.
public enum ResponsesEcho {
    static let defaults: [(String, WireJSON)] = [
        ("instructions", .null), ("max_output_tokens", .null), ("metadata", [:]), ("parallel_tool_calls", true),
        ("previous_response_id", .null), ("reasoning", ["effort": nil, "summary": nil]), ("store", false), ("temperature", 1),
        ("text", ["format": ["type": "text"]]), ("tool_choice", "auto"), ("tools", []), ("top_p", 1), ("truncation", "disabled"),
        ("user", .null),
    ]

    /// The echo of a Responses request body (unreadable bodies echo the defaults).
    public static func from(_ body: [UInt8]) -> WireJSONObject {
        let request = (try? WireJSON.parse(body))?.objectValue ?? [:]
        var echo = WireJSONObject()
        for (key, fallback) in defaults {
            // The gateway never stores a translated response, whatever was asked.
            echo[key] = key == "store" ? false : (request[key].flatMap { $0.isNull ? nil : $0 } ?? fallback)
        }
        return echo
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
