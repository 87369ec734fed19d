import AAMCore
import AAMServer
import AsyncHTTPClient
import Foundation
import NIOCore

/// The demo's AI agent: the workload `spiffe://prod/agent/finance-analyst`, authenticated by
/// its JWT-SVID, working through a fixed cycle of actions over real loopback HTTP so the
/// Agents view and the evidence show both sides of its AgentPolicy: an allowed and a denied
/// model, and MCP tool calls on the `crm` server (session-style: `initialize` once, then
/// `Mcp-Session-Id`): a filtered `tools/list`, allowed reads and searches (the broker injects
/// the CRM credential upstream and redacts it from the answer) and a denied export.
///
/// One action at a time, like one agent thinking: its cadence is a third of the virtual-key
/// traffic's rate, and never slower than one action every 2 s.
struct AgentTrafficGenerator: Sendable {
    let baseURL: String
    let identity: DemoAgentIdentity
    let interval: Duration

    enum Action: CaseIterable, Sendable {
        case allowedModel, deniedModel, listTools, readAccount, searchAccounts, exportAccounts
    }

    static let mcpServer = "crm"
    static let sessionVersion = MCPProtocol.sessionVersion

    /// The pause between actions for a virtual-key `rate` (requests per second); nil for none.
    static func interval(forRate rate: Double) -> Duration? {
        guard rate > 0 else { return nil }
        return .milliseconds(Int64(min(3 / rate, 2) * 1000))
    }

    func run() async {
        var session: String?
        var next = ContinuousClock.now
        var number = 0
        while !Task.isCancelled {
            let action = Action.allCases[number % Action.allCases.count]
            number += 1
            session = await perform(action, session: session)
            // A steady cadence; a slow action delays the next one rather than piling them up.
            next = max(next + interval, ContinuousClock.now)
            try? await Task.sleep(until: next)
        }
    }

    /// Performs `action`; returns the MCP session to use next (nil to start a new one).
    func perform(_ action: Action, session: String?) async -> String? {
        guard let token = try? await identity.token() else { return session }
        switch action {
        case .allowedModel:
            await chat(model: "reasoning-high", token: token)
        case .deniedModel:
            // Not in the policy's models.allow: 404 model_not_found (recorded as model_not_allowed_by_policy).
            await chat(model: "smart", token: token)
        case .listTools:
            var current = session
            if current == nil { current = await initialize(token: token) }
            guard let current else { return nil }
            // The answer lists only the tools the policy grants; an unknown session starts over.
            let status = await mcp(method: "tools/list", params: nil, token: token, session: current)
            return status == 404 ? nil : current
        case .readAccount:
            return await callTool("get_account", arguments: ["id": "001Dn00000AcmeFin1"], token: token, session: session)
        case .searchAccounts:
            return await callTool("search_accounts", arguments: ["query": "Acme", "limit": 5], token: token, session: session)
        case .exportAccounts:
            // Denied by the policy: answered as a tool result with isError and the reason.
            return await callTool("export_accounts", arguments: ["format": "csv"], token: token, session: session)
        }
        return session
    }

    private func callTool(_ name: String, arguments: [String: Any], token: String, session: String?) async -> String? {
        var current = session
        if current == nil { current = await initialize(token: token) }
        guard let current else { return nil }
        let status = await mcp(method: "tools/call", params: ["name": name, "arguments": arguments], token: token, session: current)
        return status == 404 ? nil : current
    }

    /// `initialize` then `notifications/initialized`; returns the gateway's session id.
    private func initialize(token: String) async -> String? {
        let params: [String: Any] = [
            "protocolVersion": Self.sessionVersion, "capabilities": [String: Any](),
            "clientInfo": ["name": "finance-analyst", "version": "1.0"],
        ]
        guard let response = await post("/mcp/\(Self.mcpServer)", json: ["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params], headers: mcpHeaders(token)),
            response.status == .ok, let session = response.headers.first(name: "mcp-session-id")
        else { return nil }
        var headers = mcpHeaders(token)
        headers.append(("Mcp-Session-Id", session))
        headers.append(("MCP-Protocol-Version", Self.sessionVersion))
        _ = await post("/mcp/\(Self.mcpServer)", json: ["jsonrpc": "2.0", "method": "notifications/initialized"], headers: headers)
        return session
    }

    /// One JSON-RPC request in the session; returns the HTTP status (nil when unreachable).
    private func mcp(method: String, params: [String: Any]?, token: String, session: String) async -> Int? {
        var body: [String: Any] = ["jsonrpc": "2.0", "id": Int.random(in: 2...1_000_000), "method": method]
        if let params { body["params"] = params }
        var headers = mcpHeaders(token)
        headers.append(("Mcp-Session-Id", session))
        headers.append(("MCP-Protocol-Version", Self.sessionVersion))
        return await post("/mcp/\(Self.mcpServer)", json: body, headers: headers).map { Int($0.status.code) }
    }

    private func mcpHeaders(_ token: String) -> [(String, String)] {
        [("authorization", "Bearer \(token)"), ("accept", "application/json, text/event-stream")]
    }

    private func chat(model: String, token: String) async {
        let body: [String: Any] = [
            "model": model,
            "messages": [["role": "user", "content": "Summarize the open opportunities of account Acme Corp for the quarterly review."]],
        ]
        _ = await post("/v1/chat/completions", json: body, headers: [("authorization", "Bearer \(token)")])
    }

    /// POSTs JSON and drains the answer; nil when the gateway cannot be reached.
    private func post(_ path: String, json: [String: Any], headers: [(String, String)]) async -> HTTPClientResponse? {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        guard let data = try? JSONSerialization.data(withJSONObject: json) else { return nil }
        request.body = .bytes(ByteBuffer(bytes: data))
        guard let response = try? await OutboundHTTP.shared.execute(request, timeout: .seconds(30)) else { return nil }
        _ = try? await response.body.collect(upTo: 8 << 20)
        return response
    }
}
