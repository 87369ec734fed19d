/// A store write the database refused because of what the records hold (a data exception, a
/// constraint, a value over a limit): writing the same records again can never succeed, unlike
/// a write that failed because the database was unreachable or slow. The evidence drain
/// isolates and quarantines the records behind such a refusal and retries everything else.
public protocol StoreWriteRefusal: Error {
    /// True when the content was refused (permanent); false for transient failures.
    var refusesContent: Bool { get }
}

