import AAMControlProtocol

/// Operator commands: each asks first (confirmation or prompt) where a mistake would hurt, and
/// ends as a `ControlCommand` sent with a fresh id the daemon's answer will carry.
extension ConsoleState {
    /// The effect that sends `command`, remembered so its result can be matched (e.g. the
    /// rotated key's secret) and the affected views refreshed.
    mutating func submit(_ command: ControlCommand) -> ConsoleEffect {
        let id = takeMessageId()
        pendingCommands[id] = command
        say("sent: \(command.summary)")
        return .send(.command(command, id: id))
    }

    /// The effect that sends `query`.
    mutating func send(_ query: ControlQuery) -> ConsoleEffect {
        lastQueried[query] = now
        let id = takeMessageId()
        if query == .trends { trendsQueryId = id }
        return .send(.query(query, id: id))
    }

    mutating func askDrain(deploymentOnly: Bool) -> [ConsoleEffect] {
        guard let row = selectedProvider else { return refuse("no deployment selected") }
        let confirmation: Confirmation
        if deploymentOnly {
            let drain = !row.deploymentDrained
            confirmation = Confirmation(
                question: drain ? "Drain deployment \(row.deployment)? It stops receiving new calls."
                    : "Undrain deployment \(row.deployment)? It receives calls again.",
                command: ControlCommand(kind: drain ? .drainDeployment : .undrainDeployment, deployment: row.deployment)
            )
        } else {
            let drain = !row.providerDrained
            confirmation = Confirmation(
                question: drain ? "Drain provider \(row.provider)? All its deployments stop receiving new calls."
                    : "Undrain provider \(row.provider)? Its deployments receive calls again.",
                command: ControlCommand(kind: drain ? .drainProvider : .undrainProvider, provider: row.provider)
            )
        }
        return ask(confirmation)
    }

    mutating func askRotate() -> [ConsoleEffect] {
        guard let key = selectedKey else { return refuse("no key selected") }
        guard key.state != "revoked" else { return refuse("key \(key.prefix) is revoked; it cannot be rotated") }
        return open(TextPrompt(
            title: "Rotate key \(key.prefix)",
            fields: [.init(label: "Grace period for the old secret (seconds)", value: "300")],
            purpose: .rotateKey(keyId: key.id, prefix: key.prefix)
        ))
    }

    mutating func askRevoke() -> [ConsoleEffect] {
        guard let key = selectedKey else { return refuse("no key selected") }
        guard key.state != "revoked" else { return refuse("key \(key.prefix) is already revoked") }
        let name = key.name.map { " (\($0))" } ?? ""
        return ask(Confirmation(
            question: "Revoke key \(key.prefix)\(name)? It stops working at once.",
            command: ControlCommand(kind: .revokeKey, keyId: key.id)
        ))
    }

    mutating func changeWeight(by delta: Int) -> [ConsoleEffect] {
        guard case .deployment(let aliasIndex, let memberIndex)? = selectedAliasItem else {
            return refuse("select a deployment to change its weight")
        }
        let member = aliases[aliasIndex].deployments[memberIndex]
        let weight = max(0, member.weight + delta)
        guard weight != member.weight else { return refuse("weight cannot go below 0") }
        // Shown at once so repeated presses build on each other; the next snapshot confirms it.
        aliases[aliasIndex].deployments[memberIndex].weight = weight
        return [.redraw, submit(ControlCommand(kind: .updateDeployment, deployment: member.deployment, weight: weight))]
    }

    mutating func askWeight() -> [ConsoleEffect] {
        guard case .deployment(let aliasIndex, let memberIndex)? = selectedAliasItem else {
            return refuse("select a deployment to set its weight")
        }
        let member = aliases[aliasIndex].deployments[memberIndex]
        return open(TextPrompt(
            title: "Weight of \(member.deployment)",
            fields: [.init(label: "Weight (0 = no traffic)", value: String(member.weight))],
            purpose: .setWeight(deployment: member.deployment)
        ))
    }

    mutating func askAddDeployment() -> [ConsoleEffect] {
        let alias: String
        switch selectedAliasItem {
        case .deployment(let index, _)?, .fallback(let index, _)?: alias = aliases[index].name
        case nil: alias = aliases.first?.name ?? ""
        }
        return open(TextPrompt(
            title: "Add a deployment",
            fields: [
                .init(label: "Alias", value: alias), .init(label: "Provider", value: ""),
                .init(label: "Upstream model", value: ""), .init(label: "Weight", value: "1"),
            ],
            focus: alias.isEmpty ? 0 : 1,
            purpose: .addDeployment
        ))
    }

    mutating func askRemoveDeployment() -> [ConsoleEffect] {
        guard case .deployment(let aliasIndex, let memberIndex)? = selectedAliasItem else {
            return refuse("select a deployment to remove it")
        }
        let member = aliases[aliasIndex].deployments[memberIndex]
        return ask(Confirmation(
            question: "Remove deployment \(member.deployment) from alias \(aliases[aliasIndex].name)?",
            command: ControlCommand(kind: .removeDeployment, deployment: member.deployment)
        ))
    }

    mutating func moveFallback(by delta: Int) -> [ConsoleEffect] {
        guard case .fallback(let aliasIndex, let index)? = selectedAliasItem else {
            return refuse("select a fallback to reorder it")
        }
        var fallbacks = aliases[aliasIndex].fallbacks
        let target = index + delta
        guard fallbacks.indices.contains(target) else { return refuse("already at that end of the fallback list") }
        fallbacks.swapAt(index, target)
        aliases[aliasIndex].fallbacks = fallbacks
        var position = self.position(for: .aliases)
        position.selected += delta
        positions[.aliases] = position.clamped(count: aliasItems.count, visible: visibleItemRows(for: .aliases))
        return [.redraw, submit(ControlCommand(kind: .setFallbacks, alias: aliases[aliasIndex].name, fallbacks: fallbacks))]
    }

    private mutating func ask(_ confirmation: Confirmation) -> [ConsoleEffect] {
        overlay = .confirm(confirmation)
        isDirty = true
        return [.redraw]
    }

    private mutating func open(_ prompt: TextPrompt) -> [ConsoleEffect] {
        overlay = .prompt(prompt)
        isDirty = true
        return [.redraw]
    }

    private mutating func refuse(_ text: String) -> [ConsoleEffect] {
        say(text, error: true)
        return [.redraw]
    }
}

extension TextPrompt {
    public struct Refusal: Error, Equatable {
        public var message: String
    }

    /// The command the fields describe, or why they don't describe one.
    public func command() -> Result<ControlCommand, Refusal> {
        let values = fields.map { $0.value.trimmingWhitespace() }
        switch purpose {
        case .rotateKey(let keyId, _):
            guard let seconds = Int(values[0]), (0...2_592_000).contains(seconds) else {
                return .failure(Refusal(message: "grace period must be a whole number of seconds from 0 to 2592000"))
            }
            return .success(ControlCommand(kind: .rotateKey, keyId: keyId, gracePeriodSeconds: seconds))
        case .setWeight(let deployment):
            guard let weight = Int(values[0]), (0...1_000_000).contains(weight) else {
                return .failure(Refusal(message: "weight must be a whole number from 0 to 1000000"))
            }
            return .success(ControlCommand(kind: .updateDeployment, deployment: deployment, weight: weight))
        case .addDeployment:
            for (field, value) in zip(fields, values).prefix(3) where value.isEmpty {
                return .failure(Refusal(message: "\(field.label.lowercased()) is required"))
            }
            guard let weight = Int(values[3]), (0...1_000_000).contains(weight) else {
                return .failure(Refusal(message: "weight must be a whole number from 0 to 1000000"))
            }
            return .success(ControlCommand(kind: .addDeployment, provider: values[1], alias: values[0], upstreamModel: values[2], weight: weight))
        }
    }
}

extension ControlCommand {
    /// One line for the status bar (never a secret: commands carry none).
    public var summary: String {
        switch kind {
        case .drainProvider: "drain provider \(provider ?? "?")"
        case .undrainProvider: "undrain provider \(provider ?? "?")"
        case .drainDeployment: "drain deployment \(deployment ?? "?")"
        case .undrainDeployment: "undrain deployment \(deployment ?? "?")"
        case .rotateKey: "rotate key (grace \(gracePeriodSeconds ?? 0)s)"
        case .revokeKey: "revoke key"
        case .updateDeployment: "set \(deployment ?? "?") weight \(weight.map(String.init) ?? "-")"
        case .addDeployment: "add \(provider ?? "?")/\(upstreamModel ?? "?") to \(alias ?? "?")"
        case .removeDeployment: "remove deployment \(deployment ?? "?")"
        case .setFallbacks: "fallbacks of \(alias ?? "?"): \((fallbacks ?? []).joined(separator: ", "))"
        }
    }

    /// Snapshots that show what this command changed.
    var affectedQueries: [ControlQuery] {
        switch kind {
        case .drainProvider, .undrainProvider, .drainDeployment, .undrainDeployment: [.providers, .aliases]
        case .rotateKey, .revokeKey: [.keys]
        case .updateDeployment, .addDeployment, .removeDeployment: [.aliases, .providers]
        case .setFallbacks: [.aliases]
        }
    }
}
