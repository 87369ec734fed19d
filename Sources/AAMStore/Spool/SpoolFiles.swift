import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A spool I/O failure, naming the operation and file (never record contents).
public struct SpoolError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The backlog reached `--spool-max-bytes`.
        case full
        /// A write or fsync failed: the spool refuses further appends (their durability is unknown).
        case failed
        case closed
        case io
        /// Another process holds the spool directory.
        case locked
        /// One record cannot be framed (empty, or over `SpoolFrame.maxPayloadBytes`): that append
        /// is refused, the spool carries on.
        case tooLarge
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func posix(_ operation: String, _ path: String) -> SpoolError {
        SpoolError(.io, "\(operation) \(path): \(String(cString: strerror(errno)))")
    }
}

/// Thin POSIX file operations for the spool: whole writes, fsync of files and directories,
/// positioned reads, truncation. Blocking; callers run them on the spool's own queues.
enum SpoolFiles {
    static let segmentPrefix = "segment-"
    static let segmentSuffix = ".spool"
    static let checkpointName = "checkpoint"

    static func segmentName(_ firstSequence: UInt64) -> String {
        let digits = String(firstSequence)
        return segmentPrefix + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + segmentSuffix
    }

    /// First sequences of the segment files in `directory`, ascending.
    static func listSegments(in directory: String) throws -> [UInt64] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw SpoolError(.io, "cannot list the spool directory \(directory): \(error.localizedDescription)")
        }
        return names.compactMap { name -> UInt64? in
            guard name.hasPrefix(segmentPrefix), name.hasSuffix(segmentSuffix) else { return nil }
            return UInt64(name.dropFirst(segmentPrefix.count).dropLast(segmentSuffix.count))
        }.sorted()
    }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SpoolError(.io, "cannot create the spool directory \(path): \(error.localizedDescription)")
        }
    }

    static func openForAppend(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError.posix("open", path) }
        return fd
    }

    static func openForReading(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError.posix("open", path) }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }  // nothing to write
            var offset = 0
            while offset < raw.count {
                let written = write(fd, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw SpoolError.posix("write", path)
                }
                offset += written
            }
        }
    }

    static func sync(_ fd: Int32, path: String) throws {
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            throw SpoolError.posix("fsync", path)
        }
    }

    /// Makes a created, renamed or removed directory entry durable.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError.posix("open", path) }
        defer { close(fd) }
        try sync(fd, path: path)
    }

    static func size(_ path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw SpoolError.posix("stat", path) }
        return Int(info.st_size)
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    static func read(_ path: String, offset: Int, count: Int) throws -> [UInt8] {
        let fd = try openForReading(path)
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        try buffer.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }  // nothing to read
            while filled < count {
                let got = pread(fd, base + filled, count - filled, off_t(offset + filled))
                if got < 0 {
                    if errno == EINTR { continue }
                    throw SpoolError.posix("read", path)
                }
                if got == 0 { break }
                filled += got
            }
        }
        buffer.removeLast(count - filled)
        return buffer
    }

    static func truncate(_ path: String, to length: Int) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError.posix("open", path) }
        defer { close(fd) }
        guard ftruncate(fd, off_t(length)) == 0 else { throw SpoolError.posix("truncate", path) }
        try sync(fd, path: path)
    }

    /// Writes `bytes` to `path` atomically and durably (temporary file, fsync, rename, fsync dir).
    static func replaceDurably(_ path: String, with bytes: [UInt8], directory: String) throws {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError.posix("open", temporary) }
        do {
            try writeAll(fd, bytes, path: temporary)
            try sync(fd, path: temporary)
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw SpoolError.posix("rename", temporary) }
        try syncDirectory(directory)
    }

    static func closeDescriptor(_ fd: Int32) {
        if fd >= 0 { close(fd) }
    }

    static func remove(_ path: String) {
        unlink(path)
    }

    /// Takes an exclusive lock on `directory/lock` for the life of the process (released by the
    /// kernel on exit, even `kill -9`), so two daemons never share one spool.
    static func lockDirectory(_ directory: String) throws -> Int32 {
        let path = directory + "/lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError.posix("open", path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw SpoolError(.locked, "the spool directory \(directory) is in use by another process")
        }
        return fd
    }
}
