import AAMCore
import AAMServer
import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// Sends a steady mix of realistic requests to the gateway over loopback: both inbound APIs,
/// plain and streamed, a tool call now and then, embeddings, an unknown alias and a bad key
/// (so the errors show too).
struct TrafficGenerator: Sendable {
    let baseURL: String
    let key: String
    let rate: Double

    static let aliases = ["fast", "fast", "smart", "reasoning-high", "summarization"]
    static let prompts = [
        "Summarize the quarterly report in three bullet points.",
        "What is the weather in Paris today?",
        "Write a haiku about distributed systems.",
        "Explain retries with jittered exponential backoff.",
        "Draft a reply to jane.doe@example.com about her invoice.",
    ]

    func run() async {
        var sequence = 0
        await withTaskGroup(of: Void.self) { group in
            while !Task.isCancelled {
                sequence += 1
                let number = sequence
                group.addTask { await send(number) }
                try? await Task.sleep(for: .seconds(1 / rate))
            }
            group.cancelAll()
        }
    }

    func send(_ number: Int) async {
        let alias = Self.aliases[number % Self.aliases.count]
        let prompt = Self.prompts[number % Self.prompts.count]
        let stream = number % 3 == 0
        var path = "/v1/chat/completions"
        var body: [String: Any] = ["model": alias, "messages": [["role": "user", "content": prompt]], "stream": stream]
        var bearer = key
        switch number % 20 {
        case 5: path = "/v1/messages"; body["max_tokens"] = 256
        case 7:
            // The Responses API (OpenAI's Agents SDK, `client.responses`), translated for every vendor.
            path = "/v1/responses"
            body = ["model": alias, "instructions": "Be brief.", "input": prompt, "stream": stream, "max_output_tokens": 256]
        case 9: path = "/v1/embeddings"; body = ["model": "embed", "input": prompt]
        case 13:
            body["tools"] = [["type": "function", "function": ["name": "get_weather", "parameters": ["type": "object", "properties": ["city": ["type": "string"]]]]]]
            body["messages"] = [["role": "user", "content": "What is the weather in Paris?"]]
        case 11:
            // A pasted credential: the org's guardrail blocks it before it reaches a vendor.
            body["messages"] = [["role": "user", "content": "Why does sk-aam-\(String(repeating: "x", count: 40)) not work?"]]
        case 17: body["model"] = "no-such-alias"
        case 19: bearer = VirtualKeyFormat.generate()
        default: break
        }
        if stream, path == "/v1/chat/completions" { body["stream_options"] = ["include_usage": true] }
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(bearer)")
        request.headers.add(name: "content-type", value: "application/json")
        guard let data = try? JSONSerialization.data(withJSONObject: body) else { return }
        request.body = .bytes(ByteBuffer(bytes: data))
        guard let response = try? await OutboundHTTP.shared.execute(request, timeout: .seconds(30)) else { return }
        _ = try? await response.body.collect(upTo: 8 << 20)
    }
}

/// Live one-line summary of the calls the gateway recorded (from its event bus).
final class DemoSummary: Sendable {
    private struct Tally {
        var calls = 0
        var ok = 0
        var errors = 0
        var tokens = 0
        var latencies: [Double] = []
        var last = ""
        /// Agent control plane: AgentPolicy decisions (model and tool calls of workloads).
        var agentAllowed = 0
        var agentDenied = 0
    }

    private let tally = Mutex(Tally())
    private let subscription: EventBus.Subscription
    private let started = ContinuousClock.now

    init(bus: EventBus) { subscription = bus.subscribe(bufferSize: 8192) }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for await event in subscription.events {
                    switch event {
                    case .call(let record): self.tallyCall(record)
                    case .policyDecision(_, let evidence): self.tallyDecision(evidence)
                    default: continue
                    }
                }
            }
            group.addTask { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    FileHandle.standardOutput.write(Data(("\r" + line() + "   ").utf8))
                }
            }
            await group.next()
            group.cancelAll()
        }
        subscription.cancel()
    }

    private func tallyCall(_ record: CallRecord) {
        tally.withLock { tally in
            tally.calls += 1
            if record.outcome == .success { tally.ok += 1 } else { tally.errors += 1 }
            tally.tokens += record.promptTokens + record.completionTokens
            tally.latencies.append(record.latencyMs)
            if tally.latencies.count > 500 { tally.latencies.removeFirst(tally.latencies.count - 500) }
            tally.last = "\(record.alias ?? "-")→\(record.provider ?? "-") \(record.status)"
        }
    }

    private func tallyDecision(_ evidence: PolicyEvidence) {
        tally.withLock { tally in
            if evidence.decision == "allow" { tally.agentAllowed += 1 } else { tally.agentDenied += 1 }
        }
    }

    func line() -> String {
        tally.withLock { tally in
            let sorted = tally.latencies.sorted()
            let p50 = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
            let seconds = Int((ContinuousClock.now - started).components.seconds)
            return "[\(seconds)s] \(tally.calls) calls · \(tally.ok) ok · \(tally.errors) errors · p50 \(Int(p50)) ms · \(tally.tokens) tokens · agent decisions \(tally.agentAllowed) allowed, \(tally.agentDenied) denied · last: \(tally.last)"
        }
    }
}
