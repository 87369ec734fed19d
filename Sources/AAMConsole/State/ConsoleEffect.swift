import AAMControlProtocol

/// What the app must do after the state handled a key or a message. Effects are values so key
/// handling is tested without a terminal or a socket; the app executes them in order.
public enum ConsoleEffect: Sendable, Equatable {
    /// The screen changed; draw it at the next frame (the app coalesces to ~10 frames/s).
    case redraw
    /// Leave the console.
    case quit
    /// Send this message to the daemon (a query, a command or a subscription) and give the reply
    /// to `ConsoleState.answer(to:with:)`, or a refusal to `requestFailed(_:error:)`: the `id` is
    /// the console's own, so it must travel back with the reply even if the client renumbers it.
    case send(ControlMessage)
    /// Load and use the theme of this name (`themes/NAME.theme`).
    case applyTheme(String)
}
