import AAMControlProtocol
import Testing
@testable import AAMConsole

@Suite("Golden frames per view")
struct GoldenViewTests {
    static let sizes = [ScreenSize(width: 100, height: 30), ScreenSize(width: 80, height: 24)]

    @Test("each view at 100x30 and 80x24 matches its golden file", arguments: ConsoleView.allCases)
    func view(_ view: ConsoleView) throws {
        for size in Self.sizes {
            var state = Fixtures.state(view: view, size: size)
            state.positions[view] = ListPosition(selected: 1)
            let grid = ConsoleRenderer.render(state, into: size)
            #expect(grid.width == size.width && grid.height == size.height)
            try Golden.check(Golden.text(grid), named: "\(view.title.lowercased())-\(size.width)x\(size.height)")
        }
    }

    @Test("theme roles of the Providers and Spend views match their golden files")
    func roles() throws {
        for view in [ConsoleView.providers, .spend, .live, .agents, .replicas] {
            var state = Fixtures.state(view: view)
            state.positions[view] = ListPosition(selected: 1)
            try Golden.check(Golden.roles(ConsoleRenderer.render(state, into: state.screenSize)), named: "\(view.title.lowercased())-roles-100x30")
        }
    }
}
