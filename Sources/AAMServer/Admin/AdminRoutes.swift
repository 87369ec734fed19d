import AAMCore
import AAMSecrets
import Foundation
import HTTPTypes
import Hummingbird

/// The admin API (`/admin/...`, docs/ADMIN-API.md): JSON in camelCase, errors in the OpenAI shape
/// naming the field, never a secret in any response except a key's one-time issuance.
struct AdminRoutes: Sendable {
    let runtime: GatewayRuntime
    let auth: AdminAuth
    let calls: any CallRecordStore

    var registry: ConfigRegistry { runtime.registry }

    func register(on router: Router<GatewayContext>) {
        let admin = router.group("admin")
        admin.get("pricing") { request, context in await guarded(request, context) { _ in
            Responses.json(runtime.prices.table.allPrices)
        } }
        admin.put("pricing") { request, context in await guarded(request, context) { body in
            let prices = try PricingAdmin.decode(body)
            if let draft = ConfigAudit.pricing(actor: registry.auditActor(auth.actorID), action: "pricing.put", old: runtime.prices.table.allPrices, new: prices) {
                try await registry.recordAudit([draft])
            }
            // Persisted before it takes effect, so a price in use survives a restart.
            try await GovernancePersistence.savePrices(prices, store: registry.store)
            runtime.prices.replace(with: prices)
            return Responses.json(PriceTable(prices).allPrices)
        } }
        admin.get("pricing/unpriced") { request, context in await guarded(request, context) { _ in
            Responses.json(runtime.prices.unpriced)
        } }
        admin.get("providers") { request, context in await guarded(request, context) { _ in
            let state = await registry.currentState
            return Responses.json(state.providers.values.sorted { $0.name < $1.name }.map { ProviderView($0, state: state, health: runtime.health, now: runtime.clock.now()) })
        } }
        admin.get("providers/:name") { request, context in await guarded(request, context) { _ in
            let name = try parameter(context, "name")
            let state = await registry.currentState
            guard let provider = state.providers[name] else { throw AdminError.notFound("provider '\(name)'") }
            return Responses.json(ProviderView(provider, state: state, health: runtime.health, now: runtime.clock.now()))
        } }
        admin.post("providers") { request, context in await guarded(request, context) { body in
            let input = try AdminJSON.decode(ProviderInput.self, from: body, allowed: ProviderInput.fields)
            let provider = try await registry.createProvider(input, actor: auth.actorID)
            return Responses.json(ProviderView(provider, state: await registry.currentState, health: runtime.health, now: runtime.clock.now()), status: .created)
        } }
        admin.patch("providers/:name") { request, context in await guarded(request, context) { body in
            let patch = try AdminJSON.decode(ProviderPatch.self, from: body, allowed: ProviderPatch.fields)
            let provider = try await registry.updateProvider(try parameter(context, "name"), patch: patch, actor: auth.actorID)
            return Responses.json(ProviderView(provider, state: await registry.currentState, health: runtime.health, now: runtime.clock.now()))
        } }
        admin.delete("providers/:name") { request, context in await guarded(request, context) { _ in
            try await registry.deleteProvider(try parameter(context, "name"), actor: auth.actorID)
            return Response(status: .noContent)
        } }
        admin.post("providers/:name/credential") { request, context in await guarded(request, context) { body in
            struct Input: Decodable { var credential: String }
            let input = try AdminJSON.decode(Input.self, from: body, allowed: ["credential"])
            let provider = try await registry.replaceCredential(try parameter(context, "name"), credential: input.credential, actor: auth.actorID)
            return Responses.json(ProviderView(provider, state: await registry.currentState, health: runtime.health, now: runtime.clock.now()))
        } }
        for (path, drained) in [("drain", true), ("undrain", false)] {
            admin.post("providers/:name/\(path)") { request, context in await guarded(request, context) { _ in
                let provider = try await registry.setProviderDrained(try parameter(context, "name"), drained: drained, actor: auth.actorID)
                return Responses.json(ProviderView(provider, state: await registry.currentState, health: runtime.health, now: runtime.clock.now()))
            } }
        }
        registerDeploymentsAndAliases(on: admin)
        registerKeysAndScopes(on: admin)
        registerGuardrails(on: admin)
        registerAudit(on: admin)
        registerWorkloads(on: admin)
        registerPolicies(on: admin)
        registerMCPServers(on: admin)
        admin.get("calls") { request, context in await guarded(request, context) { _ in
            let limit = min(1000, max(1, request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 100))
            return Responses.json(try await calls.recentCalls(limit: limit))
        } }
        admin.get("usage") { request, context in await guarded(request, context) { _ in
            let query = request.uri.queryParameters
            let (dimension, from, to) = try UsageAdmin.parse(
                groupBy: query.get("groupBy"), from: query.get("from"), to: query.get("to"))
            return Responses.json(try await UsageAdmin.report(from: calls, by: dimension, from: from, to: to))
        } }
        admin.get("calls/:id") { request, context in await guarded(request, context) { _ in
            let id = try parameter(context, "id")
            guard let record = try await calls.call(requestId: id) else { throw AdminError.notFound("call '\(id)'") }
            return Responses.json(record)
        } }
        admin.post("master-key/rewrap") { request, context in await guarded(request, context) { body in
            struct Input: Decodable { var newKeyFile: String }
            let input = try AdminJSON.decode(Input.self, from: body, allowed: ["newKeyFile"])
            let newMaster: MasterKey
            do { newMaster = try MasterKey.fromFile(input.newKeyFile) } catch let error as SecretsError { throw AdminError(error.message, field: "newKeyFile") }
            let count = try await registry.rewrapMasterKey(to: newMaster, actor: auth.actorID)
            struct Result: Encodable { var masterKeyId: String; var rewrappedCredentials: Int }
            return Responses.json(Result(masterKeyId: newMaster.id, rewrappedCredentials: count))
        } }
    }

    private func registerDeploymentsAndAliases(on admin: RouterGroup<GatewayContext>) {
        admin.get("deployments") { request, context in await guarded(request, context) { _ in
            Responses.json(await registry.currentState.deployments.values.sorted { $0.id < $1.id }.map(DeploymentView.init))
        } }
        admin.get("deployments/:id") { request, context in await guarded(request, context) { _ in
            let id = try parameter(context, "id")
            guard let deployment = await registry.currentState.deployments[id] else { throw AdminError.notFound("deployment '\(id)'") }
            return Responses.json(DeploymentView(deployment))
        } }
        admin.post("deployments") { request, context in await guarded(request, context) { body in
            let input = try AdminJSON.decode(DeploymentInput.self, from: body, allowed: DeploymentInput.fields)
            return Responses.json(DeploymentView(try await registry.createDeployment(input, actor: auth.actorID)), status: .created)
        } }
        admin.patch("deployments/:id") { request, context in await guarded(request, context) { body in
            let patch = try AdminJSON.decode(DeploymentPatch.self, from: body, allowed: DeploymentPatch.fields)
            return Responses.json(DeploymentView(try await registry.updateDeployment(try parameter(context, "id"), patch: patch, actor: auth.actorID)))
        } }
        admin.delete("deployments/:id") { request, context in await guarded(request, context) { _ in
            try await registry.deleteDeployment(try parameter(context, "id"), actor: auth.actorID)
            return Response(status: .noContent)
        } }
        for (path, drained) in [("drain", true), ("undrain", false)] {
            admin.post("deployments/:id/\(path)") { request, context in await guarded(request, context) { _ in
                var patch = DeploymentPatch()
                patch.drained = drained
                return Responses.json(DeploymentView(try await registry.updateDeployment(try parameter(context, "id"), patch: patch, actor: auth.actorID)))
            } }
        }
        admin.get("aliases") { request, context in await guarded(request, context) { _ in
            let state = await registry.currentState
            return Responses.json(state.aliasNames.sorted().map { aliasView($0, state: state) })
        } }
        admin.get("aliases/:alias") { request, context in await guarded(request, context) { _ in
            let name = try parameter(context, "alias")
            let state = await registry.currentState
            guard state.aliasNames.contains(name) else { throw AdminError.notFound("alias '\(name)'") }
            return Responses.json(aliasView(name, state: state))
        } }
        admin.put("aliases/:alias") { request, context in await guarded(request, context) { body in
            let input = try AdminJSON.decode(AliasInput.self, from: body, allowed: AliasInput.fields)
            let settings = try await registry.putAlias(try parameter(context, "alias"), input: input, actor: auth.actorID)
            return Responses.json(aliasView(settings.name, state: await registry.currentState))
        } }
        admin.delete("aliases/:alias") { request, context in await guarded(request, context) { _ in
            try await registry.deleteAlias(try parameter(context, "alias"), actor: auth.actorID)
            return Response(status: .noContent)
        } }
    }

    private func registerKeysAndScopes(on admin: RouterGroup<GatewayContext>) {
        admin.post("keys") { request, context in await guarded(request, context) { body in
            let input = try AdminJSON.decode(KeyInput.self, from: body, allowed: KeyInput.fields)
            let (secret, key) = try await registry.createKey(input, authority: runtime.keys, actor: auth.actorID)
            return Responses.json(IssuedKeyView(key: secret.revealForTransport(), details: KeyView(key, now: runtime.clock.now())), status: .created)
        } }
        admin.get("keys") { request, context in await guarded(request, context) { _ in
            let now = runtime.clock.now()
            return Responses.json(await registry.currentState.keys.values.sorted { $0.createdAt < $1.createdAt }.map { KeyView($0, now: now, lastUsedAt: runtime.keyUsage.lastUsed($0.id)) })
        } }
        admin.get("keys/:id") { request, context in await guarded(request, context) { _ in
            let id = try parameter(context, "id")
            guard let key = await registry.currentState.keys[id] else { throw AdminError.notFound("key '\(id)'") }
            return Responses.json(KeyView(key, now: runtime.clock.now(), lastUsedAt: runtime.keyUsage.lastUsed(id)))
        } }
        admin.post("keys/:id/revoke") { request, context in await guarded(request, context) { _ in
            let key = try await registry.revokeKey(try parameter(context, "id"), actor: auth.actorID)
            return Responses.json(KeyView(key, now: runtime.clock.now()))
        } }
        admin.post("keys/:id/rotate") { request, context in await guarded(request, context) { body in
            let input = body.isEmpty ? RotateInput() : try AdminJSON.decode(RotateInput.self, from: body, allowed: RotateInput.fields)
            let (secret, key) = try await registry.rotateKey(
                try parameter(context, "id"), graceSeconds: input.gracePeriodSeconds ?? 0, authority: runtime.keys, actor: auth.actorID)
            return Responses.json(IssuedKeyView(key: secret.revealForTransport(), details: KeyView(key, now: runtime.clock.now())))
        } }
        for (path, kind) in [("orgs", EntityKind.org), ("teams", .team), ("projects", .project)] {
            admin.post(RouterPath(stringLiteral: path)) { request, context in await guarded(request, context) { body in
                let input = try AdminJSON.decode(ScopeInput.self, from: body, allowed: ScopeInput.fields)
                switch kind {
                case .org: return Responses.json(ScopeView(try await registry.createOrg(input, actor: auth.actorID)), status: .created)
                case .team: return Responses.json(ScopeView(try await registry.createTeam(input, actor: auth.actorID)), status: .created)
                default: return Responses.json(ScopeView(try await registry.createProject(input, actor: auth.actorID)), status: .created)
                }
            } }
            admin.get(RouterPath(stringLiteral: path)) { request, context in await guarded(request, context) { _ in
                let state = await registry.currentState
                switch kind {
                case .org: return Responses.json(state.orgs.values.sorted { $0.id < $1.id }.map(ScopeView.init))
                case .team: return Responses.json(state.teams.values.sorted { $0.id < $1.id }.map(ScopeView.init))
                default: return Responses.json(state.projects.values.sorted { $0.id < $1.id }.map(ScopeView.init))
                }
            } }
            admin.patch(RouterPath(stringLiteral: "\(path)/:id")) { request, context in await guarded(request, context) { body in
                let patch = try AdminJSON.decode(ScopePatch.self, from: body, allowed: ScopePatch.fields)
                return Responses.json(try await registry.patchScope(kind, id: try parameter(context, "id"), patch: patch, actor: auth.actorID))
            } }
            admin.delete(RouterPath(stringLiteral: "\(path)/:id")) { request, context in await guarded(request, context) { _ in
                try await registry.deleteScope(kind, id: try parameter(context, "id"), actor: auth.actorID)
                return Response(status: .noContent)
            } }
        }
    }

    private func aliasView(_ name: String, state: ConfigState) -> AliasView {
        let settings = state.aliases[name] ?? AliasSettings(name: name)
        return AliasView(
            name: name, strategy: settings.strategy.rawValue, fallbacks: settings.fallbacks, retries: settings.retries,
            timeoutMs: settings.timeoutMs, contextWindowFallback: settings.contextWindowFallback,
            deployments: state.deployments.values.filter { $0.alias == name }.sorted { $0.id < $1.id }.map(DeploymentView.init))
    }

    func parameter(_ context: GatewayContext, _ name: String) throws(AdminError) -> String {
        guard let value = context.parameters.get(name) else { throw AdminError("missing path parameter", field: name) }
        return value
    }

    /// Authenticates, reads the body (bounded), runs the operation and maps failures to errors.
    func guarded(
        _ request: Request, _ context: GatewayContext, _ operation: ([UInt8]) async throws -> Response
    ) async -> Response {
        var fields = HTTPFields()
        fields[Responses.requestIDField] = context.requestID
        do {
            try auth.check(request)
            let body = try await BodyReader.read(request, limit: 1 << 20)
            // Every change this request makes is audited under this actor (see AuditActorContext).
            let actor = try AdminRequestActor.resolve(request, tokenActor: auth.actorID)
            var response = try await AuditActorContext.$requestActor.withValue(actor) { try await operation(body) }
            response.headers[Responses.requestIDField] = context.requestID
            return response
        } catch let error as AdminError {
            return Responses.error(error.gatewayError, shape: .openAI, requestID: context.requestID)
        } catch let error as GatewayError {
            return Responses.error(error, shape: .openAI, requestID: context.requestID)
        } catch let error as SecretsError {
            return Responses.error(AdminError(status: 500, error.message, code: .secretsError).gatewayError, shape: .openAI, requestID: context.requestID)
        } catch {
            runtime.logger.error("admin operation failed", metadata: ["request_id": .string(context.requestID), "error": .string(String(describing: type(of: error)))])
            return Responses.error(.internalError(context.requestID), shape: .openAI, requestID: context.requestID)
        }
    }
}
