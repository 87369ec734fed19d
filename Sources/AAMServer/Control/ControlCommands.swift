import AAMControlProtocol
import AAMCore
import Foundation

/// Runs operator commands through the single config writer (`ConfigRegistry`), with
/// `operator:<unix user>` as the actor so the admin audit names the person at the terminal.
/// Answers a `CommandResult` or a `ControlError` naming the missing or wrong member.
struct ControlCommands: Sendable {
    let runtime: GatewayRuntime

    func run(_ command: ControlCommand, actor: String) async -> Result<CommandResult, ControlError> {
        do {
            return .success(try await execute(command, actor: actor))
        } catch let error as ControlError {
            return .failure(error)
        } catch let error as AdminError {
            return .failure(ControlError(code: error.status == 404 ? .notFound : .invalidCommand, message: error.description))
        } catch {
            return .failure(ControlError(code: .internal, message: "the change could not be applied: \(error)"))
        }
    }

    private func execute(_ command: ControlCommand, actor: String) async throws -> CommandResult {
        let registry = runtime.registry
        switch command.kind {
        case .drainProvider, .undrainProvider:
            let name = try Self.required(command.provider, "provider", command)
            let drained = command.kind == .drainProvider
            _ = try await registry.setProviderDrained(name, drained: drained, actor: actor)
            return CommandResult(message: "\(drained ? "drained" : "undrained") provider \(name)")
        case .drainDeployment, .undrainDeployment:
            let id = try Self.required(command.deployment, "deployment", command)
            var patch = DeploymentPatch()
            patch.drained = command.kind == .drainDeployment
            _ = try await registry.updateDeployment(id, patch: patch, actor: actor)
            return CommandResult(message: "\(command.kind == .drainDeployment ? "drained" : "undrained") deployment \(id)")
        case .rotateKey:
            let id = try Self.required(command.keyId, "keyId", command)
            let grace = command.gracePeriodSeconds ?? 0
            let (secret, key) = try await registry.rotateKey(id, graceSeconds: grace, authority: runtime.keys, actor: actor)
            let graceText = grace > 0 ? "the old secret works for \(grace) s more" : "the old secret stopped working"
            return CommandResult(message: "rotated key \(id) (\(graceText))", newSecret: secret.revealForTransport(), keyPrefix: key.prefix)
        case .revokeKey:
            let id = try Self.required(command.keyId, "keyId", command)
            let key = try await registry.revokeKey(id, actor: actor)
            return CommandResult(message: "revoked key \(id)", keyPrefix: key.prefix)
        case .updateDeployment:
            let id = try Self.required(command.deployment, "deployment", command)
            guard command.weight != nil || command.priority != nil else {
                throw ControlError(code: .invalidCommand, message: "weight or priority: updateDeployment needs at least one")
            }
            var patch = DeploymentPatch()
            patch.weight = command.weight
            patch.priority = command.priority
            let deployment = try await registry.updateDeployment(id, patch: patch, actor: actor)
            return CommandResult(message: "deployment \(id): weight \(deployment.weight), priority \(deployment.priority)")
        case .addDeployment:
            let input = DeploymentInput(
                id: command.deployment, alias: try Self.required(command.alias, "alias", command),
                provider: try Self.required(command.provider, "provider", command),
                upstreamModel: try Self.required(command.upstreamModel, "upstreamModel", command), weight: command.weight,
                priority: command.priority)
            let deployment = try await registry.createDeployment(input, actor: actor)
            return CommandResult(message: "added deployment \(deployment.id) to alias \(deployment.alias)")
        case .removeDeployment:
            let id = try Self.required(command.deployment, "deployment", command)
            try await registry.deleteDeployment(id, actor: actor)
            return CommandResult(message: "removed deployment \(id)")
        case .setFallbacks:
            let alias = try Self.required(command.alias, "alias", command)
            guard let fallbacks = command.fallbacks else {
                throw ControlError(code: .invalidCommand, message: "fallbacks: required by setFallbacks (the complete new order)")
            }
            guard runtime.snapshots.snapshot.aliasNames.contains(alias) else {
                throw ControlError(code: .notFound, message: "alias '\(alias)' not found")
            }
            _ = try await registry.putAlias(alias, input: AliasInput(fallbacks: fallbacks), actor: actor)
            return CommandResult(message: "alias \(alias) falls back to \(fallbacks.isEmpty ? "nothing" : fallbacks.joined(separator: ", "))")
        }
    }

    private static func required(_ value: String?, _ member: String, _ command: ControlCommand) throws -> String {
        guard let value, !value.isEmpty else {
            throw ControlError(code: .invalidCommand, message: "\(member): required by \(command.kind.rawValue)")
        }
        return value
    }
}
