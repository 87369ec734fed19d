import AAMControlProtocol

/// What an AgentPolicy did to a workload call, as a short mark for the Live view's last column:
/// refused (`⛔ deny`) or let through while a shadow policy would have refused it (`◐ shadow`).
/// Plain allows get no mark.
enum PolicyMark: Equatable {
    case deny, shadow

    /// Read from the call row's `policy` summary (`name vN: allow|deny rule[ (shadow would deny …)]`).
    init?(_ call: CallRow) {
        guard let summary = call.policy else { return nil }
        if summary.hasPrefix("deny ") || summary.contains(": deny ") {
            self = .deny
        } else if summary.contains("shadow would deny") {
            self = .shadow
        } else {
            return nil
        }
    }

    init?(_ decision: PolicyDecisionRow) {
        if decision.decision != "allow" {
            self = .deny
        } else if decision.wouldDenyRule != nil {
            self = .shadow
        } else {
            return nil
        }
    }

    var label: String {
        switch self {
        case .deny: "⛔ deny"
        case .shadow: "◐ shadow"
        }
    }

    var role: ThemeRole {
        switch self {
        case .deny: .statusError
        case .shadow: .statusCooldown
        }
    }
}
