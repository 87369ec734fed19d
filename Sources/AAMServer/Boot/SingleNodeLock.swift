import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// SQLite is the single-node store: one `aamd` per database file. Two daemons on one file
/// would each keep their own budgets, limits and audit head and interleave sequences, so the
/// second is refused at start with a message that points at Postgres. An exclusive `flock` on
/// `PATH.aamd-lock`, held for the life of the store (released by the kernel on exit, even on
/// `kill -9`, so a crash never leaves a stale lock behind).
final class SingleNodeLock: Sendable {
    private let descriptor: Mutex<Int32>

    private init(descriptor: Int32) {
        self.descriptor = Mutex(descriptor)
    }

    static func take(databasePath: String) throws(StartupError) -> SingleNodeLock {
        let directory = (databasePath as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let path = databasePath + ".aamd-lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StartupError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw StartupError(
                "the SQLite database \(databasePath) is in use by another aamd: SQLite serves a single node; "
                    + "to run several replicas, give them all the same --database postgres://…")
        }
        return SingleNodeLock(descriptor: fd)
    }

    /// Releases the lock (idempotent).
    func release() {
        descriptor.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }
}
