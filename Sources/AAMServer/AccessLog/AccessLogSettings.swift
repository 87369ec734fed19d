/// Where `aamd` writes its access log (`--access-log`): one line per finished call, in the
/// `--log-format` (text: logfmt; json: one object per line).
public enum AccessLogDestination: String, Sendable, Equatable, CaseIterable {
    /// No access log.
    case off
    /// Standard output: kept apart from the diagnostic log on stderr, and what container
    /// runtimes and journald collect.
    case stdout
    /// Standard error, interleaved with the diagnostic log.
    case stderr

    public init?(parsing text: String) {
        self.init(rawValue: text.lowercased())
    }

    var fileDescriptor: Int32? {
        switch self {
        case .off: nil
        case .stdout: 1
        case .stderr: 2
        }
    }
}
