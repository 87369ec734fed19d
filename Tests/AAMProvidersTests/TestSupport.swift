import AAMCore
import Foundation
import Testing

@testable import AAMProviders

/// Loads golden fixtures and compares wire output structurally.
enum Fixture {
    static func bytes(_ path: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(path)", withExtension: nil), "missing fixture \(path)")
        return Array(try Data(contentsOf: url))
    }

    static func json(_ path: String) throws -> WireJSON {
        try WireJSON.parse(bytes(path), context: path)
    }

    static func events(_ path: String) throws -> [SSEEvent] {
        SSE.events(try bytes(path))
    }
}

enum SSE {
    static func events(_ bytes: [UInt8]) -> [SSEEvent] {
        var parser = SSEParser()
        do { return try parser.append(bytes) + parser.finish() } catch {
            Issue.record("\(error)")
            return []
        }
    }

    /// Runs upstream bytes through a translator the way the server does; returns the client bytes.
    static func run<T: StreamTranslator>(_ translator: inout T, upstream: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        for event in events(upstream) { out += try translator.translate(event) }
        out += translator.finish()
        return out
    }
}

/// Expects two event sequences to match: same names, same order, structurally equal JSON data.
func expectSameEvents(_ actual: [SSEEvent], _ expected: [SSEEvent], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "event count", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        #expect(a.event == e.event, "event \(i) name", sourceLocation: sourceLocation)
        if e.data.hasPrefix("{") {
            let aj = try? WireJSON.parse(a.data)
            let ej = try? WireJSON.parse(e.data)
            #expect(ej != nil, "expected event \(i) is JSON", sourceLocation: sourceLocation)
            #expect(aj == ej, "event \(i) data:\n  got      \(a.data)\n  expected \(e.data)", sourceLocation: sourceLocation)
        } else {
            #expect(a.data == e.data, "event \(i) data", sourceLocation: sourceLocation)
        }
    }
}

extension WireJSON {
    /// Test shorthand: parse a Swift string literal.
    static func literal(_ text: String) -> WireJSON {
        (try? WireJSON.parse(text)) ?? .string("<<invalid JSON in test: \(text)>>")
    }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}

extension Array where Element == UInt8 {
    var json: WireJSON? { try? WireJSON.parse(self) }
    var text: String { String(decoding: self, as: UTF8.self) }
}
