import AAMTesting
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// Helpers shared by the FakeUpstream self-tests: a started fake that is always stopped, and
/// small HTTP calls over loopback with bounded time.
enum FakeUpstreamTestSupport {
    static let key = "sk-fake-test-key-0001"

    /// Runs `body` against a fresh fake and stops it afterwards, also when `body` throws.
    static func withFake<T>(
        mode: FakeUpstreamMode = .full,
        _ body: (FakeUpstream) async throws -> T
    ) async throws -> T {
        let fake = try await FakeUpstream.start(apiKey: key, mode: mode)
        do {
            let result = try await body(fake)
            await fake.stop()
            return result
        } catch {
            await fake.stop()
            throw error
        }
    }

    /// A finished exchange: status, headers and the whole body.
    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        func json() throws -> [String: Any] {
            try #require(JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        }
    }

    static func send(
        _ fake: FakeUpstream,
        _ pathAndQuery: String,
        method: String = "POST",
        headers: [(String, String)],
        json: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: fake.baseURL + pathAndQuery)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 8 * 1024 * 1024)
        return Reply(
            status: Int(response.status.code),
            headers: response.headers.map { ($0.name, $0.value) },
            body: String(buffer: body)
        )
    }

    static var openAIAuth: [(String, String)] { [("authorization", "Bearer \(key)")] }
    static var anthropicAuth: [(String, String)] { [("x-api-key", key), ("anthropic-version", "2023-06-01")] }

    static func openAIChat(model: String = "gpt-4o-mini", user: String = "Say hi", stream: Bool = false, includeUsage: Bool = false, tools: Bool = false) -> String {
        var members = [#""model":"\#(model)""#, #""messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"\#(user)"}]"#]
        if stream { members.append(#""stream":true"#) }
        if includeUsage { members.append(#""stream_options":{"include_usage":true}"#) }
        if tools {
            members.append(#""tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]"#)
        }
        return "{" + members.joined(separator: ",") + "}"
    }

    static func anthropicMessages(model: String = "claude-sonnet-4-20250514", user: String = "Say hi", stream: Bool = false, tools: Bool = false) -> String {
        var members = [#""model":"\#(model)""#, #""max_tokens":256"#, #""system":"Be brief.""#, #""messages":[{"role":"user","content":[{"type":"text","text":"\#(user)"}]}]"#]
        if stream { members.append(#""stream":true"#) }
        if tools {
            members.append(#""tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]"#)
        }
        return "{" + members.joined(separator: ",") + "}"
    }

    /// The `data:` payloads of an SSE body, in order.
    static func dataLines(_ body: String) -> [String] {
        body.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
    }

    /// The `event:` names of an SSE body, in order.
    static func eventNames(_ body: String) -> [String] {
        body.components(separatedBy: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}
