import AAMCore
import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creating the control socket's file without following a link planted at its path.
///
/// `chmod`/`chown` by path follow symbolic links, so a link at the socket path (someone who can
/// write to its directory) would make the daemon change the mode or group of the link's target.
/// Instead the socket is bound inside a fresh private directory (`mkdtemp`, 0700, next to the
/// path so it is on the same file system), given its mode and group there where nobody else can
/// reach it, and then `rename`d onto the path: `rename` replaces a directory entry and never
/// follows one, and the socket appears at its path with its final mode and owner. A link or
/// anything else but a socket already at the path is refused before that (the operator must
/// look at it); a stale socket of a dead daemon is replaced.
enum ControlSocketFile {
    /// What is at the socket path.
    enum Entry: Equatable {
        case nothing
        case socket
    }

    /// Throws `StartupError` for a symbolic link or anything else but a socket at `path`.
    static func entry(at path: String) throws(StartupError) -> Entry {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return .nothing }
            throw StartupError("cannot inspect the control socket path \(path): \(String(cString: strerror(errno)))")
        }
        switch status.st_mode & S_IFMT {
        case S_IFSOCK: return .socket
        case S_IFLNK:
            throw StartupError("the control socket path \(path) is a symbolic link; refusing to use it (remove it or pass another --control-socket)")
        default:
            throw StartupError("the control socket path \(path) exists and is not a socket; refusing to replace it")
        }
    }

    /// Binds a listening socket at `path` with `mode` (and group `groupID` when given and
    /// possible: the mode then also grants the group), never following a link at `path`.
    ///
    /// - Parameter afterBind: a test seam run between binding and setting the mode, where
    ///   an attacker racing the daemon would swap the path for a link.
    static func bind<Output: Sendable>(
        path: String, groupID: UInt32?, mode ownerMode: mode_t = 0o600, groupMode: mode_t = 0o660,
        afterBind: () -> Void = {},
        childChannelInitializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Output>
    ) async throws -> NIOAsyncChannel<Output, Never> {
        let directory = (path as NSString).deletingLastPathComponent
        var template = Array(((directory.isEmpty ? "." : directory) + "/.aamd-XXXXXX").utf8CString)
        guard let privateDirectory = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } })
            .map({ String(cString: $0) })
        else {
            throw StartupError("cannot create a private directory next to the control socket \(path): \(String(cString: strerror(errno)))")
        }
        let staging = privateDirectory + "/s"
        defer {
            _ = unlink(staging)
            _ = rmdir(privateDirectory)
        }
        let server: NIOAsyncChannel<Output, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 64)
                .bind(unixDomainSocketPath: staging, cleanupExistingSocketFile: false, childChannelInitializer: childChannelInitializer)
        } catch {
            throw StartupError("cannot open the control socket at \(path): \(error)")
        }
        afterBind()
        do {
            // Owner only; with a group, the group too (its members pass the peer check).
            var mode = ownerMode
            if let groupID, lchown(staging, uid_t.max, gid_t(groupID)) == 0 { mode = groupMode }
            guard chmod(staging, mode) == 0 else {
                throw StartupError("cannot set the mode of the control socket \(path): \(String(cString: strerror(errno)))")
            }
            // Replaces a stale socket (checked by the caller), never follows an entry.
            guard rename(staging, path) == 0 else {
                throw StartupError("cannot move the control socket into place at \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? await server.channel.close()
            throw error
        }
        return server
    }
}
