import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who is at the other end of a control connection, as the kernel reports it (`SO_PEERCRED`).
/// Laid out like Linux's `struct ucred` (pid, uid, gid), which Glibc's module does not export.
struct PeerCredentials: Sendable, Equatable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0

    /// Asks the kernel about the peer of an accepted Unix socket; nil where unsupported.
    static func of(_ channel: any Channel) -> EventLoopFuture<PeerCredentials?> {
        #if os(Linux)
        guard let provider = channel as? any SocketOptionProvider else { return channel.eventLoop.makeSucceededFuture(nil) }
        let future: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return future.map { Optional($0) }.recover { _ in nil }
        #else
        return channel.eventLoop.makeSucceededFuture(nil)
        #endif
    }
}

/// Who may use the control socket: the daemon's own user, root, or members of the configured
/// group (`--control-group`). Pure, so the rule is tested without switching users.
///
/// The socket file is also mode 0600 (owner only), so on a default install only the first two
/// can even connect; the group lets an operator group in when the socket's directory and file
/// permissions are opened to it. The check here is the one that does not depend on file modes.
struct ControlAccessPolicy: Sendable, Equatable {
    enum Decision: Sendable, Equatable {
        case allow
        case deny(String)
    }

    let daemonUID: UInt32
    /// The resolved `--control-group`, if any.
    let groupID: UInt32?
    let groupName: String?

    init(daemonUID: UInt32, groupID: UInt32? = nil, groupName: String? = nil) {
        self.daemonUID = daemonUID
        self.groupID = groupID
        self.groupName = groupName
    }

    /// Whether the group list of the peer's user is needed to decide (it costs a lookup).
    func needsGroups(_ peer: PeerCredentials) -> Bool {
        peer.uid != daemonUID && peer.uid != 0 && groupID != nil && peer.gid != groupID
    }

    /// `groups`: the peer user's supplementary groups (ignored unless `needsGroups`).
    func decide(_ peer: PeerCredentials?, groups: [UInt32] = []) -> Decision {
        guard let peer else { return .deny("the peer's credentials cannot be read") }
        if peer.uid == daemonUID || peer.uid == 0 { return .allow }
        if let groupID, peer.gid == groupID || groups.contains(groupID) { return .allow }
        let allowed = groupName.map { "the daemon's user, root, or members of group '\($0)'" } ?? "the daemon's user or root"
        return .deny("uid \(peer.uid) may not use this control socket (allowed: \(allowed))")
    }
}

/// The user and group database, through the reentrant libc calls.
enum SystemAccounts {
    /// The login name of `uid`, else its number as text.
    static func userName(of uid: UInt32) -> String {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        guard getpwuid_r(uid_t(uid), &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else {
            return String(uid)
        }
        return String(cString: name)
    }

    /// The id of a group given by name or number; nil when unknown.
    static func groupID(of name: String) -> UInt32? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 64 * 1024)
        if getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil { return UInt32(entry.gr_gid) }
        return UInt32(name)
    }

    /// Every group `user` belongs to (primary included).
    static func groups(ofUser user: String, primary: UInt32) -> [UInt32] {
        var count: Int32 = 64
        while true {
            var groups = [gid_t](repeating: 0, count: Int(count))
            #if canImport(Darwin)
            var raw = [Int32](repeating: 0, count: Int(count))
            let status = getgrouplist(user, Int32(bitPattern: primary), &raw, &count)
            groups = raw.map { gid_t(bitPattern: $0) }
            #else
            let status = getgrouplist(user, gid_t(primary), &groups, &count)
            #endif
            if status >= 0 { return groups.prefix(Int(count)).map { UInt32($0) } }
            if count <= groups.count { count = Int32(groups.count * 2) }
            if count > 65_536 { return [primary] }
        }
    }
}
