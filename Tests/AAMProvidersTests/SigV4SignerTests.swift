import Foundation
import Testing

@testable import AAMProviders

/// SigV4 against AWS's published Signature Version 4 test suite (`Fixtures/bedrock/SOURCES.md`):
/// credential AKIDEXAMPLE, region us-east-1, service `service`, 20150830T123600Z.
@Suite struct SigV4SignerTests {
    static let signer = SigV4Signer(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1", service: "service")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    private func sign(_ method: String, path: String = "/", query: String = "") -> String? {
        Self.signer.sign(
            method: method, path: path, query: query, headers: [("host", "example.amazonaws.com")], body: [], date: Self.date,
            signPayloadHeader: false
        ).first { $0.0 == "authorization" }?.1
    }

    @Test func theClockIsFormattedAsAmzDate() {
        #expect(SigV4Signer.amzDate(Self.date) == "20150830T123600Z")
        #expect(SigV4Signer.parseAmzDate("20150830T123600Z") == Self.date)
        #expect(SigV4Signer.parseAmzDate("2015-08-30") == nil)
    }

    @Test func getVanilla() {
        // The canonical request and string to sign of the suite's get-vanilla.creq / .sts.
        let canonical = SigV4Signer.canonicalRequest(
            method: "GET", path: "/", query: "", headers: [("host", "example.amazonaws.com"), ("x-amz-date", "20150830T123600Z")],
            payloadHash: Self.emptyHash)
        #expect(canonical.request == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + Self.emptyHash)
        #expect(SigV4Signer.sha256Hex(Array(canonical.request.utf8)) == "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63")
        #expect(sign("GET") == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test func postVanilla() {
        #expect(sign("POST") == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
    }

    @Test func getVanillaQueryOrderKeyCase() {
        #expect(sign("GET", query: "Param2=value2&Param1=value1")?.hasSuffix("Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500") == true)
    }

    @Test func theSignedHeadersAreTheDateThePayloadHashAndTheSessionToken() {
        var signer = Self.signer
        signer.sessionToken = "FQoGZXIvYXdzEXAMPLE"
        let body = Array(#"{"messages":[]}"#.utf8)
        let fields = signer.sign(method: "POST", path: "/", headers: [("host", "example.amazonaws.com"), ("content-type", "application/json")], body: body, date: Self.date)
        #expect(fields.map(\.0) == ["x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization"])
        #expect(fields[1].1 == SigV4Signer.sha256Hex(body))
        #expect(fields[3].1.contains("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"))
        // Another secret, another signature.
        var other = signer
        other.secretAccessKey = "another"
        #expect(other.sign(method: "POST", path: "/", headers: [("host", "example.amazonaws.com")], body: body, date: Self.date).last?.1
            != signer.sign(method: "POST", path: "/", headers: [("host", "example.amazonaws.com")], body: body, date: Self.date).last?.1)
    }

    /// Bedrock model ids carry ':' and ARNs '/': one URL segment, encoded once in the URL and
    /// once more in the canonical request (every service but S3).
    @Test func theModelIDIsEncodedInThePathAndAgainWhenSigned() {
        #expect(SigV4Signer.uriEncode("anthropic.claude-3-haiku-20240307-v1:0") == "anthropic.claude-3-haiku-20240307-v1%3A0")
        #expect(SigV4Signer.uriEncode("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude") == "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude")
        #expect(SigV4Signer.canonicalURI("/model/anthropic.claude-v2%3A1/converse") == "/model/anthropic.claude-v2%253A1/converse")
    }
}
