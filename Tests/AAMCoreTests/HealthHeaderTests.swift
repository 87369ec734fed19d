import AAMCore
import Foundation
import Testing

private let received = Date(timeIntervalSince1970: 1_800_000_000)

private func retryAt(_ headers: [(String, String)]) -> Date? {
    RateLimitHeaders.retryAt(receivedAt: received, headers: headers)
}

@Suite("Rate-limit headers")
struct HealthHeaderTests {
    @Test("Go durations as OpenAI sends them in x-ratelimit-reset-*", arguments: [
        ("6m0s", 360.0), ("1s", 1), ("250ms", 0.25), ("17ms", 0.017), ("7.66s", 7.66), ("1h2m3.5s", 3723.5),
        ("0s", 0), ("0", 0), ("20µs", 0.000_02), ("1m30s", 90), (" 2s ", 2), ("500ns", 0.000_000_5),
    ])
    func goDurations(text: String, seconds: Double) throws {
        let parsed = try #require(HeaderTimeFormats.goDuration(text))
        #expect(abs(parsed - seconds) < 1e-9)
    }

    @Test("malformed durations are rejected, not guessed", arguments: ["", "5", "s", "-1s", "1x", "1.2.3s", "1s-", "m1", "ms"])
    func badDurations(text: String) {
        #expect(HeaderTimeFormats.goDuration(text) == nil)
    }

    @Test("retry-after delta seconds")
    func deltaSeconds() {
        #expect(HeaderTimeFormats.deltaSeconds("2") == 2)
        #expect(HeaderTimeFormats.deltaSeconds(" 120 ") == 120)
        #expect(HeaderTimeFormats.deltaSeconds("1.5") == 1.5)
        #expect(HeaderTimeFormats.deltaSeconds("-1") == nil)
        #expect(HeaderTimeFormats.deltaSeconds("") == nil)
        #expect(HeaderTimeFormats.deltaSeconds("2s") == nil)
        #expect(HeaderTimeFormats.deltaSeconds("inf") == nil)
    }

    @Test("all three HTTP-date forms of RFC 9110", arguments: [
        "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
    ])
    func httpDates(text: String) {
        #expect(HeaderTimeFormats.httpDate(text) == Date(timeIntervalSince1970: 784_111_777))
    }

    @Test("malformed HTTP-dates are rejected", arguments: [
        "", "tomorrow", "Sun, 31 Feb 2015 07:28:00 GMT", "Wed, 21 Foo 2015 07:28:00 GMT", "Wed, 21 Oct 2015 7:28 GMT",
        "Wed, 21 Oct 2015 25:28:00 GMT", "Wed, 21 Oct 2015 07:28:00 PST",
    ])
    func badHTTPDates(text: String) {
        #expect(HeaderTimeFormats.httpDate(text) == nil)
    }

    @Test("RFC 3339 as Anthropic sends it in anthropic-ratelimit-*-reset")
    func rfc3339() {
        let base = Date(timeIntervalSince1970: 1_735_689_605)  // 2025-01-01T00:00:05Z
        #expect(HeaderTimeFormats.rfc3339("2025-01-01T00:00:05Z") == base)
        #expect(HeaderTimeFormats.rfc3339("2025-01-01T00:00:05.250Z") == base.addingTimeInterval(0.25))
        #expect(HeaderTimeFormats.rfc3339("2025-01-01T01:00:05+01:00") == base)
        #expect(HeaderTimeFormats.rfc3339("2024-12-31T23:30:05-00:30") == base)
        #expect(HeaderTimeFormats.rfc3339("2024-02-29T00:00:00Z") == Date(timeIntervalSince1970: 1_709_164_800))
        let malformed = [
            "", "2025-01-01T00:00:05", "2025-13-01T00:00:05Z", "2025-02-29T00:00:05Z", "2025-01-01T00:00:05Zx",
            "2025-01-01T00:00:05.Z",
        ]
        for bad in malformed {
            #expect(HeaderTimeFormats.rfc3339(bad) == nil, "\(bad)")
        }
    }

    @Test("the hand-written calendar agrees with Foundation's formatters over many dates")
    func agreesWithFoundation() throws {
        let iso = Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt)
        let http = DateFormatter()
        http.locale = Locale(identifier: "en_US_POSIX")
        http.timeZone = TimeZone(identifier: "GMT")
        http.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let random = SeededRandomSource(seed: 7)
        for _ in 0..<500 {
            // 1970 through 2099, whole seconds.
            let date = Date(timeIntervalSince1970: (random.nextUnit() * 4_102_444_800).rounded(.down))
            #expect(HeaderTimeFormats.rfc3339(date.formatted(iso)) == date)
            #expect(HeaderTimeFormats.httpDate(http.string(from: date)) == date)
        }
    }

    @Test("retry-after-ms beats retry-after, which beats the vendor reset headers")
    func precedence() {
        #expect(retryAt([("Retry-After-Ms", "1500"), ("retry-after", "9"), ("x-ratelimit-reset-requests", "1m0s")])
            == received.addingTimeInterval(1.5))
        #expect(retryAt([("retry-after", "2"), ("x-ratelimit-reset-requests", "1m0s")]) == received.addingTimeInterval(2))
        #expect(retryAt([("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]) == Date(timeIntervalSince1970: 1_445_412_480))
        // An unreadable retry-after falls through to the vendor headers.
        #expect(retryAt([("retry-after", "soon"), ("x-ratelimit-reset-requests", "1s")]) == received.addingTimeInterval(1))
        #expect(retryAt([("content-type", "application/json")]) == nil)
    }

    @Test("OpenAI's 429 headers: the exhausted limit's reset wins over a later, unexhausted one")
    func openAIExhaustedLimit() {
        let headers = [
            ("x-ratelimit-limit-requests", "10000"), ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-reset-requests", "6m0s"),
            ("x-ratelimit-limit-tokens", "2000000"), ("x-ratelimit-remaining-tokens", "1999000"),
            ("x-ratelimit-reset-tokens", "250ms"),
        ]
        #expect(retryAt(headers) == received.addingTimeInterval(360))
        let tokensExhausted = [
            ("x-ratelimit-remaining-requests", "9999"), ("x-ratelimit-reset-requests", "6ms"),
            ("x-ratelimit-remaining-tokens", "0"), ("x-ratelimit-reset-tokens", "1s"),
        ]
        #expect(retryAt(tokensExhausted) == received.addingTimeInterval(1))
    }

    @Test("with no limit marked exhausted the earliest reset is used")
    func earliestWithoutRemaining() {
        #expect(retryAt([("x-ratelimit-reset-requests", "6m0s"), ("x-ratelimit-reset-tokens", "250ms")])
            == received.addingTimeInterval(0.25))
    }

    @Test("Anthropic's 429 headers: RFC 3339 instants, exhausted limit first")
    func anthropic() {
        let headers = [
            ("anthropic-ratelimit-requests-limit", "4000"), ("anthropic-ratelimit-requests-remaining", "0"),
            ("anthropic-ratelimit-requests-reset", "2027-01-15T08:00:07Z"),
            ("anthropic-ratelimit-tokens-remaining", "380000"), ("anthropic-ratelimit-tokens-reset", "2027-01-15T08:00:01Z"),
        ]
        let expected = Date(timeIntervalSince1970: 1_800_000_007)  // 2027-01-15T08:00:07Z
        #expect(retryAt(headers) == expected)
    }

    @Test("status classification: what trips, what cools, what never counts")
    func classification() {
        func classify(_ status: Int, _ headers: [String: String] = [:]) -> UpstreamOutcome {
            UpstreamOutcome.classify(status: status, receivedAt: received) { headers[$0] }
        }
        #expect(classify(200) == .success)
        #expect(classify(429, ["retry-after": "2"]) == .rateLimited(retryAt: received.addingTimeInterval(2)))
        #expect(classify(429) == .rateLimited(retryAt: nil))
        #expect(classify(401) == .credentialRejected(status: 401))
        #expect(classify(403) == .credentialRejected(status: 403))
        #expect(classify(408) == .timeout)
        for status in [400, 404, 413, 422] { #expect(classify(status) == .requestError(status: status)) }
        for status in [500, 502, 503, 504, 529] { #expect(classify(status) == .serverError(status: status)) }
        #expect(UpstreamOutcome.serverError(status: 500).isFailure)
        #expect(UpstreamOutcome.timeout.isFailure && UpstreamOutcome.connectionError.isFailure)
        #expect(!UpstreamOutcome.requestError(status: 400).isFailure)
        #expect(!UpstreamOutcome.rateLimited(retryAt: nil).isFailure)
    }
}
