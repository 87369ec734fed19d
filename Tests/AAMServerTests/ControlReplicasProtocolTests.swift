import AAMControlProtocol
import Foundation
import Testing

/// The cluster's messages on the control socket, byte for byte and back, and compatibility
/// with a daemon that predates clusters (its `status` has no `cluster` member).
@Suite("Control protocol: replicas and cluster health")
struct ControlReplicasProtocolTests {
    static let time = Date(timeIntervalSince1970: 1_800_000_000)

    static func decode(_ line: String) throws -> ControlMessage {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(ControlMessage.self, from: Data(line.utf8))
    }

    @Test func replicasResultRoundTrips() throws {
        var message = ControlMessage(type: .result, id: 9)
        message.replicas = ReplicaRoster(clustered: true, store: "Postgres", readAgeSeconds: 0.5, replicas: [
            ReplicaStatusRow(id: "r0", isSelf: true, live: true, listen: "10.0.0.1:8081", version: "aamd 0.14", startedAt: Self.time,
                             heartbeatAgeSeconds: 1.5, configVersion: 42, feedLagMs: 0, leases: 3),
            ReplicaStatusRow(id: "r1", isSelf: false, live: false, listen: "10.0.0.2:8081", version: "aamd 0.14", startedAt: Self.time,
                             heartbeatAgeSeconds: 31, configVersion: 40, feedLagMs: 1200, leases: 0),
        ])
        let line = try ControlGoldenTests.line(message)
        #expect(line.hasPrefix(#"{"id":9,"replicas":{"clustered":true,"readAgeSeconds":0.5,"replicas":[{"configVersion":42,"feedLagMs":0,"heartbeatAgeSeconds":1.5,"id":"r0","isSelf":true,"leases":3,"listen":"10.0.0.1:8081","live":true,"startedAt":"2027-01-15T08:00:00Z","version":"aamd 0.14"}"#), "\(line)")
        #expect(try ControlGoldenTests.roundTrips(message))
        #expect(try ControlGoldenTests.line(.query(.replicas, id: 3)) == #"{"id":3,"query":"replicas","type":"query"}"# + "\n")
        // A single node: no heartbeat, no registry read; nil members stay off the wire.
        var single = ControlMessage(type: .result, id: 10)
        single.replicas = ReplicaRoster(clustered: false, store: "SQLite", replicas: [
            ReplicaStatusRow(id: "single-node", isSelf: true, live: true, listen: "127.0.0.1:8080", version: "aamd 0.14", startedAt: Self.time,
                             heartbeatAgeSeconds: nil, configVersion: 7, feedLagMs: 0, leases: 0),
        ])
        let singleLine = try ControlGoldenTests.line(single)
        #expect(!singleLine.contains("heartbeatAgeSeconds") && !singleLine.contains("readAgeSeconds") && !singleLine.contains("readError"))
        #expect(try ControlGoldenTests.roundTrips(single))
    }

    @Test func statusCarriesClusterHealthAndStillDecodesWithout() throws {
        let daemon = DaemonInfo(version: "0.1.0", pid: 42, listen: "127.0.0.1:8080", startedAt: Self.time)
        var message = ControlMessage(type: .result, id: 2)
        message.status = StatusView(
            daemon: daemon, configVersion: 3, callsSinceStart: 10, errorsSinceStart: 1, subscribers: 1, providers: 2, deployments: 3,
            aliases: 1, keys: 4, cluster: ClusterHealth(replicaId: "r0", live: 2, total: 3, configStaleSeconds: 12.5))
        let line = try ControlGoldenTests.line(message)
        #expect(line.contains(#""cluster":{"configStaleSeconds":12.5,"live":2,"replicaId":"r0","total":3}"#), "\(line)")
        #expect(try ControlGoldenTests.roundTrips(message))
        #expect(message.status?.cluster?.isConfigStale == true)

        // What a daemon from before clusters sends: no `cluster` member.
        let old = #"{"id":2,"status":{"aliases":1,"callsSinceStart":10,"configVersion":3,"daemon":{"listen":"127.0.0.1:8080","pid":42,"startedAt":"2027-01-15T08:00:00Z","version":"0.1.0"},"deployments":3,"errorsSinceStart":1,"keys":4,"providers":2,"subscribers":1},"type":"result"}"#
        let decoded = try Self.decode(old)
        #expect(decoded.status?.cluster == nil)
        #expect(decoded.status?.keys == 4 && decoded.status?.daemon == daemon)
        #expect(decoded.replicas == nil)
        // And a single node's status today is that same line: nothing new on the wire.
        message.status?.cluster = nil
        #expect(try ControlGoldenTests.line(message) == old + "\n")
    }
}
