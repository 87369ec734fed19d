import AAMCore
import AAMSecrets
import AAMTesting
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// The `--siem-*` flags of the real `aamd`, and the HEC token kept out of its output.
@Suite("SIEM flags of aamd", .serialized)
struct SIEMDaemonTests {
    @Test("bad SIEM flags stop aamd with a clear message")
    func badFlags() async throws {
        let master = ["AAM_MASTER_KEY": MasterKey.generateBase64()]
        let cases: [([String], [String: String], String)] = [
            (["--siem-syslog", "no-port"], master, "--siem-syslog must be HOST:PORT"),
            (["--siem-hec-url", "http://127.0.0.1:1/services/collector/event"], master, "--siem-hec-url needs the collector token in AAM_SIEM_HEC_TOKEN"),
            (["--siem-hec-url", "ftp://x"], master.merging(["AAM_SIEM_HEC_TOKEN": "t"]) { $1 }, "--siem-hec-url must be an http(s) URL"),
            (["--siem-syslog-tls"], master, "--siem-syslog-tls needs --siem-syslog HOST:PORT"),
        ]
        for (arguments, environment, message) in cases {
            let daemon = try ProcessRunner("aamd", arguments: ["--database", "memory", "--listen", "127.0.0.1:0"] + arguments, environment: environment)
            #expect(await daemon.waitForExit() == 2, "\(arguments)")
            #expect(daemon.allOutput.contains(message), "\(arguments): \(daemon.allOutput)")
        }
    }

    @Test("a refused HEC token is alarmed in the log, and the token appears in no log line or response")
    func tokenNeverShown() async throws {
        let receiver = try await HECReceiver.start(token: "the-collector-expects-this")
        let token = "hec-token-in-env-7f3a-DO-NOT-LEAK"
        let daemon = try ProcessRunner(
            "aamd", arguments: ["--database", "memory", "--listen", "127.0.0.1:0", "--log-level", "trace", "--siem-hec-url", receiver.url],
            environment: ["AAM_MASTER_KEY": MasterKey.generateBase64(), "AAM_ADMIN_TOKEN": "proc-admin", "AAM_SIEM_HEC_TOKEN": token])
        do {
            let listening = try #require(await daemon.firstLine(containing: "aamd listening"), "\(daemon.allOutput)")
            let address = try #require(listening.split(separator: " ").first { $0.hasPrefix("address=") })
            let port = try #require(address.split(separator: ":").last.flatMap { Int($0) })
            let base = "http://127.0.0.1:\(port)"
            var create = HTTPClientRequest(url: base + "/admin/orgs")
            create.method = .POST
            create.headers.add(name: "authorization", value: "Bearer proc-admin")
            create.body = .bytes(ByteBuffer(string: #"{"id":"acme"}"#))
            let created = try await HTTPClient.shared.execute(create, timeout: .seconds(10))
            #expect(created.status.code == 201)
            let alarm = await daemon.firstLine(containing: "check AAM_SIEM_HEC_TOKEN")
            #expect(alarm != nil, "\(daemon.allOutput)")
            var responses = ""
            for path in ["/admin/siem", "/metrics"] {
                var request = HTTPClientRequest(url: base + path)
                request.headers.add(name: "authorization", value: "Bearer proc-admin")
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                responses += String(buffer: try await response.body.collect(upTo: 1 << 20))
            }
            #expect(responses.contains(#""hecTokenSet":true"#))
            #expect(responses.contains(#"aam_siem_failures_total{sink="hec"}"#))
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit() == 0)
            #expect(!daemon.allOutput.contains(token))
            #expect(!responses.contains(token))
            #expect(receiver.refusedTokenCount >= 1)
        } catch {
            daemon.signal(SIGKILL)
            _ = await daemon.waitForExit()
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }
}
