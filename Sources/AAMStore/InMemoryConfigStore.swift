import AAMCore
import Foundation
import Synchronization

/// The in-memory twin of `ConfigStore`: for tests and for `--database memory`.
public final class InMemoryConfigStore: ConfigStore {
    private struct Contents {
        var entities: [EntityKind: [String: Data]] = [:]
        var secrets: [String: Data] = [:]
    }

    private let contents = Mutex(Contents())

    public init() {}

    public func loadAll() async throws -> [EntityKind: [String: Data]] {
        contents.withLock { $0.entities }
    }

    public func upsert(kind: EntityKind, id: String, document: Data) async throws {
        contents.withLock { $0.entities[kind, default: [:]][id] = document }
    }

    public func delete(kind: EntityKind, id: String) async throws {
        _ = contents.withLock { $0.entities[kind]?.removeValue(forKey: id) }
    }

    public func serverSecret(named name: String) async throws -> Data? {
        contents.withLock { $0.secrets[name] }
    }

    public func setServerSecret(named name: String, value: Data) async throws {
        contents.withLock { $0.secrets[name] = value }
    }
}

/// The in-memory twin of `CallRecordStore`.
public final class InMemoryCallRecordStore: CallRecordStore {
    private struct Contents {
        var ordered: [CallRecord] = []
        var ids: Set<String> = []
    }

    private let contents = Mutex(Contents())

    public init() {}

    public func append(_ records: [CallRecord]) async throws {
        contents.withLock { contents in
            for record in records where contents.ids.insert(record.requestId).inserted {
                contents.ordered.append(record)
            }
        }
    }

    public func recentCalls(limit: Int) async throws -> [CallRecord] {
        contents.withLock { Array($0.ordered.suffix(max(0, limit)).reversed()) }
    }

    public func callCount() async throws -> Int { contents.withLock { $0.ordered.count } }

    public func call(requestId: String) async throws -> CallRecord? {
        contents.withLock { $0.ordered.last { $0.requestId == requestId } }
    }

    public func calls(since date: Date) async throws -> [CallRecord] {
        contents.withLock { $0.ordered.filter { $0.startedAt >= date } }.sorted { $0.startedAt < $1.startedAt }
    }
}
