import Foundation

#if canImport(Glibc)
import Glibc
private let systemConnect = Glibc.connect
private let systemClose = Glibc.close
#elseif canImport(Darwin)
import Darwin
private let systemConnect = Darwin.connect
private let systemClose = Darwin.close
#endif

/// A connected Unix stream socket with blocking reads and writes (the client side of the
/// control socket). Plain POSIX so the console binary needs no NIO.
struct UnixStreamSocket: Sendable {
    let fd: Int32

    /// Whom a client trusts to serve the control socket: its own user and root. A socket at
    /// the path served by anyone else may have been planted (a shared or world-writable
    /// directory) to read the operator's commands or feed it false figures.
    static var defaultTrustedServerUIDs: Set<UInt32> { [UInt32(getuid()), 0] }

    /// Connects to `path`, translating the usual failures into errors the operator understands,
    /// and refuses a server whose user (the kernel's word: `SO_PEERCRED`) is not in
    /// `trustedServerUIDs`.
    static func connect(
        path: String, trustedServerUIDs: Set<UInt32> = defaultTrustedServerUIDs
    ) throws(ControlClientError) -> UnixStreamSocket {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else {
            throw .connectFailed(path: path, reason: "the socket path must be 1 to \(capacity - 1) bytes long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw .connectFailed(path: path, reason: String(cString: strerror(errno))) }
        #if canImport(Darwin)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result != 0 {
            let code = errno
            _ = systemClose(fd)
            switch code {
            case ENOENT: throw .noSocket(path: path)
            case ECONNREFUSED: throw .daemonNotListening(path: path)
            case EACCES, EPERM: throw .permissionDenied(path: path, reason: "the socket file is not accessible to this user")
            default: throw .connectFailed(path: path, reason: String(cString: strerror(code)))
            }
        }
        let connected = UnixStreamSocket(fd: fd)
        guard let serverUID = connected.peerUID() else {
            connected.close()
            throw .connectFailed(path: path, reason: "cannot learn which user serves the socket (\(String(cString: strerror(errno))))")
        }
        guard trustedServerUIDs.contains(serverUID) else {
            connected.close()
            throw .untrustedServer(path: path, uid: serverUID)
        }
        return connected
    }

    /// The user of the process at the other end, as the kernel reports it.
    func peerUID() -> UInt32? {
        #if canImport(Glibc)
        // Laid out like Linux's `struct ucred` (pid, uid, gid), which Glibc's module does not export.
        var credentials: (pid: Int32, uid: UInt32, gid: UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout<(Int32, UInt32, UInt32)>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0,
            length == socklen_t(MemoryLayout<(Int32, UInt32, UInt32)>.size)
        else { return nil }
        return credentials.uid
        #else
        var uid: uid_t = 0
        var gid: gid_t = 0
        guard getpeereid(fd, &uid, &gid) == 0 else { return nil }
        return UInt32(uid)
        #endif
    }

    /// Writes every byte (blocking); false when the peer is gone.
    func writeAll(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw -> Int in
                // Non-empty (offset < count), so it has a base address.
                guard let base = raw.baseAddress else {
                    errno = EBADF
                    return -1
                }
                #if canImport(Glibc)
                return send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                #else
                return send(fd, base + offset, raw.count - offset, 0)
                #endif
            }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    /// Reads what is available (blocking); nil at end of stream or on error.
    func read(into buffer: inout [UInt8]) -> Int? {
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { return count }
            if count < 0, errno == EINTR { continue }
            return nil
        }
    }

    /// Wakes a blocked `read` (it returns nil) without racing a `close` against it.
    func shutdownBoth() { _ = shutdown(fd, Int32(SHUT_RDWR)) }

    func close() { _ = systemClose(fd) }
}
