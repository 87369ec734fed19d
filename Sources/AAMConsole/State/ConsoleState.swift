import AAMControlProtocol
import Foundation

/// Terminal size in cells.
public struct ScreenSize: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
    /// Below this the console shows "terminal too small" instead of a view.
    public static let minimum = ScreenSize(width: 80, height: 24)
    public var isUsable: Bool { width >= Self.minimum.width && height >= Self.minimum.height }
}

/// The control-socket connection as the operator sees it.
public enum ConnectionState: Sendable, Equatable {
    case connecting
    case connected(DaemonInfo?)
    /// The daemon went away (or refused us); the app retries at `retryAt` (nil: it does not).
    case disconnected(reason: String, retryAt: Date?)
}

/// Selection and scroll of one list view.
public struct ListPosition: Sendable, Equatable {
    public var selected = 0
    /// First visible item.
    public var offset = 0
    public init(selected: Int = 0, offset: Int = 0) {
        self.selected = selected
        self.offset = offset
    }

    /// Clamped to `count` items and scrolled so the selection is inside `visible` rows.
    public func clamped(count: Int, visible: Int) -> ListPosition {
        guard count > 0 else { return ListPosition() }
        let selected = min(max(0, self.selected), count - 1)
        let visible = max(1, visible)
        var offset = min(max(0, self.offset), max(0, count - visible))
        if selected < offset { offset = selected }
        if selected >= offset + visible { offset = selected - visible + 1 }
        return ListPosition(selected: selected, offset: offset)
    }
}

/// One line for the status bar.
public struct StatusMessage: Sendable, Equatable {
    public var text: String
    public var isError: Bool
    public var at: Date
}

/// Everything the console shows, as a value: the app feeds it daemon messages (`apply`), key
/// presses (`handle(key:)`) and the time (`tick(now:)`), executes the returned effects, and
/// draws `ConsoleRenderer.render(self, into:)` when `isDirty` (at most ~10 times a second).
/// No I/O, no clock, no terminal: tested event by event.
public struct ConsoleState: Sendable {
    // Connection and daemon.
    /// Whether the console talks to the daemon now (shown first on the status line).
    public var connection: ConnectionState = .connecting
    /// Who the daemon is (from its hello or the status snapshot).
    public var daemon: DaemonInfo?
    /// The daemon's counters from the `status` query.
    public var status: StatusView?

    // Navigation.
    /// The view on screen.
    public var view: ConsoleView = .live
    /// Selection and scroll per view (a view never visited is at the top).
    public var positions: [ConsoleView: ListPosition] = [:]
    /// The detail, confirmation, prompt or secret covering the view; it takes keys first.
    public var overlay: Overlay?
    /// The `/` filter text (see `RowFilter`); empty shows every row.
    public var filter = ""
    /// Keys go to the filter text (after `/`, until Enter or Esc).
    public var isEditingFilter = false
    /// The last thing worth telling the operator (command sent, result, error).
    public var statusMessage: StatusMessage?

    // Live calls.
    /// Recent calls from the live feed, bounded.
    public var calls: CallRing
    /// The rows shown while paused (newest first); nil when live.
    public var frozenCalls: [CallRow]?
    /// The Live table is frozen (`p`/space).
    public var isPaused: Bool { frozenCalls != nil }
    /// Call events that arrived since pausing (they are in `calls`, not on screen).
    public var eventsWhilePaused = 0
    /// Every live event absorbed since start.
    public var eventsReceived = 0
    /// Events the daemon dropped for this console because it fell behind (from `missed`).
    public var missedEvents = 0
    /// Feeds the status line's events per second.
    public var meter = EventRateMeter()

    // Snapshots from queries (and patched by events).
    /// Providers view rows (deployments), as last queried and patched by health events.
    public var providers: [ProviderRow] = []
    /// Spend view rows, parents first.
    public var spend: [SpendRow] = []
    /// Keys view rows.
    public var keys: [KeyRow] = []
    /// Aliases view rows (weights and fallback order edited optimistically until re-read).
    public var aliases: [AliasRow] = []
    /// Guardrails view data, patched by guardrail-hit events.
    public var guardrails: GuardrailSummary?
    /// Agents view rows (registered workloads and their policies), patched by decision events.
    public var agents: [AgentRow] = []
    /// Recent AgentPolicy decisions from the live feed, newest first, bounded.
    public var policyDecisions: [PolicyDecisionRow] = []
    /// Replicas view: the cluster's registry as the daemon last read it (nil until queried).
    public var replicas: ReplicaRoster?
    /// The daemon's trend history (header strip and per-view sparklines), folded from the
    /// `trends` answer and `trend` events; empty with a daemon that keeps none.
    public var trends = TrendWindow()

    // Sorting and the command palette.
    /// Sort column and direction per view (`s`, `S`, a click on a column header); none: the
    /// daemon's order.
    public var sorts: [ConsoleView: SortOrder] = [:]
    /// The `:` command line while it is open; it takes keys before the view.
    public var palette: CommandPalette?

    // Look.
    /// The theme in use; `t` moves to the next of `themeNames`.
    public var themeName: String
    /// Themes `t` cycles through.
    public var themeNames: [String]
    /// Characters for trends: ASCII when the theme is monochrome (the app sets it with the theme).
    public var glyphs: GlyphSet = .unicode

    // Environment, injected.
    /// The injected clock (relative times, countdowns, the event rate); set by `tick(now:)`.
    public var now: Date
    /// Zone for clock times in the Live and Guardrails views.
    public var timeZone: TimeZone
    /// The terminal size, for paging and scrolling; set by `resize(to:)`.
    public var screenSize: ScreenSize
    /// Something on screen changed since the app last drew.
    public var isDirty = true
    /// How often the current view's snapshot is re-queried while connected.
    public var refreshInterval: TimeInterval = 2

    var nextMessageId = 1
    var pendingCommands: [Int: ControlCommand] = [:]
    var lastQueried: [ControlQuery: Date] = [:]
    /// The id of the last `trends` query: a daemon older than console v2 refuses it, which only
    /// means there is no history to show (not an error for the operator).
    var trendsQueryId: Int?
    static let recentGuardrailHitsKept = 200
    static let recentPolicyDecisionsKept = 200

    /// A console not yet connected, on the Live view, with an empty ring of `callCapacity` calls.
    public init(
        now: Date, timeZone: TimeZone = .current, screenSize: ScreenSize = .minimum, themeName: String = "dark",
        themeNames: [String] = Theme.builtInNames, callCapacity: Int = 2_000
    ) {
        self.now = now
        self.timeZone = timeZone
        self.screenSize = screenSize
        self.themeName = themeName
        self.themeNames = themeNames
        calls = CallRing(capacity: callCapacity)
    }

    /// The terminal changed size; positions are re-clamped at the next render.
    public mutating func resize(to size: ScreenSize) {
        screenSize = size
        isDirty = true
    }

    /// Events per second over the last few seconds.
    public var eventRate: Double { meter.rate(at: now) }

    /// Selection and scroll of `view` as stored (clamp with `ListPosition.clamped` before use).
    public func position(for view: ConsoleView) -> ListPosition { positions[view] ?? ListPosition() }

    mutating func takeMessageId() -> Int {
        defer { nextMessageId += 1 }
        return nextMessageId
    }

    /// Puts a local notice on the status line (a theme warning, a failed theme load): no
    /// daemon message involved.
    public mutating func showMessage(_ text: String, isError: Bool = false) {
        say(text, error: isError)
    }

    mutating func say(_ text: String, error: Bool = false) {
        statusMessage = StatusMessage(text: text, isError: error, at: now)
        isDirty = true
    }
}
