import AAMControlProtocol
import Foundation
import Testing
@testable import AAMConsole

/// The `replicas` snapshot folded into the state, the Replicas view, and the cluster's health
/// on the status line (carried by `status`, re-read while the daemon is a replica).
@Suite("Replicas view and cluster health")
struct ReplicasViewTests {
    func queries(_ effects: [ConsoleEffect]) -> [ControlQuery] {
        effects.compactMap { if case .send(let message) = $0 { message.query } else { nil } }
    }

    @Test("a replicas result replaces the roster, and the view asks for it when opened with 8")
    func replicasResult() {
        var state = Fixtures.state()
        var message = ControlMessage(type: .result, id: 5)
        message.replicas = Fixtures.singleNode
        state.apply(message)
        #expect(state.replicas == Fixtures.singleNode)
        let effects = state.handle(key: .character("8"))
        #expect(state.view == .replicas)
        #expect(queries(effects) == [.replicas])
        #expect(state.itemCount(for: .replicas) == 1)
        // A result for another query leaves the roster alone.
        var other = ControlMessage(type: .result, id: 6)
        other.keys = []
        state.apply(other)
        #expect(state.replicas == Fixtures.singleNode)
    }

    @Test("Replicas sits between Agents and Help in tab order; 9 and ? open Help")
    func tabOrder() {
        #expect(ConsoleView.agents.next == .replicas)
        #expect(ConsoleView.replicas.next == .help)
        #expect(ConsoleView.help.previous == .replicas)
        #expect(ConsoleView.replicas.number == 8 && ConsoleView.help.number == 9)
        var state = Fixtures.state()
        _ = state.handle(key: .character("9"))
        #expect(state.view == .help)
        #expect(HelpContent.lines.contains { $0.keys == "1-9" })
        #expect(StatusLineRenderer.hints(state).first?.0 == "1-9")
    }

    @Test("a cluster: live count, this replica marked, a stale one in the error color, the selected one in full")
    func cluster() throws {
        var state = Fixtures.state(view: .replicas)
        state.positions[.replicas] = ListPosition(selected: 2)
        let grid = ConsoleRenderer.render(state)
        let lines = grid.lines
        let text = lines.joined(separator: "\n")
        #expect(text.contains("Cluster on Postgres: 2/3 live"))
        #expect(text.contains("registry read 0s ago"))
        let selfRow = try #require(lines.firstIndex { $0.contains("* r0") })
        #expect(lines[selfRow].contains("live") && lines[selfRow].contains("10.0.0.1:8081") && lines[selfRow].contains("0.14"))
        #expect(lines[selfRow].contains("v42") && lines[selfRow].hasSuffix(" 3 "))
        let lagging = try #require(lines.firstIndex { $0.contains("  r1 ") })
        #expect(lines[lagging].contains("1.45s"))
        let stale = try #require(lines.firstIndex { $0.contains("stale") })
        #expect(lines[stale].contains("r2-with") && lines[stale].contains("47s") && lines[stale].contains("v39") && lines[stale].contains("2d"))
        let column = try #require(lines[stale].range(of: "stale")).lowerBound.utf16Offset(in: lines[stale])
        #expect(grid[stale, column].role == .statusError)
        // The last body row names the selected replica in full (its id is truncated in the table).
        #expect(lines[grid.height - 3].contains("r2-with-a-rather-long-replica-id: started 12:00:00 (2d ago) · heartbeat 47s ago · config v39"))
    }

    @Test("a single node shows itself alone, says so, and has no heartbeat")
    func singleNode() {
        var state = Fixtures.state(view: .replicas)
        state.replicas = Fixtures.singleNode
        let text = Golden.text(ConsoleRenderer.render(state))
        #expect(text.contains("Single node (SQLite)"))
        #expect(text.contains("* single-node"))
        #expect(!text.contains("Cluster on"))
        #expect(!text.contains("last heartbeat"))
        state.replicas = nil
        #expect(Golden.text(ConsoleRenderer.render(state)).contains("waiting for the daemon's answer"))
    }

    @Test("the status line shows the cluster's health, and a stale configuration in the error color")
    func statusLine() throws {
        var state = Fixtures.state()
        state.status = Fixtures.status(cluster: ClusterHealth(replicaId: "r0", live: 3, total: 3, configStaleSeconds: 1))
        var grid = ConsoleRenderer.render(state)
        var line = grid.lines[grid.height - 2]
        #expect(line.contains("cluster 3/3 live"))
        #expect(!line.contains("config stale"))
        state.status = Fixtures.status(cluster: ClusterHealth(replicaId: "r0", live: 2, total: 3, configStaleSeconds: 12.4))
        grid = ConsoleRenderer.render(state)
        line = grid.lines[grid.height - 2]
        #expect(line.contains("cluster 2/3 live config stale 12s"))
        let column = try #require(line.range(of: "config stale")).lowerBound.utf16Offset(in: line)
        #expect(grid[grid.height - 2, column].role == .statusError)
        // A single node (or an older daemon) has no cluster line.
        state.status = Fixtures.status(cluster: nil)
        grid = ConsoleRenderer.render(state)
        #expect(!grid.lines[grid.height - 2].contains("cluster"))
    }

    @Test("while the daemon is a replica, tick re-reads status with the view; a single node's status is read once")
    func statusRefresh() {
        var state = Fixtures.state(view: .providers)
        state.status = Fixtures.status(cluster: ClusterHealth(replicaId: "r0", live: 3, total: 3, configStaleSeconds: 0))
        #expect(Set(queries(state.tick(now: Fixtures.now))) == [.providers, .status])
        #expect(state.tick(now: Fixtures.now.addingTimeInterval(1)).isEmpty)
        #expect(Set(queries(state.tick(now: Fixtures.now.addingTimeInterval(2)))) == [.providers, .status])
        state.view = .live
        #expect(queries(state.tick(now: Fixtures.now.addingTimeInterval(4))) == [.status])
        var single = Fixtures.state(view: .live)
        single.status = Fixtures.status(cluster: nil)
        #expect(single.tick(now: Fixtures.now).isEmpty)
    }

    @Test("nine tabs fit at 80 columns: the other views' titles are shortened, every number stays")
    func narrowHeader() {
        let state = Fixtures.state(view: .replicas, size: .minimum)
        let header = ConsoleRenderer.render(state).lines[0]
        for view in ConsoleView.allCases { #expect(header.contains("\(view.number) "), "tab \(view.number) missing: \(header)") }
        #expect(header.contains("8 Replicas") && header.contains("3 Prov") && header.contains("9 Help"))
        let wide = ConsoleRenderer.render(Fixtures.state(view: .replicas, size: ScreenSize(width: 120, height: 30))).lines[0]
        #expect(wide.contains("3 Providers") && wide.contains("4 Guardrails"))
    }
}
