import AAMCore

/// Whether the caller may use the alias it asked for, answered so that it learns nothing about
/// aliases it may not use (issue 13): an alias that is not configured, one that `models` of the
/// key or of a scope of its chain does not allow, and one that the workload's AgentPolicy
/// `models.allow` does not allow all get the same 404 `model_not_found` (OpenAI's wording),
/// and all cost one request on every RPM limit of the key's chain
/// (`GovernanceGate.chargeUnknownModel`), so the rate-limit headers and a 429 at the limit are
/// the same too. The call record keeps the precise reason (`model_not_found`,
/// `model_not_allowed`, `model_not_allowed_by_policy`) for operators.
enum ModelAccess {
    static func authorize(
        alias: String, caller: AuthenticatedCaller, size: PolicyGate.CallSize, runtime: GatewayRuntime, trace: CallTrace
    ) async throws(GatewayError) {
        guard caller.snapshot.aliasNames.contains(alias) else {
            try hide(.modelNotFound(alias), caller: caller, runtime: runtime, trace: trace)
        }
        if let workload = caller.workload {
            do {
                try await PolicyGate.authorizeModelCall(workload, alias: alias, size: size, runtime: runtime, trace: trace)
            } catch where error.code == .modelNotFound {
                try hide(error, caller: caller, runtime: runtime, trace: trace)
            }
        }
        guard caller.snapshot.allows(caller.key, alias: alias) else {
            try hide(.modelNotAllowed(alias), caller: caller, runtime: runtime, trace: trace)
        }
    }

    /// Charges the key's RPM like any refused alias and throws `error` (or the 429 at the limit).
    private static func hide(_ error: GatewayError, caller: AuthenticatedCaller, runtime: GatewayRuntime, trace: CallTrace) throws(GatewayError) -> Never {
        try GovernanceGate.chargeUnknownModel(runtime: runtime, key: caller.key, snapshot: caller.snapshot, trace: trace)
        throw error
    }
}
