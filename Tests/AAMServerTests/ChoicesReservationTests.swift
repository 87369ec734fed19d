import AAMCore
import Foundation
import Testing

/// OpenAI `n` asks for several choices, each up to `max_tokens`, and the vendor bills them all:
/// budgets and TPM reserve the output cap once per choice, so `n` cannot stretch a budget.
@Suite struct ChoicesReservationTests {
    static func body(n: Int?) -> String {
        let choices = n.map { #""n":\#($0),"# } ?? ""
        return #"{"model":"chat",\#(choices)"max_tokens":100,"messages":[{"role":"user","content":"hello there"}]}"#
    }

    @Test func aBudgetThatFitsOneChoiceRefusesFourChoicesOfTheSameCap() async throws {
        try await withGateway { gateway in
            try await GovernanceEnforcementTests.addGreedyVendor(gateway)
            // Room for one choice of 100 tokens plus the prompt, not for four.
            let key = try await gateway.issueKey(extra: #""budgets":[{"period":"daily","tokens":200}]"#).secret
            let four = try await gateway.call("/v1/chat/completions", key: key, json: Self.body(n: 4))
            #expect(four.status == 429, "\(four.text)")
            #expect(try four.errorCode() == "budget_exceeded", "\(four.text)")
            let one = try await gateway.call("/v1/chat/completions", key: key, json: Self.body(n: 1))
            #expect(one.status == 200, "\(one.text)")
        }
    }

    @Test(arguments: [("0", "integer_below_min_value"), ("129", "integer_above_max_value"), ("2.5", "invalid_type"), (#""2""#, "invalid_type")])
    func nOutsideOneTo128IsRefusedNamingIt(_ value: String, _ code: String) async throws {
        try await withGateway { gateway in
            try await GovernanceEnforcementTests.addGreedyVendor(gateway)
            let key = try await gateway.issueKey().secret
            let body = #"{"model":"chat","n":\#(value),"messages":[{"role":"user","content":"hi"}]}"#
            let reply = try await gateway.call("/v1/chat/completions", key: key, json: body)
            reply.expectOpenAIError(400, type: "invalid_request_error", code: code, param: "n")
        }
    }
}
