import AAMControlProtocol
import Foundation
import Testing
@testable import AAMConsole

/// Command flows from key press to daemon answer: confirmations, prompts, the one-time secret.
@Suite("Modal flows and commands")
struct ModalFlowTests {
    /// The single message sent among `effects` (fails the test when there is not exactly one).
    func sent(_ effects: [ConsoleEffect], sourceLocation: SourceLocation = #_sourceLocation) -> ControlMessage? {
        let messages = effects.compactMap { effect -> ControlMessage? in
            if case .send(let message) = effect { return message }
            return nil
        }
        #expect(messages.count == 1, "expected one message, got \(messages)", sourceLocation: sourceLocation)
        return messages.first
    }

    func type(_ text: String, into state: inout ConsoleState) {
        for character in text { _ = state.handle(key: .character(character)) }
    }

    func screen(_ state: ConsoleState) -> String { ConsoleRenderer.render(state).lines.joined(separator: "\n") }

    @Test("rotate: prompt with 300 s default, validation, command, result, secret modal, dismiss erases the secret")
    func rotate() throws {
        var state = Fixtures.state(view: .keys)
        _ = state.handle(key: .character("r"))
        guard case .prompt(let prompt)? = state.overlay else { Issue.record("no prompt"); return }
        #expect(prompt.fields[0].value == "300")
        #expect(screen(state).contains("Grace period for the old secret (seconds)"))
        // Invalid input is refused inside the prompt, nothing is sent.
        type("x", into: &state)
        #expect(state.handle(key: .enter) == [.redraw])
        guard case .prompt(let refused)? = state.overlay else { Issue.record("prompt closed"); return }
        #expect(refused.error == "grace period must be a whole number of seconds from 0 to 2592000")
        #expect(screen(state).contains("grace period must be a whole number"))
        for _ in 0..<4 { _ = state.handle(key: .backspace) }
        type("60", into: &state)
        let message = try #require(sent(state.handle(key: .enter)))
        #expect(message.type == .command)
        #expect(message.command == ControlCommand(kind: .rotateKey, keyId: "k1", gracePeriodSeconds: 60))
        #expect(state.overlay == nil)

        let secret = "aam_k_NEWSECRET0123456789abcdefghijklmnopqrstuvwxyz"
        var result = ControlMessage(type: .commandResult, id: message.id)
        result.commandResult = CommandResult(message: "rotated key aam_k_7Qx2 (old secret valid 60s)", newSecret: secret, keyPrefix: "aam_k_NEWS")
        let effects = state.apply(result)
        #expect(effects.contains { if case .send(let query) = $0 { query.query == .keys } else { false } })  // keys re-read
        #expect(state.overlay == .secret(OneTimeSecret(keyPrefix: "aam_k_NEWS", secret: secret)))
        #expect(screen(state).replacingOccurrences(of: "\n", with: "").contains(secret))
        // Only a deliberate Enter/Esc dismisses it.
        #expect(state.handle(key: .character("q")) == [])
        #expect(state.handle(key: .character("5")) == [])
        #expect(state.overlay != nil)
        #expect(String(reflecting: state).contains("NEWSECRET"))  // the check below can see it while it is held
        #expect(state.handle(key: .enter) == [.redraw])
        #expect(state.overlay == nil)
        #expect(!String(reflecting: state).contains("NEWSECRET"))
        #expect(!screen(state).contains("NEWSECRET"))
        #expect(state.statusMessage?.text == "the new secret was shown once and is gone from the console")
    }

    @Test("rotate and revoke refuse a revoked key")
    func revokedKey() {
        var state = Fixtures.state(view: .keys)
        state.positions[.keys] = ListPosition(selected: 2)
        #expect(state.handle(key: .character("r")) == [.redraw])
        #expect(state.overlay == nil)
        #expect(state.statusMessage == StatusMessage(text: "key aam_k_Old1 is revoked; it cannot be rotated", isError: true, at: Fixtures.now))
        _ = state.handle(key: .character("x"))
        #expect(state.overlay == nil)
    }

    @Test("revoke asks first; n cancels without sending, y sends")
    func revoke() throws {
        var state = Fixtures.state(view: .keys)
        _ = state.handle(key: .character("x"))
        guard case .confirm(let confirmation)? = state.overlay else { Issue.record("no confirmation"); return }
        #expect(confirmation.question == "Revoke key aam_k_7Qx2 (search-backend)? It stops working at once.")
        #expect(screen(state).contains("Revoke key aam_k_7Qx2"))
        #expect(state.handle(key: .character("z")) == [])  // other keys wait
        #expect(state.handle(key: .character("n")) == [.redraw])
        #expect(state.overlay == nil)
        _ = state.handle(key: .character("x"))
        let message = try #require(sent(state.handle(key: .character("y"))))
        #expect(message.command == ControlCommand(kind: .revokeKey, keyId: "k1"))
    }

    @Test("d drains the selected deployment's provider after y; on a drained provider it undrains; D acts on the deployment")
    func drain() throws {
        var state = Fixtures.state(view: .providers)
        _ = state.handle(key: .character("d"))
        guard case .confirm(let drain)? = state.overlay else { Issue.record("no confirmation"); return }
        #expect(drain.question == "Drain provider openai? All its deployments stop receiving new calls.")
        #expect(screen(state).contains("Drain provider openai?"))
        let message = try #require(sent(state.handle(key: .character("Y"))))
        #expect(message.command == ControlCommand(kind: .drainProvider, provider: "openai"))
        #expect(state.statusMessage?.text == "sent: drain provider openai")

        state.positions[.providers] = ListPosition(selected: 4)  // openai-west, provider drained
        _ = state.handle(key: .character("d"))
        let undrain = try #require(sent(state.handle(key: .character("y"))))
        #expect(undrain.command == ControlCommand(kind: .undrainProvider, provider: "openai"))

        state.positions[.providers] = ListPosition(selected: 3)  // cohere-embed, deployment drained
        _ = state.handle(key: .character("D"))
        let deployment = try #require(sent(state.handle(key: .character("y"))))
        #expect(deployment.command == ControlCommand(kind: .undrainDeployment, deployment: "cohere-embed"))
        _ = state.handle(key: .character("d"))
        #expect(state.handle(key: .escape) == [.redraw])
        #expect(state.overlay == nil && state.statusMessage?.text == "cancelled")
    }

    @Test("the command's answer is matched by id: a result refreshes the view, an error is shown and undoes optimism")
    func answers() throws {
        var state = Fixtures.state(view: .aliases)
        let message = try #require(sent(state.handle(key: .character("+"))))
        #expect(message.command == ControlCommand(kind: .updateDeployment, deployment: "openai-east", weight: 4))
        #expect(state.aliases[0].deployments[0].weight == 4)  // shown at once
        let error = state.apply(.failure(ControlError(code: .invalidCommand, message: "weight too high"), id: message.id))
        #expect(state.statusMessage?.text == "set openai-east weight 4 failed: invalid_command: weight too high")
        #expect(state.statusMessage?.isError == true)
        let queries = error.compactMap { if case .send(let m) = $0 { m.query } else { nil } }
        #expect(queries == [.aliases, .providers])
        // An answer for an unknown id is still shown, and refreshes nothing.
        var stray = ControlMessage(type: .commandResult, id: 999)
        stray.commandResult = CommandResult(message: "done")
        #expect(state.apply(stray) == [.redraw])
        #expect(state.statusMessage?.text == "done")
    }

    @Test("+/- change the weight (not below 0); w prompts a weight")
    func weights() throws {
        var state = Fixtures.state(view: .aliases)
        state.positions[.aliases] = ListPosition(selected: 2)  // azure-we, weight 0
        #expect(state.handle(key: .character("-")) == [.redraw])
        #expect(state.statusMessage?.text == "weight cannot go below 0")
        let up = try #require(sent(state.handle(key: .character("="))))
        #expect(up.command?.weight == 1)
        _ = state.handle(key: .character("w"))
        _ = state.handle(key: .backspace)
        type("25", into: &state)
        let typed = try #require(sent(state.handle(key: .enter)))
        #expect(typed.command == ControlCommand(kind: .updateDeployment, deployment: "azure-we", weight: 25))
    }

    @Test("a adds a deployment through a four-field form with the selected alias filled in")
    func addDeployment() throws {
        var state = Fixtures.state(view: .aliases)
        state.positions[.aliases] = ListPosition(selected: 5)  // embed's deployment
        _ = state.handle(key: .character("a"))
        guard case .prompt(let prompt)? = state.overlay else { Issue.record("no prompt"); return }
        #expect(prompt.fields.map(\.value) == ["embed", "", "", "1"])
        #expect(prompt.focus == 1)
        type("cohere", into: &state)
        _ = state.handle(key: .enter)  // next field
        _ = state.handle(key: .tab)  // skip the model
        #expect(state.handle(key: .enter) != [])  // weight field is last: submit, refused (model empty)
        guard case .prompt(let refused)? = state.overlay else { Issue.record("prompt closed"); return }
        #expect(refused.error == "upstream model is required")
        _ = state.handle(key: .backTab)
        type("embed-v4", into: &state)
        _ = state.handle(key: .tab)
        let message = try #require(sent(state.handle(key: .enter)))
        #expect(message.command == ControlCommand(kind: .addDeployment, provider: "cohere", alias: "embed", upstreamModel: "embed-v4", weight: 1))
    }

    @Test("Delete/X remove the selected deployment after confirmation; they refuse on a fallback")
    func remove() throws {
        var state = Fixtures.state(view: .aliases)
        _ = state.handle(key: .down)
        _ = state.handle(key: .delete)
        guard case .confirm(let confirmation)? = state.overlay else { Issue.record("no confirmation"); return }
        #expect(confirmation.question == "Remove deployment anthropic-1 from alias chat?")
        let message = try #require(sent(state.handle(key: .character("y"))))
        #expect(message.command == ControlCommand(kind: .removeDeployment, deployment: "anthropic-1"))
        state.positions[.aliases] = ListPosition(selected: 3)  // first fallback of chat
        _ = state.handle(key: .character("X"))
        #expect(state.overlay == nil && state.statusMessage?.text == "select a deployment to remove it")
    }

    @Test("J/K and >/< move the selected fallback, the selection follows, the full new order is sent")
    func reorder() throws {
        var state = Fixtures.state(view: .aliases)
        state.positions[.aliases] = ListPosition(selected: 3)  // chat-fast, first fallback
        #expect(state.handle(key: .character("K")) == [.redraw])  // already first
        let later = try #require(sent(state.handle(key: .character("J"))))
        #expect(later.command == ControlCommand(kind: .setFallbacks, alias: "chat", fallbacks: ["chat-cheap", "chat-fast"]))
        #expect(state.selectedAliasItem == .fallback(alias: 0, index: 1))
        let earlier = try #require(sent(state.handle(key: .character("<"))))
        #expect(earlier.command?.fallbacks == ["chat-fast", "chat-cheap"])
        #expect(state.selectedAliasItem == .fallback(alias: 0, index: 0))
        state.positions[.aliases] = ListPosition(selected: 0)
        _ = state.handle(key: .character(">"))
        #expect(state.statusMessage?.text == "select a fallback to reorder it")
    }

    @Test("losing the connection with commands in flight says so")
    func lostCommands() throws {
        var state = Fixtures.state(view: .keys)
        _ = state.handle(key: .character("x"))
        _ = state.handle(key: .character("y"))
        state.connectionLost(reason: "socket closed", retryAt: Fixtures.now.addingTimeInterval(3))
        #expect(state.statusMessage?.text == "connection lost before 1 command(s) were answered; check and repeat")
        #expect(screen(state).contains("✕ disconnected: socket closed, retrying in 3s"))
    }
}
