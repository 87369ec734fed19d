// Timing harness for the guardrail engine, compiled by scripts/bench-guardrails together with
// Sources/AAMCore/Guardrails/*.swift (Foundation only), so it needs no package release build.
@preconcurrency import Foundation

@main
struct BenchGuardrails {
    /// A few KB of realistic chat traffic: prose, code, JSON, logs, with occasional PII/secrets.
    static let chatText: String = {
        let parts = [
            """
            Hi! Could you help me refactor the billing service? Right now the invoice job runs every \
            night and sometimes times out when the customer list is large. We tried raising the \
            timeout to 30 seconds but that only hid the problem. I think the real issue is that we \
            load every customer into memory before filtering. Ideally we would stream them in pages \
            of 500 and write the invoices as we go. Also, the support team (support@acme-corp.com) \
            keeps asking whether we can send a summary e-mail when the job finishes.
            """,
            """
            ```swift
            func runInvoices(for customers: some AsyncSequence<Customer, Error>) async throws {
                var batch: [Invoice] = []
                batch.reserveCapacity(500)
                for try await customer in customers where customer.isActive {
                    batch.append(Invoice(customer: customer, period: .month(2025, 3)))
                    if batch.count == 500 { try await store.write(batch); batch.removeAll(keepingCapacity: true) }
                }
                if !batch.isEmpty { try await store.write(batch) }
                logger.info("invoices written", metadata: ["count": "\\(total)", "host": "10.20.30.40"])
            }
            ```
            """,
            """
            The config looks like this (values changed):
            {"database": {"host": "db.internal", "port": 5432, "user": "billing", "password": "changeme"},
             "retry": {"attempts": 3, "backoffMs": 250}, "features": ["pdf", "email", "webhooks"],
             "version": "2.4.1", "region": "eu-west-1"}
            """,
            """
            2025-03-14T10:22:31Z INFO  request_id=7f3a9c2e path=/v1/invoices status=200 latency_ms=41
            2025-03-14T10:22:32Z WARN  request_id=7f3a9c2f path=/v1/invoices status=504 latency_ms=30001 upstream=192.168.4.17
            2025-03-14T10:22:35Z ERROR request_id=7f3a9c30 job=invoice-nightly error="context deadline exceeded" attempt=3
            """,
            """
            Sure — here is a plan. First, page the query with a keyset cursor (ORDER BY id, WHERE id > \
            $last) so each page is an index range scan. Second, write each page in one transaction. \
            Third, keep the summary counters in memory and send the e-mail at the end. If a customer \
            calls about a failed invoice, their number is usually on file, e.g. +44 20 7946 0958, and \
            the account manager can re-run a single customer. Version 1.2.3 of the client library \
            added paging support; make sure you are on 1.2.3.4 or later of the internal fork.
            """,
            """
            For the webhook, sign the payload with HMAC-SHA256 and put the signature in a header. \
            Don't log the payload. Remember the card data never touches this service: payments go \
            through the provider and we only keep the last four digits (like 4242). Tokens such as \
            the one in the test fixture (sk-aam-Qx7Lm2Np9Rt4Vw8Yz1Bc5Df3Gh6Jk0Mn2Pq4Rs7T) must be \
            rotated after the demo.
            """,
        ]
        return parts.joined(separator: "\n\n")
    }()

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    static func measure(_ label: String, bytes: Int, seconds: Double = 1.0, _ body: () -> Int) {
        _ = body()  // warm-up
        var runs = 0, sink = 0
        let start = now()
        var elapsed: UInt64 = 0
        repeat {
            sink &+= body()
            runs += 1
            elapsed = now() - start
        } while Double(elapsed) < seconds * 1e9
        let mbps = Double(bytes * runs) / (Double(elapsed) / 1e9) / 1e6
        print(String(format: "%-58@ %9.1f MB/s   (%d runs, sink %d)", label as NSString, mbps, runs, sink % 10))
    }

    static func percentile(_ samples: [UInt64], _ q: Double) -> Double {
        let sorted = samples.sorted()
        return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]) / 1000
    }

    static func main() throws {
        setvbuf(stdout, nil, _IOLBF, 0)  // line-buffered even when piped (Glibc stdout is a C global)
        let corpus = chatText
        print("chat text: \(corpus.utf8.count) bytes per copy")
        let big = String(repeating: corpus + "\n", count: max(1, 4_000_000 / corpus.utf8.count))
        let bigBytes = big.utf8.count
        let defaultSet = try GuardrailScanner(detectors: GuardrailDetector.builtInPatterns)
        print("default set matches per copy: \(defaultSet.scan(corpus).map(\.detector.rawValue).joined(separator: ", "))")

        print("\n== throughput, one core, \(bigBytes / 1_000_000) MB input ==")
        measure("scanner: default set (14 built-in detectors)", bytes: bigBytes) { defaultSet.scan(big).count }
        let withDeny = try GuardrailScanner(
            detectors: GuardrailDetector.builtIn,
            denylist: ["project titan", "acquisition target", "internal only", "do not distribute", "codename"])
        measure("scanner: default set + 5 denylist keywords", bytes: bigBytes) { withDeny.scan(big).count }
        let secretsOnly = try GuardrailScanner(detectors: [.apiKey, .githubToken, .awsAccessKey, .privateKey, .jwt])
        measure("scanner: secrets only (5 prefix detectors)", bytes: bigBytes) { secretsOnly.scan(big).count }
        let withRegex = try GuardrailScanner(
            detectors: GuardrailDetector.builtIn + ["employee_id"], denylist: ["/confidential-[0-9]+/"],
            customDetectors: [CustomDetector(name: "employee_id", pattern: "EMP-[0-9]{6}")])
        measure("scanner: default set + 2 regex patterns (extra pass)", bytes: bigBytes) { withRegex.scan(big).count }

        print("\n== is regex fast enough for the hot path? (same input, e-mail only) ==")
        let emailPattern = "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}"
        let ns = try NSRegularExpression(pattern: emailPattern)
        measure("NSRegularExpression: e-mail pattern", bytes: bigBytes) {
            ns.numberOfMatches(in: big, range: NSRange(big.startIndex..., in: big))
        }
        let swiftRegex = try Regex(emailPattern)
        measure("Swift Regex: e-mail pattern", bytes: bigBytes, seconds: 2) { big.matches(of: swiftRegex).count }
        let emailOnly = try GuardrailScanner(detectors: [.email])
        measure("byte scanner: e-mail only", bytes: bigBytes) { emailOnly.scan(big).count }

        print("\n== per call: inspect() on a 2 KB prompt, default set at redact ==")
        let engine = try GuardrailEngine(policy: .uniform(.redact))
        let prompt = String(decoding: Array(corpus.utf8.prefix(2048)), as: UTF8.self)
        var samples: [UInt64] = []
        samples.reserveCapacity(20_000)
        var sink = 0
        for _ in 0..<20_000 {
            let t0 = now()
            let result = engine.inspect(prompt, direction: .request, location: "messages[0].content")
            sink &+= result.decisions.count
            samples.append(now() - t0)
        }
        print(String(format: "2 KB prompt: p50 %.1f µs, p99 %.1f µs (%d decisions)", percentile(samples, 0.5),
                     percentile(samples, 0.99), sink / 20_000))

        print("\n== streaming: StreamRedactor cost per chunk ==")
        for (window, chunkSize) in [(256, 8), (256, 32), (1024, 32), (256, 256)] {
            let bytes = Array(corpus.utf8)
            var chunks: [String] = []
            var i = 0
            while i < bytes.count {
                var j = min(bytes.count, i + chunkSize)
                while j < bytes.count, bytes[j] & 0xC0 == 0x80 { j += 1 }
                chunks.append(String(decoding: bytes[i..<j], as: UTF8.self))
                i = j
            }
            var perChunk: [UInt64] = []
            var total: UInt64 = 0
            for _ in 0..<200 {
                var redactor = engine.streamRedactor(location: "choices[0].delta.content", window: window)
                let t0 = now()
                for chunk in chunks {
                    let c0 = now()
                    sink &+= redactor.feed(chunk).text.utf8.count
                    perChunk.append(now() - c0)
                }
                sink &+= redactor.finish().text.utf8.count
                total += now() - t0
            }
            let mbps = Double(bytes.count * 200) / (Double(total) / 1e9) / 1e6
            print(String(format: "window %4d B, chunk %3d B: p50 %.2f µs/chunk, p99 %.2f µs, %.1f MB/s", window,
                         chunkSize, percentile(perChunk, 0.5), percentile(perChunk, 0.99), mbps))
        }
        if sink == 42 { print("") }
    }
}
