extension ControlError {
    /// The code of a control-socket error: a closed set of static members, encoded as its raw
    /// string (the JSON on the socket is `"code":"bad_message"`). Not `ExpressibleByStringLiteral`;
    /// `init(rawValue:)` decodes what a daemon sends (a newer daemon may send a code this build
    /// does not name).
    public struct Code: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        public var description: String { rawValue }

        // MARK: Answers within a conversation

        /// The line is not a well-formed control message (or too long, or out of order).
        public static let badMessage = Code(rawValue: "bad_message")
        /// The client's protocol version is not compatible with the daemon's.
        public static let versionMismatch = Code(rawValue: "version_mismatch")
        /// A `query` names no query the daemon knows.
        public static let unknownQuery = Code(rawValue: "unknown_query")
        /// A command names an entity (alias, deployment) that does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// A command is unknown, or lacks or misstates a member.
        public static let invalidCommand = Code(rawValue: "invalid_command")
        /// The peer may not use the socket (or this command).
        public static let permissionDenied = Code(rawValue: "permission_denied")
        /// The daemon failed to apply or answer (also a client's stand-in for a missing reason).
        public static let `internal` = Code(rawValue: "internal")
        /// The answer exceeds the protocol's line limit.
        public static let tooLarge = Code(rawValue: "too_large")

        // MARK: Before or instead of a conversation

        /// No hello arrived in time; the daemon closes the connection.
        public static let helloTimeout = Code(rawValue: "hello_timeout")
        /// The socket already serves its maximum of connections.
        public static let tooManyConnections = Code(rawValue: "too_many_connections")

        // MARK: Client-side only (never sent by the daemon)

        /// The console is not connected to the daemon (a request could not be sent).
        public static let notConnected = Code(rawValue: "not_connected")
        /// The request could not be delivered to the daemon.
        public static let notDelivered = Code(rawValue: "not_delivered")
        /// A local console warning shown on the status line (theme failed to load, …).
        public static let console = Code(rawValue: "console")
        /// A local console notice shown on the status line.
        public static let note = Code(rawValue: "note")
    }
}
