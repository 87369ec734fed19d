import AAMControlProtocol
import Testing
@testable import AAMConsole

/// Sorting event by event: `s` walks the columns and back to the daemon's order, `S` reverses,
/// the header marks the column, ties keep their order.
@Suite("Sorting")
struct SortingTests {
    @Test func sCyclesThroughTheColumnsAndBackToTheDaemonsOrder() {
        var state = Fixtures.state(view: .providers)
        let daemonOrder = state.providerRows.map(\.deployment)
        _ = state.handle(key: .character("s"))
        #expect(state.sorts[.providers] == SortOrder(column: 0))
        #expect(state.providerRows.map(\.deployment) == daemonOrder.sorted())
        #expect(state.statusMessage?.text == "sort: Deployment ascending")
        for _ in 1..<SortColumns.titles(for: .providers).count { _ = state.handle(key: .character("s")) }
        #expect(state.sorts[.providers]?.column == SortColumns.titles(for: .providers).count - 1)
        _ = state.handle(key: .character("s"))
        #expect(state.sorts[.providers] == nil)
        #expect(state.providerRows.map(\.deployment) == daemonOrder)
    }

    @Test func capitalSReversesAndTheHeaderShowsIt() {
        var state = Fixtures.state(view: .providers)
        _ = state.perform(.show(.providers))
        state.sorts[.providers] = SortOrder(column: 6)  // p95
        #expect(state.providerRows.first?.deployment == "cohere-embed", "no p95 sorts first ascending")
        _ = state.handle(key: .character("S"))
        #expect(state.sorts[.providers] == SortOrder(column: 6, descending: true))
        #expect(state.providerRows.first?.deployment == "anthropic-1", "the slowest first")
        let header = ConsoleRenderer.render(state).lines[ConsoleLayout.bodyTop]
        #expect(header.contains("p95▼"), "\(header)")
        state.glyphs = .ascii
        #expect(ConsoleRenderer.render(state).lines[ConsoleLayout.bodyTop].contains("p95v"))
    }

    @Test func liveSortsByLatencyAndKeepsTiesInArrivalOrder() {
        var state = Fixtures.state(view: .live)
        state.sorts[.live] = SortOrder(column: 4, descending: true)
        let latencies = state.liveRows.map(\.latencyMs)
        #expect(latencies == latencies.sorted(by: >))
        // Equal status codes keep newest-first among themselves.
        state.sorts[.live] = SortOrder(column: 3)
        let ok = state.liveRows.filter { $0.status == 200 }.map(\.requestId)
        #expect(ok == state.calls.newestFirst.filter { $0.status == 200 }.map(\.requestId))
    }

    @Test func spendSortsSiblingsWithinTheTree() {
        var state = Fixtures.state(view: .spend)
        state.sorts[.spend] = SortOrder(column: 2, descending: true)  // Today
        let tree = state.spendTree.map { "\($0.depth):\($0.row.name ?? $0.row.id)" }
        #expect(tree.first == "0:acme" && tree.contains("0:globex"))
        let teams = tree.filter { $0.hasPrefix("1:") }
        #expect(teams == ["1:ml", "1:support"], "ml spent more today than support")
        let ml = tree.firstIndex(of: "1:ml")!
        #expect(tree[ml + 1] == "2:search", "children stay under their parent")
    }

    @Test func viewsWithoutColumnsSayTheyDoNotSort() {
        var state = Fixtures.state(view: .aliases)
        _ = state.handle(key: .character("s"))
        #expect(state.sorts.isEmpty)
        #expect(state.statusMessage?.isError == true)
    }

    @Test func sortColumnTitlesMatchTheTableHeaders() {
        let width = 200
        let tables: [(ConsoleView, TableColumns)] = [
            (.live, LiveViewRenderer.columns(width: width)), (.providers, ProvidersViewRenderer.columns(width: width)),
            (.keys, KeysViewRenderer.columns(width: width)), (.agents, AgentsViewRenderer.agentColumns(width: width)),
            (.guardrails, GuardrailsViewRenderer.counterColumns(width: width)), (.replicas, ReplicasViewRenderer.columns(width: width)),
        ]
        for (view, table) in tables {
            let titles = SortColumns.titles(for: view)
            #expect(Array(table.columns.prefix(titles.count).map(\.title)) == titles, "\(view)")
        }
    }
}
