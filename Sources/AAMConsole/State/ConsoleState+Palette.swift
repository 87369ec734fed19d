import AAMControlProtocol

/// The `:` palette: typing with live completion, Tab to complete, Enter to run, Esc to close.
extension ConsoleState {
    mutating func openPalette() -> [ConsoleEffect] {
        isEditingFilter = false
        var palette = CommandPalette()
        palette.candidates = completions(for: palette.text)
        self.palette = palette
        isDirty = true
        return [.redraw]
    }

    mutating func editPalette(with key: ConsoleKey) -> [ConsoleEffect] {
        guard var palette else { return [] }
        switch key {
        case .escape:
            self.palette = nil
        case .enter:
            self.palette = nil
            isDirty = true
            return runPalette(palette.text)
        case .tab:
            palette.text = completed(palette.text)
        case .backspace, .delete:
            guard !palette.text.isEmpty else {
                self.palette = nil
                break
            }
            palette.text.removeLast()
        case .character(let character):
            guard palette.text.count < CommandPalette.maxLength else { return [] }
            palette.text.append(character)
        default:
            return []
        }
        if self.palette != nil {
            palette.candidates = completions(for: palette.text)
            self.palette = palette
        }
        isDirty = true
        return [.redraw]
    }

    // MARK: Completion

    /// What the word being typed could become: command words first, then live names for the
    /// command's argument (providers and deployments for `drain`, aliases, key prefixes, …).
    public func completions(for text: String) -> [String] {
        guard let space = text.firstIndex(of: " ") else {
            let word = text.lowercased()
            return PaletteCommands.table.map(\.name).filter { $0.hasPrefix(word) }
        }
        let command = PaletteCommands.command(named: String(text[..<space]))
        let typed = String(text[text.index(after: space)...]).trimmingWhitespace().lowercased()
        return argumentNames(for: command).filter { $0.lowercased().hasPrefix(typed) }
    }

    /// The live names a command's argument can take.
    func argumentNames(for command: PaletteCommand?) -> [String] {
        guard let command else { return [] }
        var names: [String]
        switch command.name {
        case "alias": names = aliases.map(\.name)
        case "drain", "undrain": names = providerNames + providers.map(\.deployment)
        case "drain-deployment": names = providers.map(\.deployment)
        case "rotate", "revoke": names = keys.filter { $0.state != "revoked" }.map(\.prefix)
        case "theme": names = themeNames
        case "sort": names = SortColumns.titles(for: view)
        case "filter": names = aliases.map(\.name) + providerNames
        default: names = []
        }
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    var providerNames: [String] {
        var seen = Set<String>()
        return providers.map(\.provider).filter { seen.insert($0).inserted }
    }

    /// `text` completed as far as the candidates agree; a single match gets a trailing space
    /// when its command takes an argument.
    func completed(_ text: String) -> String {
        let candidates = completions(for: text)
        guard !candidates.isEmpty else { return text }
        let common = candidates.count == 1 ? candidates[0] : CommandPalette.commonPrefix(candidates)
        guard let space = text.firstIndex(of: " ") else {
            guard common.count >= text.count else { return text }
            let takesArgument = candidates.count == 1 && PaletteCommands.command(named: common).map { $0.argument != .none } == true
            return common + (takesArgument ? " " : "")
        }
        let typed = String(text[text.index(after: space)...]).trimmingWhitespace()
        guard common.count >= typed.count else { return text }
        return String(text[...space]) + common
    }

    // MARK: Running

    mutating func runPalette(_ text: String) -> [ConsoleEffect] {
        let (word, argument) = CommandPalette(text: text).parts
        guard !word.isEmpty else { return [.redraw] }
        guard let command = PaletteCommands.command(named: word) else {
            return paletteRefusal("unknown command ':\(word)' (Tab lists them)")
        }
        if argument.isEmpty {
            switch (command.action, command.argument) {
            case (let action?, _): return perform(action)
            case (nil, .required(let what)): return paletteRefusal(":\(command.name) needs \(what)")
            case (nil, _): return command.name == "alias" ? show(.aliases) : [.redraw]
            }
        }
        switch command.name {
        case "alias": return showAlias(argument)
        case "drain", "undrain", "drain-deployment":
            return drainNamed(argument, drain: command.name != "undrain", deploymentOnly: command.name == "drain-deployment")
        case "filter":
            isEditingFilter = false
            setFilter(argument)
            return [.redraw]
        case "sort": return sortNamed(argument)
        case "rotate", "revoke":
            guard keys.contains(where: { $0.prefix.lowercased() == argument.lowercased() || $0.name?.lowercased() == argument.lowercased() })
            else { return paletteRefusal("no key '\(argument)'") }
            let effects = show(.keys)
            _ = selectKey(argument)
            return effects + perform(command.name == "rotate" ? .rotateKey : .revokeKey)
        case "theme":
            guard let name = themeNames.first(where: { $0.lowercased() == argument.lowercased() }) else {
                return paletteRefusal("no theme '\(argument)' (\(themeNames.joined(separator: ", ")))")
            }
            themeName = name
            say("theme: \(name)")
            return [.applyTheme(name), .redraw]
        case "weight":
            guard let weight = Int(argument), (0...1_000_000).contains(weight) else {
                return paletteRefusal("weight must be a whole number from 0 to 1000000")
            }
            guard case .deployment(let aliasIndex, let memberIndex)? = selectedAliasItem, view == .aliases else {
                return paletteRefusal("select a deployment in the Aliases view first")
            }
            let member = aliases[aliasIndex].deployments[memberIndex]
            aliases[aliasIndex].deployments[memberIndex].weight = weight
            return [.redraw, submit(ControlCommand(kind: .updateDeployment, deployment: member.deployment, weight: weight))]
        default:
            return paletteRefusal(":\(command.name) takes no argument")
        }
    }

    private mutating func paletteRefusal(_ text: String) -> [ConsoleEffect] {
        say(text, error: true)
        return [.redraw]
    }

    private mutating func showAlias(_ name: String) -> [ConsoleEffect] {
        guard let aliasIndex = aliases.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) else {
            return paletteRefusal("no alias '\(name)'")
        }
        var effects = show(.aliases)
        let first = aliasItems.firstIndex { item in
            switch item {
            case .deployment(let index, _), .fallback(let index, _): index == aliasIndex
            }
        }
        positions[.aliases] = ListPosition(selected: first ?? 0).clamped(count: aliasItems.count, visible: visibleItemRows(for: .aliases))
        effects.append(.redraw)
        return effects
    }

    /// Drain or undrain a provider (a name that is a provider) or a deployment, after asking.
    private mutating func drainNamed(_ name: String, drain: Bool, deploymentOnly: Bool) -> [ConsoleEffect] {
        let lowered = name.lowercased()
        let isProvider = !deploymentOnly && providers.contains { $0.provider.lowercased() == lowered }
        guard let row = providers.first(where: { isProvider ? $0.provider.lowercased() == lowered : $0.deployment.lowercased() == lowered })
        else { return paletteRefusal("no \(deploymentOnly ? "deployment" : "provider or deployment") '\(name)'") }
        var effects = show(.providers)
        if !filter.isEmpty, !rowFilter.matches(row) { setFilter("") }
        if let index = providerRows.firstIndex(of: row) {
            positions[.providers] = ListPosition(selected: index).clamped(count: providerRows.count, visible: visibleItemRows(for: .providers))
        }
        let verb = drain ? "Drain" : "Undrain"
        let confirmation = isProvider
            ? Confirmation(
                question: "\(verb) provider \(row.provider)? " + (drain ? "All its deployments stop receiving new calls." : "Its deployments receive calls again."),
                command: ControlCommand(kind: drain ? .drainProvider : .undrainProvider, provider: row.provider))
            : Confirmation(
                question: "\(verb) deployment \(row.deployment)? " + (drain ? "It stops receiving new calls." : "It receives calls again."),
                command: ControlCommand(kind: drain ? .drainDeployment : .undrainDeployment, deployment: row.deployment))
        overlay = .confirm(confirmation)
        effects.append(.redraw)
        return effects
    }

    private mutating func sortNamed(_ title: String) -> [ConsoleEffect] {
        let titles = SortColumns.titles(for: view)
        let lowered = title.lowercased()
        guard let column = titles.firstIndex(where: { $0.lowercased() == lowered }) ?? titles.firstIndex(where: { $0.lowercased().hasPrefix(lowered) })
        else {
            return paletteRefusal(titles.isEmpty ? "the \(view.title) view does not sort" : "no column '\(title)' (\(titles.joined(separator: ", ")))")
        }
        return sort(by: column)
    }

    private mutating func selectKey(_ name: String) -> Bool {
        let lowered = name.lowercased()
        guard let key = keys.first(where: { $0.prefix.lowercased() == lowered || $0.name?.lowercased() == lowered }) else { return false }
        if !filter.isEmpty, !rowFilter.matches(key) { setFilter("") }
        guard let index = keyRows.firstIndex(of: key) else { return false }
        positions[.keys] = ListPosition(selected: index).clamped(count: keyRows.count, visible: visibleItemRows(for: .keys))
        return true
    }
}
