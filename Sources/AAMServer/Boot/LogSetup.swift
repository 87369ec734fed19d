import AAMCore
import Foundation
import Logging

/// Logging to stderr, as text or one JSON object per line. Never bodies or secrets: callers log
/// structured metadata only.
public enum LogSetup {
    public static func bootstrap(level: String, format: String) {
        let logLevel = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = format == "json" ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
    }
}

/// One JSON object per line for log shippers: `ts` (UTC, milliseconds), `level`, `logger`,
/// `msg`, then the metadata with its real types (an `Int` stays a number, a `Bool` a boolean,
/// nested dictionaries and arrays stay nested). One `write(2)` per line, so lines from
/// concurrent tasks never interleave.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let line = Self.line(
            at: Date(), level: event.level, label: label, message: "\(event.message)",
            metadata: Self.merged(metadata, metadataProvider?.get(), event.metadata))
        FileDescriptorWriter.writeAll(line, to: STDERR_FILENO)
    }

    /// Handler metadata, then the provider's, then the call's (later wins).
    static func merged(_ layers: Logger.Metadata?...) -> Logger.Metadata {
        var merged: Logger.Metadata = [:]
        for layer in layers { if let layer { merged.merge(layer) { $1 } } }
        return merged
    }

    /// The line for one event; the metadata in key order, so equal events give equal lines.
    static func line(at date: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> [UInt8] {
        var writer = JSONLineWriter()
        writer.member("ts", LogTimestamp.utcMillis(date))
        writer.member("level", level.rawValue)
        writer.member("logger", label)
        writer.member("msg", message)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where !["ts", "level", "logger", "msg"].contains(key) {
            writer.member(key, json: json(value))
        }
        return writer.line()
    }

    /// A metadata value as JSON: numbers and booleans given as `.stringConvertible` keep their
    /// type; anything else is its description as a string.
    static func json(_ value: Logger.Metadata.Value) -> [UInt8] {
        var out: [UInt8] = []
        switch value {
        case .string(let text): JSONStringLiteral.write(text, into: &out)
        case .stringConvertible(let convertible):
            switch convertible {
            case let flag as Bool: out.append(contentsOf: (flag ? "true" : "false").utf8)
            case let number as any BinaryInteger: out.append(contentsOf: number.description.utf8)
            case let number as Double where number.isFinite: out.append(contentsOf: number.description.utf8)
            case let number as Float where number.isFinite: out.append(contentsOf: number.description.utf8)
            default: JSONStringLiteral.write(convertible.description, into: &out)
            }
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: json(element))
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let members):
            out.append(UInt8(ascii: "{"))
            for (index, (key, element)) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONStringLiteral.write(key, into: &out)
                out.append(UInt8(ascii: ":"))
                out.append(contentsOf: json(element))
            }
            out.append(UInt8(ascii: "}"))
        }
        return out
    }
}
