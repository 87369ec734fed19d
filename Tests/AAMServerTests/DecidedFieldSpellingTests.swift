import AAMCore
import Foundation
import Testing

/// A field the gateway decides on must be spelled exactly: a Go vendor folds `MAX_TOKENS` or
/// `ſtream` into `max_tokens` / `stream`, the gateway would not, so such a body is refused
/// before anything is judged or forwarded.
@Suite struct DecidedFieldSpellingTests {
    @Test(arguments: [
        (#"{"model":"chat","MAX_TOKENS":100000,"messages":[{"role":"user","content":"hi"}]}"#, "max_tokens", "/v1/chat/completions"),
        (#"{"model":"chat","\u017Ftream":true,"messages":[{"role":"user","content":"hi"}]}"#, "stream", "/v1/chat/completions"),
        (#"{"Model":"chat","messages":[{"role":"user","content":"hi"}]}"#, "model", "/v1/chat/completions"),
        (#"{"model":"chat","N":8,"messages":[{"role":"user","content":"hi"}]}"#, "n", "/v1/chat/completions"),
        (#"{"model":"chat","max_tokens":10,"Max_Tokens":100000,"messages":[{"role":"user","content":"hi"}]}"#, nil, "/v1/messages"),
        (#"{"model":"chat","Input":"hi"}"#, "input", "/v1/embeddings"),
    ])
    func aVariantSpellingOfADecidedFieldIsRefused(_ body: String, _ param: String?, _ path: String) async throws {
        try await withGateway { gateway in
            try await GovernanceEnforcementTests.addGreedyVendor(gateway)
            let key = try await gateway.issueKey().secret
            let reply = try await gateway.call(path, key: key, json: body)
            #expect(reply.status == 400, "\(reply.text)")
            if let param {
                #expect(reply.text.contains("invalid_request_argument") && reply.text.contains("did you mean '\(param)'"), "\(reply.text)")
            } else {
                #expect(reply.text.contains("duplicate"), "a spelled-out pair is a duplicate key: \(reply.text)")
            }
        }
    }

    @Test func exactSpellingsAndOtherFieldsStillPass() async throws {
        try await withGateway { gateway in
            try await GovernanceEnforcementTests.addGreedyVendor(gateway)
            let key = try await gateway.issueKey().secret
            let body = #"{"model":"chat","max_tokens":20,"n":1,"stream":false,"Temperature":0.5,"messages":[{"role":"user","content":"hi"}]}"#
            let reply = try await gateway.call("/v1/chat/completions", key: key, json: body)
            #expect(reply.status == 200, "only decided fields are held to their spelling: \(reply.text)")
        }
    }
}
