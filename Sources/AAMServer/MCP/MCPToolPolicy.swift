import AAMCore
import Foundation

/// What the MCP gateway decides and filters for a workload: which mapped tools its policy grants
/// (for `tools/list`), whether one tool call is allowed (with the evidence), and what of an
/// answer it may see (injected secrets redacted, response guardrails applied).
extension MCPEndpoint {
    /// The mapped tools the caller's policy grants (some action allowed; an argument constraint
    /// is judged per call, so a constrained grant still lists the tool).
    func grantedTools(_ server: MCPServerConfig, workload: WorkloadIdentity) -> Set<String> {
        let engine = runtime.policies.engine
        let context = DecisionContext(time: runtime.clock.now(), environment: workload.registration.environment)
        var granted = Set<String>()
        for mapping in server.tools.values {
            let decision = engine.decide(DecisionRequest(
                identity: workload.spiffeID, action: .toolCall(resource: mapping.resource, action: mapping.action, arguments: nil), context: context))
            if decision.isAllowed || decision.verdict.reason.hasPrefix(DecisionReason.constraintFailedPrefix) { granted.insert(mapping.tool) }
        }
        return granted
    }

    /// Decides a tool call; publishes the decision. Returns the denial to answer, or nil to forward.
    func authorize(_ message: MCPRequest, server: MCPServerConfig, workload: WorkloadIdentity, requestID: String, trace: CallTrace) -> [UInt8]? {
        guard let tool = message.name, let mapping = server.tools[tool] else {
            trace.record.errorCode = .toolNotMapped
            return MCPResponse.denied(id: message.id, reason: ErrorCode.toolNotMapped.rawValue, rule: "catalog", policy: nil, version: nil)
        }
        // A mapping that names the resource instance by an argument path refuses a call without it.
        if let path = mapping.resourceIdFrom, MCPResponse.value(at: path, in: message.arguments) == nil {
            trace.record.errorCode = .resourceIdMissing
            return MCPResponse.denied(id: message.id, reason: "\(ErrorCode.resourceIdMissing):\(path)", rule: "catalog", policy: nil, version: nil)
        }
        let request = DecisionRequest(
            identity: workload.spiffeID, action: .toolCall(resource: mapping.resource, action: mapping.action, arguments: message.arguments),
            context: DecisionContext(time: runtime.clock.now(), environment: workload.registration.environment))
        let decision = runtime.policies.engine.decide(request)
        let evidence = PolicyEvidence(decision, for: request)
        trace.record.policy = evidence
        runtime.bus.publish(.policyDecision(requestId: requestID, evidence: evidence))
        guard !decision.isAllowed else { return nil }
        // The policy engine's reason (`DecisionReason`, or a constraint's code) is recorded as is.
        trace.record.errorCode = ErrorCode(rawValue: decision.verdict.reason)
        return MCPResponse.denied(
            id: message.id, reason: decision.verdict.reason, rule: decision.verdict.rule, policy: decision.verdict.policy, version: decision.verdict.version)
    }

    /// Redacts the injected secrets anywhere in the answer (string values and object keys, in
    /// their common encodings, see `CredentialRedactor`), then applies the response guardrails
    /// of the workload's scope chain (e.g. a detected API key echoed by the tool). The answer
    /// is re-serialized from this parse, so the agent gets exactly what was scrubbed.
    func scrub(_ value: JSONValue, secrets: [String], workload: WorkloadIdentity) -> JSONValue {
        let engine = runtime.guardrails.engine(for: WorkloadTrust.governingKey(for: workload), in: runtime.snapshots.snapshot)
        let active = engine.map { $0.isActive(.response) } ?? false
        let redactor = CredentialRedactor(secrets: secrets)
        return MCPResponse.mapStrings(value) { text in
            var text = redactor.redact(text)
            if active, let engine {
                let inspection = engine.inspect(text, direction: .response, location: "mcp.result")
                text = inspection.block.map { "[BLOCKED by guardrail \($0.detector)]" } ?? inspection.text
            }
            return text
        }
    }
}
