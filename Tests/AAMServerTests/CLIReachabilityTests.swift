import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 17 item 8: `aam` says what is wrong when it cannot reach the admin API (no errno
/// text), and takes the address from `AAM_URL` when `--url` is not given.
@Suite("CLI reachability")
struct CLIReachabilityTests {
    /// A loopback port nothing listens on: bound, read, closed.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static var aam: String { ProcessRunner.binaryDirectory.appendingPathComponent("aam").path }

    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AAM_") }
        environment.merge(extra) { $1 }
        return environment
    }

    @Test func nothingListeningIsSaidInWordsWithTheAddressAndAHint() async throws {
        let url = "http://127.0.0.1:\(try Self.closedPort())"
        let run = try await ToolRun.run(Self.aam, ["keys", "list", "--url", url], environment: Self.environment())
        #expect(run.status != 0)
        #expect(run.output.contains("nothing is listening at \(url)"), "\(run.output)")
        #expect(run.output.contains("is aamd running"), "\(run.output)")
        #expect(!run.output.contains("errno"), "\(run.output)")
    }

    @Test func theAddressComesFromAAMURLWhenNoFlagNamesIt() async throws {
        let url = "http://127.0.0.1:\(try Self.closedPort())"
        let run = try await ToolRun.run(Self.aam, ["providers", "list"], environment: Self.environment(["AAM_URL": url]))
        #expect(run.status != 0)
        #expect(run.output.contains("nothing is listening at \(url)"), "\(run.output)")
        // The flag wins over the environment.
        let flagged = try await ToolRun.run(
            Self.aam, ["providers", "list", "--url", "http://127.0.0.1:\(try Self.closedPort())"], environment: Self.environment(["AAM_URL": url]))
        #expect(!flagged.output.contains(url), "\(flagged.output)")
    }

    @Test func anUnusableURLIsNamed() async throws {
        let run = try await ToolRun.run(Self.aam, ["keys", "list", "--url", "127.0.0.1:8080"], environment: Self.environment())
        #expect(run.status != 0)
        #expect(run.output.contains("127.0.0.1:8080 is not a usable admin API URL"), "\(run.output)")
    }
}
