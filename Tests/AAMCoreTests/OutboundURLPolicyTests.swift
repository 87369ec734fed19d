import AAMCore
import Testing

/// The SSRF rule for operator-supplied upstream URLs: every textual form of a loopback,
/// link-local or unspecified address is recognised; ordinary and private-network hosts pass.
@Suite struct OutboundURLPolicyTests {
    @Test(arguments: [
        ("localhost", OutboundURLPolicy.Kind.loopback), ("LocalHost.", .loopback), ("api.localhost", .loopback), ("127.0.0.1", .loopback),
        ("127.1", .loopback), ("2130706433", .loopback), ("0x7f.0.0.1", .loopback), ("0177.0.0.1", .loopback), ("127.255.255.254", .loopback),
        ("::1", .loopback), ("[::1]", .loopback), ("[0:0:0:0:0:0:0:1]", .loopback), ("::ffff:127.0.0.1", .loopback), ("[::ffff:7f00:1]", .loopback),
        ("169.254.169.254", .linkLocal), ("169.254.0.1", .linkLocal), ("[::ffff:169.254.169.254]", .linkLocal), ("fe80::1", .linkLocal),
        ("[fe80::1%25eth0]", .linkLocal), ("febf::1", .linkLocal), ("0.0.0.0", .unspecified), ("0", .unspecified), ("::", .unspecified),
        ("0.1.2.3", .unspecified), ("metadata.google.internal", .metadata), ("fd00:ec2::254", .metadata),
    ])
    func refusedHosts(_ host: String, _ kind: OutboundURLPolicy.Kind) {
        #expect(OutboundURLPolicy.classify(host) == kind, "\(host)")
        #expect(OutboundURLPolicy.strict.hostProblem(host) != nil)
        #expect(OutboundURLPolicy(allowLoopback: true).hostProblem(host) == nil)
    }

    @Test(arguments: ["api.openai.com", "10.0.0.5", "192.168.1.10", "172.16.0.1", "8.8.8.8", "128.0.0.1", "169.255.0.1", "fec0::1", "2001:db8::1", "localhost.example.com"])
    func ordinaryHostsPass(_ host: String) {
        #expect(OutboundURLPolicy.classify(host) == nil, "\(host)")
    }

    @Test func urls() {
        let strict = OutboundURLPolicy.strict
        #expect(strict.problem("https://api.openai.com/v1") == nil)
        #expect(strict.problem("http://169.254.169.254/latest/meta-data")?.contains("link-local") == true)
        #expect(strict.problem("http://[::1]:8080/")?.contains("loopback") == true)
        #expect(strict.problem("http://%31%32%37.0.0.1/") != nil, "a percent-encoded loopback host")
        #expect(strict.problem("file:///etc/passwd") == "must be an http(s) URL with a host")
        #expect(strict.problem("gopher://example.com") == "must be an http(s) URL with a host")
        #expect(strict.problem("https://user:pw@example.com")?.contains("user info") == true)
        #expect(OutboundURLPolicy(allowLoopback: true).problem("http://127.0.0.1:8000") == nil)
    }
}
