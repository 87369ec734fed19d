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
    public var connection: ConnectionState = .connecting
    public var daemon: DaemonInfo?
    public var status: StatusView?

    // Navigation.
    public var view: ConsoleView = .live
    public var positions: [ConsoleView: ListPosition] = [:]
    public var overlay: Overlay?
    public var filter = ""
    public var isEditingFilter = false
    public var statusMessage: StatusMessage?

    // Live calls.
    public var calls: CallRing
    /// The rows shown while paused (newest first); nil when live.
    public var frozenCalls: [CallRow]?
    public var isPaused: Bool { frozenCalls != nil }
    /// Call events that arrived since pausing (they are in `calls`, not on screen).
    public var eventsWhilePaused = 0
    public var eventsReceived = 0
    /// Events the daemon dropped for this console because it fell behind (from `missed`).
    public var missedEvents = 0
    public var meter = EventRateMeter()

    // Snapshots from queries (and patched by events).
    public var providers: [ProviderRow] = []
    public var spend: [SpendRow] = []
    public var keys: [KeyRow] = []
    public var aliases: [AliasRow] = []
    public var guardrails: GuardrailSummary?

    // Look.
    public var themeName: String
    public var themeNames: [String]

    // Environment, injected.
    public var now: Date
    public var timeZone: TimeZone
    public var screenSize: ScreenSize
    /// Something on screen changed since the app last drew.
    public var isDirty = true
    /// How often the current view's snapshot is re-queried while connected.
    public var refreshInterval: TimeInterval = 2

    var nextMessageId = 1
    var pendingCommands: [Int: ControlCommand] = [:]
    var lastQueried: [ControlQuery: Date] = [:]
    static let recentGuardrailHitsKept = 200

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

    public func position(for view: ConsoleView) -> ListPosition { positions[view] ?? ListPosition() }

    mutating func takeMessageId() -> Int {
        defer { nextMessageId += 1 }
        return nextMessageId
    }

    mutating func say(_ text: String, error: Bool = false) {
        statusMessage = StatusMessage(text: text, isError: error, at: now)
        isDirty = true
    }
}
