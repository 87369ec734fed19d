import AAMControlProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Connects a `ControlClient` to a harness's control socket, retrying while the socket is
/// still being bound (the HTTP listener is ready first), until a deadline.
func connectControl(
    _ harness: GatewayHarness, peer: String = "control-test", deadline: Duration = .seconds(10), newsSink: ControlNewsSink? = nil
) async throws -> ControlClient {
    let clock = ContinuousClock()
    let end = clock.now + deadline
    while true {
        do {
            return try await ControlClient.connect(path: harness.controlSocketPath, peer: peer, newsSink: newsSink)
        } catch ControlClientError.noSocket, ControlClientError.daemonNotListening {
            guard clock.now < end else { throw HarnessError("the control socket never came up at \(harness.controlSocketPath)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Waits for the first message of `client.events` matching `match`, up to `timeout`.
func firstEvent(
    _ client: ControlClient, timeout: Duration = .seconds(10), where match: @escaping @Sendable (ControlMessage) -> Bool
) async throws -> ControlMessage {
    try await withThrowingTaskGroup(of: ControlMessage?.self) { group in
        group.addTask {
            for await message in client.events where match(message) { return message }
            return nil
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let message = try await group.next() ?? nil else { throw HarnessError("no matching control message within \(timeout)") }
        return message
    }
}

/// Polls `condition` until it holds or the deadline passes (for figures fed asynchronously).
func eventually(_ what: String, deadline: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let end = clock.now + deadline
    while try await !condition() {
        guard clock.now < end else { throw HarnessError("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// A bare control-socket connection for misbehaving peers: raw bytes in, lines out, and the
/// freedom not to read at all. Its blocking calls run on a Dispatch thread, never on the Swift
/// cooperative pool that the in-process daemon needs (two cores: blocking it would starve it).
///
/// `@unchecked Sendable`: a test uses one socket from one task, one call at a time (each call
/// awaits its Dispatch hop before the next starts), so `pending` is never touched concurrently.
final class RawControlSocket: @unchecked Sendable {
    let fd: Int32
    private var pending: [UInt8] = []

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw HarnessError("connect \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { Glibc.close(fd) }

    /// Shrinks the kernel's receive buffer so a peer that does not read fills up sooner.
    func shrinkReceiveBuffer(to bytes: Int32) {
        var value = bytes
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await offPool { try self.sendNow(bytes) }
    }

    /// The next line, or nil at end of stream; throws when nothing comes within `timeout`.
    func readLine(timeout: Double = 10) async throws -> String? {
        try await offPool { try self.readLineNow(timeout: timeout) }
    }

    private func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    private func sendNow(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw HarnessError("send failed: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    private func readLineNow(timeout: Double) throws -> String? {
        let end = Date().addingTimeInterval(timeout)
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeFirst(newline + 1)
                return line
            }
            let remaining = end.timeIntervalSinceNow
            guard remaining > 0 else { throw HarnessError("no line within \(timeout) s") }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(remaining * 1000)) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return nil }
            pending.append(contentsOf: buffer[..<count])
        }
    }

    /// The next line decoded as a message.
    func readMessage(timeout: Double = 10) async throws -> ControlMessage? {
        guard let line = try await readLine(timeout: timeout) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(ControlMessage.self, from: Data(line.utf8))
    }
}
