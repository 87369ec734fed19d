import AAMCore
import Foundation
import Hummingbird

/// `GET /admin/audit`: the admin audit trail, oldest first, filtered and paged.
///
/// Query: `actor`, `action` (exact), `target` (exact, or a prefix ending in `*` such as
/// `key:*`), `from`/`to` (ISO 8601, inclusive/exclusive), `after` (a sequence: entries after
/// it), `limit` (1-1000, default 100). Answer: `{"entries":[…],"next":N|null}`; pass `next` as
/// `after` to read the following page.
enum AuditAdmin {
    static let defaultLimit = 100
    static let maxLimit = 1000
    static let parameters = ["actor", "action", "target", "from", "to", "after", "limit"]

    /// Parses the query parameters; errors name the parameter.
    static func query(_ parameters: [(name: String, value: String)]) throws(AdminError) -> AdminAuditQuery {
        var query = AdminAuditQuery(limit: defaultLimit)
        var seen = Set<String>()
        for (name, value) in parameters {
            guard Self.parameters.contains(name) else {
                throw AdminError("unknown query parameter (expected one of \(Self.parameters.joined(separator: ", ")))", field: name)
            }
            guard seen.insert(name).inserted else { throw AdminError("given more than once", field: name) }
            switch name {
            case "actor", "action", "target":
                guard !value.isEmpty, value.utf8.count <= 256 else { throw AdminError("must be 1-256 characters", field: name) }
                if name == "target", value.dropLast().contains("*") {
                    throw AdminError("'*' is allowed only at the end (a prefix such as key:*)", field: name)
                }
                if name == "actor" { query.actor = value } else if name == "action" { query.action = value } else { query.target = value }
            case "from", "to":
                let date = try self.date(value, field: name)
                if name == "from" { query.from = date } else { query.to = date }
            case "after":
                guard let after = Int64(value), after >= 0 else { throw AdminError("must be a sequence number (an integer >= 0)", field: name) }
                query.afterSequence = after
            default:
                guard let limit = Int(value), (1...maxLimit).contains(limit) else {
                    throw AdminError("must be an integer from 1 to \(maxLimit)", field: name)
                }
                query.limit = limit
            }
        }
        if let from = query.from, let to = query.to, to < from { throw AdminError("must not be before 'from'", field: "to") }
        return query
    }

    static func date(_ text: String, field: String) throws(AdminError) -> Date {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        throw AdminError("expected an ISO 8601 date such as 2030-01-31T00:00:00Z", field: field)
    }

    /// One entry as the API shows it: `at` with milliseconds, absent documents as null.
    struct EntryView: Encodable, Sendable {
        var sequence: Int64
        var at: String
        var actor: String
        var channel: String
        var action: String
        var target: String
        var before: String?
        var after: String?
        var previousHash: String
        var hash: String

        init(_ entry: AdminAuditEntry) {
            sequence = entry.sequence
            at = entry.at.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            actor = entry.actor
            channel = entry.channel
            action = entry.action
            target = entry.target
            before = entry.before
            after = entry.after
            previousHash = entry.previousHash
            hash = entry.hash
        }

        enum CodingKeys: String, CodingKey { case sequence, at, actor, channel, action, target, before, after, previousHash, hash }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(sequence, forKey: .sequence)
            try container.encode(at, forKey: .at)
            try container.encode(actor, forKey: .actor)
            try container.encode(channel, forKey: .channel)
            try container.encode(action, forKey: .action)
            try container.encode(target, forKey: .target)
            try container.encode(before, forKey: .before)
            try container.encode(after, forKey: .after)
            try container.encode(previousHash, forKey: .previousHash)
            try container.encode(hash, forKey: .hash)
        }
    }

    struct Page: Encodable, Sendable {
        var entries: [EntryView]
        var next: Int64?

        enum CodingKeys: String, CodingKey { case entries, next }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(entries, forKey: .entries)
            try container.encode(next, forKey: .next)  // explicit null on the last page
        }
    }

    /// A page of `entries` read with `query`: `next` is set when the page is full.
    static func page(_ entries: [AdminAuditEntry], query: AdminAuditQuery) -> Page {
        Page(entries: entries.map(EntryView.init), next: entries.count >= query.limit ? entries.last?.sequence : nil)
    }
}

/// `GET /admin/audit/verify`: runs the evidence verifier server side, with the chain keys
/// (never returned), over the admin audit chain and the call-record chain.
///
/// Query: `anchor` (repeatable, at most 100): `audit:SEQ:LINK` or `calls:SEQ:LINK`, a head
/// recorded outside the database (an `evidence anchor` log line, a SIEM event); each chain must
/// reach every anchor of its own and hold the same link there. Answer: `EvidenceReport`, 200
/// whether intact or broken (`ok` says which).
enum AuditVerifyAdmin {
    static let maxAnchors = 100

    static func anchors(_ parameters: [(name: String, value: String)]) throws(AdminError) -> [EvidenceAnchor] {
        var anchors: [EvidenceAnchor] = []
        for (name, value) in parameters {
            guard name == "anchor" else { throw AdminError("unknown query parameter (expected anchor)", field: name) }
            guard let anchor = EvidenceAnchor(parsing: value) else {
                throw AdminError("must be audit:SEQ:LINK or calls:SEQ:LINK (a sequence >= 1 and the link an anchor recorded)", field: name)
            }
            anchors.append(anchor)
        }
        guard anchors.count <= maxAnchors else { throw AdminError("at most \(maxAnchors) anchors", field: "anchor") }
        return anchors
    }
}

extension AdminRoutes {
    func registerAudit(on admin: RouterGroup<GatewayContext>) {
        admin.get("audit/verify") { request, context in await guarded(request, context) { _ in
            let anchors = try AuditVerifyAdmin.anchors(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
            guard let log = await registry.audit, let keys = log.keys else {
                throw AdminError(status: 503, "the admin audit trail is not available", code: .auditUnavailable)
            }
            let report: EvidenceReport
            do {
                // Entries the quarantine holds are verified in place: a known gap, not a break.
                let held = try await log.held?.heldAuditEntries() ?? []
                report = try await EvidenceVerification.report(audit: log.store, calls: log.callChain, keys: keys, anchors: anchors, held: held)
            } catch {
                throw AdminError(status: 503, "the evidence could not be read from the database; retry when it is reachable", code: .storeUnavailable)
            }
            return Responses.json(report)
        } }
        admin.get("audit") { request, context in await guarded(request, context) { _ in
            let query = try AuditAdmin.query(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
            guard let log = await registry.audit else { throw AdminError(status: 503, "the admin audit trail is not available", code: .auditUnavailable) }
            return Responses.json(AuditAdmin.page(try await log.store.auditEntries(query), query: query))
        } }
    }
}
