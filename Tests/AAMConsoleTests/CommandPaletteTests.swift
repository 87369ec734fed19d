import AAMControlProtocol
import Testing
@testable import AAMConsole

/// The `:` palette event by event: opening, completion from live names, running commands, and
/// a command for every key action.
@Suite("Command palette")
struct CommandPaletteTests {
    func type(_ text: String, on state: inout ConsoleState) -> [ConsoleEffect] {
        text.flatMap { state.handle(key: .character($0)) }
    }

    @Test func colonOpensEscClosesAndBackspaceOnEmptyCloses() {
        var state = Fixtures.state()
        _ = state.handle(key: .character(":"))
        #expect(state.palette?.text == "" && state.palette?.candidates == PaletteCommands.table.map(\.name))
        _ = type("pro", on: &state)
        #expect(state.palette?.candidates == ["providers"])
        _ = state.handle(key: .escape)
        #expect(state.palette == nil && state.view == .live)
        _ = state.handle(key: .character(":"))
        _ = state.handle(key: .backspace)
        #expect(state.palette == nil)
    }

    @Test func viewCommandsSwitchViews() {
        var state = Fixtures.state()
        _ = state.handle(key: .character(":"))
        _ = type("providers", on: &state)
        let effects = state.handle(key: .enter)
        #expect(state.view == .providers && state.palette == nil)
        #expect(effects.contains { if case .send(let message) = $0 { message.query == .providers } else { false } })
        _ = state.handle(key: .character(":"))
        _ = type("cluster", on: &state)
        _ = state.handle(key: .enter)
        #expect(state.view == .replicas)
    }

    @Test func tabCompletesCommandsThenLiveNames() {
        var state = Fixtures.state()
        _ = state.handle(key: .character(":"))
        _ = type("dr", on: &state)
        _ = state.handle(key: .tab)
        #expect(state.palette?.text == "drain", "drain and drain-deployment share 'drain'")
        _ = type(" anth", on: &state)
        #expect(state.palette?.candidates == ["anthropic", "anthropic-1"])
        _ = state.handle(key: .tab)
        #expect(state.palette?.text == "drain anthropic")
        _ = type("-", on: &state)
        _ = state.handle(key: .tab)
        #expect(state.palette?.text == "drain anthropic-1")
        // A unique command gets its trailing space.
        _ = state.handle(key: .escape)
        _ = state.handle(key: .character(":"))
        _ = type("ali", on: &state)
        #expect(state.palette?.candidates == ["aliases", "alias"])
        _ = type("as", on: &state)
        _ = state.handle(key: .tab)
        #expect(state.palette?.text == "alias", "alias and aliases: no space yet")
        _ = type(" e", on: &state)
        #expect(state.palette?.candidates == ["embed"])
        _ = state.handle(key: .backspace)
        #expect(state.palette?.candidates == ["chat", "embed"])
    }

    @Test func drainNameAsksFirstAndSendsTheRightCommand() throws {
        var state = Fixtures.state()
        _ = state.handle(key: .character(":"))
        _ = type("drain openai", on: &state)
        _ = state.handle(key: .enter)
        #expect(state.view == .providers)
        guard case .confirm(let confirmation)? = state.overlay else { Issue.record("no confirmation"); return }
        #expect(confirmation.command == ControlCommand(kind: .drainProvider, provider: "openai"))
        let effects = state.handle(key: .character("y"))
        #expect(effects.contains { if case .send(let message) = $0 { message.command?.kind == .drainProvider } else { false } })
        // A deployment name drains the deployment only; undrain asks the other way.
        _ = state.handle(key: .character(":"))
        _ = type("undrain cohere-embed", on: &state)
        _ = state.handle(key: .enter)
        guard case .confirm(let undrain)? = state.overlay else { Issue.record("no confirmation"); return }
        #expect(undrain.command == ControlCommand(kind: .undrainDeployment, deployment: "cohere-embed"))
        #expect(state.selectedProvider?.deployment == "cohere-embed", "the row it acts on is selected")
    }

    @Test func aliasFilterSortAndThemeTakeArguments() {
        var state = Fixtures.state()
        for (text, check) in [
            ("alias embed", { (s: ConsoleState) in s.view == .aliases && s.selectedAliasItem == .deployment(alias: 1, member: 0) }),
            ("filter anthropic", { (s: ConsoleState) in s.filter == "anthropic" }),
            ("providers", { (s: ConsoleState) in s.providerRows.map(\.deployment) == ["anthropic-1"] }),
            ("clear", { (s: ConsoleState) in s.filter.isEmpty }),
            ("sort p95", { (s: ConsoleState) in s.sorts[.providers] == SortOrder(column: 6) }),
            ("reverse", { (s: ConsoleState) in s.sorts[.providers] == SortOrder(column: 6, descending: true) }),
            ("theme mono", { (s: ConsoleState) in s.themeName == "mono" }),
        ] {
            _ = state.handle(key: .character(":"))
            _ = type(text, on: &state)
            _ = state.handle(key: .enter)
            #expect(check(state), "after :\(text)")
        }
    }

    @Test func mistakesAreSaidNotDone() {
        var state = Fixtures.state()
        for text in ["frobnicate", "drain nowhere", "alias nope", "sort nothing", "detail x"] {
            _ = state.handle(key: .character(":"))
            _ = type(text, on: &state)
            _ = state.handle(key: .enter)
            #expect(state.statusMessage?.isError == true, ":\(text)")
            #expect(state.overlay == nil)
        }
    }

    @Test func everyKeyActionHasAPaletteCommand() {
        for binding in KeyBindings.table where binding.action != .openPalette {
            #expect(PaletteCommands.command(for: binding.action) != nil, "\(binding.action) has no palette command")
        }
        for view in ConsoleView.allCases { #expect(PaletteCommands.command(for: .show(view)) != nil) }
    }

    @Test func rotateAndRevokeByKeyPrefix() {
        var state = Fixtures.state()
        _ = state.handle(key: .character(":"))
        _ = type("revoke aam_k_Ab12", on: &state)
        _ = state.handle(key: .enter)
        guard case .confirm(let confirmation)? = state.overlay else { Issue.record("no confirmation"); return }
        #expect(confirmation.command == ControlCommand(kind: .revokeKey, keyId: "k2"))
        _ = state.handle(key: .escape)
        _ = state.handle(key: .character(":"))
        _ = type("rotate sales-bot", on: &state)
        _ = state.handle(key: .enter)
        guard case .prompt(let prompt)? = state.overlay else { Issue.record("no prompt"); return }
        #expect(prompt.purpose == .rotateKey(keyId: "k2", prefix: "aam_k_Ab12"))
    }
}
