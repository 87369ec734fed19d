import AAMControlProtocol

extension ConsoleState {
    /// Handles one key press: overlays and the filter editor take keys first, then the binding
    /// table. Returns what the app must do next (always `.redraw` when the screen changed).
    public mutating func handle(key: ConsoleKey) -> [ConsoleEffect] {
        if key == .resize {
            isDirty = true
            return [.redraw]
        }
        if let overlay { return handle(key: key, over: overlay) }
        if palette != nil { return editPalette(with: key) }
        if isEditingFilter { return editFilter(with: key) }
        guard let action = KeyBindings.action(for: key, in: view) else { return [] }
        return perform(action)
    }

    /// Carries out a bound action.
    public mutating func perform(_ action: ConsoleAction) -> [ConsoleEffect] {
        switch action {
        case .show(let target): return show(target)
        case .nextView: return show(view.next)
        case .previousView: return show(view.previous)
        case .moveUp: return move(by: -1)
        case .moveDown: return move(by: 1)
        case .pageUp: return move(by: -visibleItemRows(for: view))
        case .pageDown: return move(by: visibleItemRows(for: view))
        case .top: return move(by: -Int(Int32.max))
        case .bottom: return move(by: Int(Int32.max))
        case .quit: return [.quit]
        case .cycleTheme:
            let index = themeNames.firstIndex(of: themeName) ?? -1
            themeName = themeNames.isEmpty ? themeName : themeNames[(index + 1) % themeNames.count]
            say("theme: \(themeName)")
            return [.applyTheme(themeName), .redraw]
        case .cancel:
            guard !filter.isEmpty else { return [] }
            setFilter("")
            return [.redraw]
        case .startFilter:
            isEditingFilter = true
            isDirty = true
            return [.redraw]
        case .togglePause: return togglePause()
        case .openDetail:
            guard let call = selectedCall else { return [] }
            overlay = .detail(call)
            isDirty = true
            return [.redraw]
        case .toggleProviderDrain, .toggleDeploymentDrain: return askDrain(deploymentOnly: action == .toggleDeploymentDrain)
        case .rotateKey: return askRotate()
        case .revokeKey: return askRevoke()
        case .weightUp: return changeWeight(by: 1)
        case .weightDown: return changeWeight(by: -1)
        case .promptWeight: return askWeight()
        case .addDeployment: return askAddDeployment()
        case .removeDeployment: return askRemoveDeployment()
        case .fallbackEarlier: return moveFallback(by: -1)
        case .fallbackLater: return moveFallback(by: 1)
        case .cycleSort: return cycleSort()
        case .reverseSort: return reverseSort()
        case .openPalette: return openPalette()
        }
    }

    mutating func show(_ target: ConsoleView) -> [ConsoleEffect] {
        view = target
        isEditingFilter = false
        palette = nil
        isDirty = true
        var effects: [ConsoleEffect] = [.redraw]
        if let query = target.query, case .connected = connection { effects.append(send(query)) }
        return effects
    }

    mutating func move(by delta: Int) -> [ConsoleEffect] {
        let count = itemCount(for: view)
        let visible = visibleItemRows(for: view)
        var position = self.position(for: view).clamped(count: count, visible: visible)
        let target = min(max(0, position.selected + delta), max(0, count - 1))
        guard target != position.selected || position != self.position(for: view) else { return [] }
        position.selected = target
        positions[view] = position.clamped(count: count, visible: visible)
        isDirty = true
        return [.redraw]
    }

    mutating func togglePause() -> [ConsoleEffect] {
        if frozenCalls == nil {
            frozenCalls = calls.newestFirst
            eventsWhilePaused = 0
            say("paused: new calls are counted, not shown")
        } else {
            frozenCalls = nil
            eventsWhilePaused = 0
            positions[.live] = ListPosition()
            say("resumed")
        }
        return [.redraw]
    }

    mutating func setFilter(_ text: String) {
        filter = text
        for list in [ConsoleView.live, .providers, .keys] { positions[list] = ListPosition() }
        isDirty = true
    }

    mutating func editFilter(with key: ConsoleKey) -> [ConsoleEffect] {
        switch key {
        case .character(let character):
            guard filter.count < 100 else { return [] }
            setFilter(filter + String(character))
        case .backspace, .delete:
            guard !filter.isEmpty else { return [] }
            setFilter(String(filter.dropLast()))
        case .enter:
            isEditingFilter = false
            isDirty = true
        case .escape:
            isEditingFilter = false
            setFilter("")
        default:
            return []
        }
        return [.redraw]
    }

    // MARK: Overlays

    mutating func handle(key: ConsoleKey, over overlay: Overlay) -> [ConsoleEffect] {
        switch overlay {
        case .detail:
            switch key {
            case .escape, .enter, .character("q"):
                close()
                return [.redraw]
            case .up, .down, .character("k"), .character("j"):
                // Step through calls without leaving the detail (the selection moves along).
                _ = move(by: key == .up || key == .character("k") ? -1 : 1)
                guard let call = selectedCall, .detail(call) != overlay else { return [] }
                self.overlay = .detail(call)
                isDirty = true
                return [.redraw]
            default:
                return []
            }
        case .secret:
            // Only a deliberate Enter/Esc dismisses: the secret cannot be shown again.
            guard key == .escape || key == .enter else { return [] }
            close()
            say("the new secret was shown once and is gone from the console")
            return [.redraw]
        case .confirm(let confirmation):
            switch key {
            case .character("y"), .character("Y"):
                close()
                return [.redraw, submit(confirmation.command)]
            case .character("n"), .character("N"), .character("q"), .escape, .enter:
                close()
                say("cancelled")
                return [.redraw]
            default:
                return []
            }
        case .prompt(var prompt):
            return edit(&prompt, with: key)
        }
    }

    private mutating func close() {
        overlay = nil
        isDirty = true
    }

    private mutating func edit(_ prompt: inout TextPrompt, with key: ConsoleKey) -> [ConsoleEffect] {
        switch key {
        case .escape:
            close()
            say("cancelled")
            return [.redraw]
        case .character(let character):
            guard prompt.fields[prompt.focus].value.count < TextPrompt.maxFieldLength else { return [] }
            prompt.fields[prompt.focus].value.append(character)
        case .backspace, .delete:
            guard !prompt.fields[prompt.focus].value.isEmpty else { return [] }
            prompt.fields[prompt.focus].value.removeLast()
        case .tab, .down:
            prompt.focus = (prompt.focus + 1) % prompt.fields.count
        case .backTab, .up:
            prompt.focus = (prompt.focus + prompt.fields.count - 1) % prompt.fields.count
        case .enter:
            if prompt.focus < prompt.fields.count - 1 {
                prompt.focus += 1
            } else {
                switch prompt.command() {
                case .success(let command):
                    close()
                    return [.redraw, submit(command)]
                case .failure(let refusal):
                    prompt.error = refusal.message
                }
            }
        default:
            return []
        }
        overlay = .prompt(prompt)
        isDirty = true
        return [.redraw]
    }
}
