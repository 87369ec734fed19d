import AAMConfig
import Testing

/// The `server:` keys every non-secret `aamd` setting has (camelCase of its flag), and the
/// secrets it refuses: those belong in the environment or a `…_FILE`.
@Suite struct ServerSectionKeysTests {
    @Test func everyKeyIsReadAndListedByItsName() throws {
        let yaml = """
            server:
              controlGroup: aam-ops
              clientIdleTimeout: 30.5
              guardrailWindow: 512
              upstreamClient: ahc
              threads: 2
              replicaId: node-a
              durability: batched
              spoolDir: /var/spool/aam
              spoolMaxBytes: 2G
              spoolFlushMs: 40
              anchorInterval: 120
              siemSyslog: siem.example.com:6514
              siemSyslogTls: true
              siemSyslogCa: /etc/aam/siem-ca.pem
              siemHecUrl: https://splunk.example.com:8088/services/collector/event
            """
        let server = try ConfigLoader.load(yaml: yaml, file: "t.yaml", environment: [:]).server
        #expect(
            server.keyedValues == [
                "controlGroup": "aam-ops", "clientIdleTimeout": "30.5", "guardrailWindow": "512", "upstreamClient": "ahc",
                "threads": "2", "replicaId": "node-a", "durability": "batched", "spoolDir": "/var/spool/aam",
                "spoolMaxBytes": "2G", "spoolFlushMs": "40", "anchorInterval": "120.0", "siemSyslog": "siem.example.com:6514",
                "siemSyslogTls": "true", "siemSyslogCa": "/etc/aam/siem-ca.pem",
                "siemHecUrl": "https://splunk.example.com:8088/services/collector/event",
            ])
    }

    @Test(arguments: [
        ("durability: lazy", "t.yaml:2:15: server.durability: unknown durability 'lazy' (expected one of strict, batched)"),
        ("siemSyslogTls: maybe", "t.yaml:2:18: server.siemSyslogTls: must be true or false"),
        ("adminToken: x", "t.yaml:2:3: server.adminToken: unknown field 'adminToken'"),
        ("masterKey: x", "t.yaml:2:3: server.masterKey: unknown field 'masterKey'"),
        ("siemHecToken: x", "t.yaml:2:3: server.siemHecToken: unknown field 'siemHecToken'"),
    ])
    func badValuesAndSecretsAreRefused(line: String, message: String) {
        do {
            _ = try ConfigLoader.load(yaml: "server:\n  \(line)\n", file: "t.yaml", environment: [:])
            Issue.record("accepted \(line)")
        } catch {
            #expect(error.errors.map(\.description).first?.hasPrefix(message) == true, "\(error.errors.map(\.description))")
        }
    }
}
