/// A policy's `spec.audit.record` as a bit set, compiled into each of its verdicts so that
/// shaping a decision's evidence (`PolicyEvidence`) is a few bit tests.
///
/// The floor is always recorded whatever the list says: who asked (`identity`), under which
/// policy text (`policy`, `version`), for what (`model`, or `resource` and `action`), what was
/// decided (`outcome`) and how long the call took (`latency`). Evidence without these could not
/// be attributed or replayed, and the product promises them on every decision. The list adds
/// detail on top: `rule`, `reason`, `cost`, and the opt-in `parameters`.
public struct AuditSelection: Sendable, Hashable {
    private let bits: UInt16

    /// The fields recorded whatever the policy lists.
    public static let floor: [AuditField] = [.identity, .policy, .version, .model, .resource, .action, .outcome, .latency]
    /// What a policy without an `audit` section records (and a decision no policy made).
    public static let defaults = AuditSelection(AuditField.defaults)

    public init(_ fields: some Sequence<AuditField>) {
        var bits: UInt16 = 0
        for field in fields { bits |= Self.bit(field) }
        for field in Self.floor { bits |= Self.bit(field) }
        self.bits = bits
    }

    /// Whether evidence under this selection carries `field`.
    public func records(_ field: AuditField) -> Bool { bits & Self.bit(field) != 0 }

    /// The recorded fields, in `AuditField` order (floor included).
    public var fields: [AuditField] { AuditField.allCases.filter(records) }

    private static func bit(_ field: AuditField) -> UInt16 {
        switch field {
        case .identity: return 1 << 0
        case .policy: return 1 << 1
        case .version: return 1 << 2
        case .rule: return 1 << 3
        case .reason: return 1 << 4
        case .model: return 1 << 5
        case .resource: return 1 << 6
        case .action: return 1 << 7
        case .outcome: return 1 << 8
        case .latency: return 1 << 9
        case .cost: return 1 << 10
        case .parameters: return 1 << 11
        }
    }
}
