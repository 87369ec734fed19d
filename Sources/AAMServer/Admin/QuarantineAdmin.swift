import AAMCore
import AAMStore
import Hummingbird

/// The evidence quarantine: records the database refused for their content (or the spool could
/// not read back), set aside so the rest of the evidence flows on.
///
/// - `GET /admin/evidence/quarantine`: the entries (key, spool sequence, kind, request id or
///   audit sequence, when, the database's error), never record contents.
/// - `POST /admin/evidence/quarantine/redrive` (body `{"keys":[...]}` or `{}` for all): puts
///   the records back into the spool once the cause is fixed; refused again, they return here.
/// - `POST /admin/evidence/quarantine/discard` (body `{"keys":[...]}` or `{"all":true}`):
///   deletes them for good. Audited (`evidence.quarantine.discard`, one entry per record).
enum QuarantineAdmin {
    struct Listing: Encodable, Sendable {
        var count: Int
        var entries: [QuarantinedEvidence]
    }

    struct Selection: Decodable, Sendable {
        var keys: [String]?
        var all: Bool?
    }

    struct Result: Encodable, Sendable {
        var keys: [String]
    }

    static func register(on router: Router<GatewayContext>, routes: AdminRoutes, writer: EvidenceWriter) {
        router.get("admin/evidence/quarantine") { request, context in await routes.guarded(request, context) { _ in
            let entries = try await writer.quarantineList()
            return Responses.json(Listing(count: entries.count, entries: entries))
        } }
        router.post("admin/evidence/quarantine/redrive") { request, context in await routes.guarded(request, context) { body in
            let selection = try decode(body)
            let keys = try await writer.redriveQuarantine(keys: selection.keys.map(Set.init))
            return Responses.json(Result(keys: keys))
        } }
        router.post("admin/evidence/quarantine/discard") { request, context in await routes.guarded(request, context) { body in
            let selection = try decode(body)
            guard selection.keys != nil || selection.all == true else {
                throw AdminError("name the entries to discard ({\"keys\":[...]}) or discard all ({\"all\":true})", field: "keys")
            }
            let keys = selection.keys.map(Set.init)
            let registry = routes.registry
            let chosen = try await writer.quarantineList().filter { keys?.contains($0.key) ?? true }
            // Audited before the records go: discarding evidence is itself evidence.
            let actor = registry.auditActor(routes.auth.actorID)
            try await registry.recordAudit(chosen.map {
                AuditDraft(actor: actor, action: "evidence.quarantine.discard", target: "evidence:\($0.key)", before: $0.reason)
            })
            let removed = try await writer.discardQuarantine(keys: Set(chosen.map(\.key)))
            return Responses.json(Result(keys: removed.map(\.key)))
        } }
    }

    private static func decode(_ body: [UInt8]) throws -> Selection {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return Selection() }
        return try AdminJSON.decode(Selection.self, from: body, allowed: ["keys", "all"])
    }
}
