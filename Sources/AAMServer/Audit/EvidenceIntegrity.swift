import AAMCore
import Logging

/// The start-up steps that make the evidence chains keyed (`Gateway.assemble`).
enum EvidenceIntegrity {
    /// Attaches the chain keys to the call-record store and adopts the records written before
    /// chaining existed (first start after the upgrade), before the spool replay adds more.
    static func chainCalls(_ store: (any EvidenceChainStore)?, keys: EvidenceChainKeyring, logger: Logger) async throws {
        guard let store else { return }
        await store.attachChain(keys)
        do {
            let adopted = try await store.adoptUnchainedRecords()
            if adopted > 0 {
                logger.notice("evidence chain: adopted the call records written before chaining", metadata: ["records": "\(adopted)"])
            }
        } catch {
            throw StartupError("cannot chain the stored call records: \(error)")
        }
    }

    /// Keys an admin audit trail written before keying (one marker entry; `AuditLog.keyChain`).
    static func keyAuditChain(_ log: AuditLog, logger: Logger) async throws {
        let marker: AdminAuditEntry?
        do { marker = try await log.keyChain() } catch {
            throw StartupError("cannot key the admin audit chain: \(error)")
        }
        guard let marker else { return }
        logger.notice(
            "admin audit chain keyed from this entry on", metadata: ["sequence": "\(marker.sequence)", "legacy": .string(marker.before ?? "")])
    }
}
