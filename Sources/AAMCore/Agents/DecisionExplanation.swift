extension PolicyEngine {
    /// The decision as one sentence naming the policy, version and rule that decided, for
    /// `aam policy explain` and `POST /admin/policies/evaluate`:
    ///
    /// "denied by finance-analyst-readonly v3 rule tools[0].deny[export]: action export on
    /// salesforce.accounts is explicitly denied"
    ///
    /// Only for explanations (it formats text); never called on the decision path.
    public func explain(_ decision: Decision, for request: DecisionRequest) -> String {
        var sentence = headline(decision.effect, decision.verdict) + ": " + detail(decision.verdict, request)
        if let shadow = decision.wouldDeny {
            sentence += "; \(shadow.mode == .shadow ? "shadow " : "")policy \(label(shadow)) rule \(shadow.rule) would deny: "
                + detail(shadow, request)
        }
        return sentence
    }

    private func headline(_ effect: Decision.Effect, _ verdict: Verdict) -> String {
        let verb = effect == .allow ? "allowed" : "denied"
        guard verdict.policy != nil else { return "\(verb) by \(verdict.rule)" }
        return "\(verb) by \(label(verdict)) rule \(verdict.rule)"
    }

    private func label(_ verdict: Verdict) -> String {
        guard let policy = verdict.policy else { return "(none)" }
        return verdict.version.map { "\(policy) v\($0)" } ?? policy
    }

    private func detail(_ verdict: Verdict, _ request: DecisionRequest) -> String {
        let subject: String
        var arguments: JSONValue?
        switch request.action {
        case .modelCall(let alias, _): subject = "model alias \(alias)"
        case .toolCall(let resource, let action, let args):
            subject = "action \(action) on \(resource)"
            arguments = args
        }
        switch verdict.reason {
        case DecisionReason.noPolicyForIdentity:
            return "no policy applies to \(request.identity)"
        case DecisionReason.shadowOnly:
            return "only shadow-mode policies apply to \(request.identity), so nothing is enforced"
        case DecisionReason.granted:
            return "\(subject) is granted"
        case DecisionReason.modelAllowed:
            return "\(subject) is in models.allow"
        case DecisionReason.explicitlyDenied:
            return "\(subject) is explicitly denied"
        case DecisionReason.notGranted:
            return "no rule grants \(subject) to \(request.identity)"
        case DecisionReason.modelNotAllowed:
            guard verdict.rule == DecisionReason.modelsRule, let name = verdict.policy,
                let allowed = policy(named: name)?.models?.allow
            else { return "\(subject) is not allowed: the policy has no models section" }
            return "\(subject) is not in models.allow (\(allowed.joined(separator: ", ")))"
        case DecisionReason.budgetExceeded:
            return budgetDetail(verdict, request)
        default:
            guard let constraint = verdict.constraint else { return "\(subject): \(verdict.reason)" }
            return "\(subject) requires \(constraint) (\(observed(constraint, in: arguments)))"
        }
    }

    private func budgetDetail(_ verdict: Verdict, _ request: DecisionRequest) -> String {
        let budget = verdict.policy.flatMap { policy(named: $0)?.dailyBudget }
        guard case .modelCall(_, let spend?) = request.action, let budget else { return "the daily budget is used up" }
        let estimate = spend.estimate == .zero ? "" : " + $\(spend.estimate) for this call"
        return "spent or held $\(spend.today) today\(estimate) against a daily budget of $\(budget)"
    }

    private func observed(_ constraint: ArgumentConstraint, in arguments: JSONValue?) -> String {
        guard let value = constraint.argument.value(in: arguments) else { return "argument \(constraint.argument) is missing" }
        switch value {
        case .string(let text): return "got '\(text.count > 64 ? String(text.prefix(64)) + "…" : text)'"
        case .number(let number): return "got \(NumberText.format(number))"
        case .bool(let flag): return "got \(flag)"
        case .null: return "argument \(constraint.argument) is missing"
        case .array: return "got a list"
        case .object: return "got an object"
        }
    }
}
