import AAMCore
import Foundation
import PostgresNIO

extension PostgresStore {
    public func loadAll() async throws -> [EntityKind: [String: Data]] {
        try await run("load the configuration") { [self] in
            var result: [EntityKind: [String: Data]] = [:]
            let rows = try await client.query("SELECT kind, id, document FROM entities", logger: logger)
            for try await (kindName, id, document) in rows.decode((String, String, ByteBuffer).self) {
                guard let kind = EntityKind(rawValue: kindName) else { continue }
                result[kind, default: [:]][id] = Data(document.readableBytesView)
            }
            return result
        }
    }

    public func upsert(kind: EntityKind, id: String, document: Data) async throws {
        try await run("save \(kind.rawValue) '\(id)'") { [self] in
            try await client.query(
                """
                INSERT INTO entities (kind, id, document, updated_at) VALUES (\(kind.rawValue), \(id), \(ByteBuffer(bytes: document)), now())
                ON CONFLICT (kind, id) DO UPDATE SET document = EXCLUDED.document, updated_at = EXCLUDED.updated_at
                """,
                logger: logger)
        }
    }

    public func delete(kind: EntityKind, id: String) async throws {
        try await run("delete \(kind.rawValue) '\(id)'") { [self] in
            try await client.query("DELETE FROM entities WHERE kind = \(kind.rawValue) AND id = \(id)", logger: logger)
        }
    }

    public func serverSecret(named name: String) async throws -> Data? {
        try await run("read the server secret '\(name)'") { [self] in
            let rows = try await client.query("SELECT value FROM server_secrets WHERE name = \(name)", logger: logger)
            for try await value in rows.decode(ByteBuffer.self) { return Data(value.readableBytesView) }
            return nil
        }
    }

    public func setServerSecret(named name: String, value: Data) async throws {
        try await run("save the server secret '\(name)'") { [self] in
            try await client.query(
                """
                INSERT INTO server_secrets (name, value) VALUES (\(name), \(ByteBuffer(bytes: value)))
                ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value
                """,
                logger: logger)
        }
    }
}
