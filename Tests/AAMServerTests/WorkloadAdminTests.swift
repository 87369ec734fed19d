import AAMCore
import Foundation
import Testing

@Suite struct WorkloadAdminTests {
    static let body = #"{"spiffeId":"spiffe://prod/agent/finance-analyst","owner":"alice","team":"finance","environment":"prod","deployment":"analyst-v1","orgId":"acme","teamId":"fin"}"#

    @Test func registerListGetAndDeleteAreAudited() async throws {
        try await withGateway { gateway in
            let created = try await gateway.admin(.POST, "/admin/workloads", json: Self.body)
            #expect(created.status == 201, "\(created.text)")
            #expect(try created.json()["spiffeId"] as? String == "spiffe://prod/agent/finance-analyst")
            // The scope it spends against was created empty, like a key's.
            let teams = try await gateway.admin(.GET, "/admin/teams")
            #expect(teams.text.contains(#""id":"fin""#), "\(teams.text)")

            let list = try await gateway.admin(.GET, "/admin/workloads")
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(list.bytes)) as? [[String: Any]])
            #expect(entries.map { $0["owner"] as? String } == ["alice"])

            let encoded = "spiffe%3A%2F%2Fprod%2Fagent%2Ffinance-analyst"
            let one = try await gateway.admin(.GET, "/admin/workloads/\(encoded)")
            #expect(one.status == 200, "\(one.text)")
            #expect(try one.json()["deployment"] as? String == "analyst-v1")

            let duplicate = try await gateway.admin(.POST, "/admin/workloads", json: Self.body)
            #expect(duplicate.status == 409, "\(duplicate.text)")

            let deleted = try await gateway.admin(.DELETE, "/admin/workloads/\(encoded)")
            #expect(deleted.status == 204, "\(deleted.text)")
            #expect(try await gateway.admin(.GET, "/admin/workloads/\(encoded)").status == 404)
            #expect(try await gateway.admin(.DELETE, "/admin/workloads/\(encoded)").status == 404)

            let audit = try await gateway.admin(.GET, "/admin/audit")
            #expect(audit.text.contains("workload.create"), "\(audit.text)")
            #expect(audit.text.contains("workload.delete"))
        }
    }

    @Test func badInputNamesTheFieldAndTheSPIFFERule() async throws {
        try await withGateway { gateway in
            let badID = try await gateway.admin(.POST, "/admin/workloads", json: Self.body.replacingOccurrences(of: "spiffe://prod/agent/finance-analyst", with: "spiffe://prod/agent/../x"))
            #expect(badID.status == 400)
            #expect(try badID.errorMessage().contains("path segments must not be '.' or '..'"), "\(badID.text)")
            #expect(badID.text.contains("spiffeId"))

            let upper = try await gateway.admin(.POST, "/admin/workloads", json: Self.body.replacingOccurrences(of: "spiffe://prod", with: "spiffe://Prod"))
            #expect(upper.status == 400)
            #expect(try upper.errorMessage().contains("lowercase"), "\(upper.text)")

            let typo = try await gateway.admin(.POST, "/admin/workloads", json: Self.body.replacingOccurrences(of: "\"owner\"", with: "\"ownr\""))
            #expect(typo.status == 400)
            #expect(typo.text.contains("did you mean 'owner'"), "\(typo.text)")

            let missing = try await gateway.admin(.POST, "/admin/workloads", json: #"{"spiffeId":"spiffe://prod/a"}"#)
            #expect(missing.status == 400)
            #expect(try await gateway.admin(.GET, "/admin/workloads").text == "[]")
        }
    }
}
