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

    /// Connects to `path`, translating the usual failures into errors the operator understands.
    static func connect(path: String) throws(ControlClientError) -> UnixStreamSocket {
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
        return UnixStreamSocket(fd: fd)
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
