import AAMControlProtocol
import Foundation

/// The control socket's framing and decoding, what `aamd` and `aam` read from each other.
///
/// Invariants: the lines are the same however the bytes are cut into reads; decoding a line
/// never traps; the call-event fast path (`CallEventLine`) decodes every line as `JSONDecoder`
/// alone does (or steps aside); a decoded message encodes to one line that decodes to the same
/// message.
enum ControlTarget {
    static let target = FuzzTarget.control

    static func run(_ input: [UInt8]) throws(InvariantViolation) {
        var reference: [[UInt8]]?
        for (index, chunks) in Chunking.cuttings(of: input).enumerated() {
            var framing = ControlFraming()
            var lines: [[UInt8]] = []
            do {
                for chunk in chunks { lines.append(contentsOf: try framing.append(chunk)) }
            } catch {
                // Only a line over the limit fails, and the fuzzer's inputs are shorter.
                throw InvariantViolation(target.rawValue, "cutting \(index) failed with \(error) on \(input.count) bytes")
            }
            if let reference {
                try check(lines == reference, target, "cutting \(index) gave \(lines.count) lines, whole input \(reference.count)")
            } else {
                reference = lines
            }
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        for line in reference ?? [] {
            let decoded = ControlFraming.decode(line, with: decoder)
            let foundation = ControlFraming.decodeWithFoundation(line, with: decoder)
            try check(decoded == foundation, target, "the fast path read a line differently from JSONDecoder: \(excerpt(line, limit: 300))")
            guard let message = decoded else { continue }
            let encoded: [UInt8]
            do { encoded = try ControlFraming.encode(message) } catch {
                throw InvariantViolation(target.rawValue, "a decoded message does not encode: \(error)")
            }
            try check(encoded.last == 0x0A && !encoded.dropLast().contains(0x0A), target, "an encoded message is not one line")
            let again = ControlFraming.decode(Array(encoded.dropLast()), with: decoder)
            try check(again == message, target, "encode → decode changed a message: \(excerpt(line, limit: 300)) → \(excerpt(encoded, limit: 300))")
        }
    }
}
