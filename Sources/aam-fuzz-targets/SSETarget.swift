import AAMProviders

/// `SSEParser`, the reader of every upstream stream.
///
/// Invariants: the events are the same however the bytes are cut into chunks (whole, one byte
/// at a time, random sizes); encoding those events and parsing them again gives them back.
enum SSETarget {
    static let target = FuzzTarget.sse

    static func run(_ input: [UInt8]) throws(InvariantViolation) {
        let cuttings = Chunking.cuttings(of: input)
        let reference = parse(cuttings[0])
        for (index, chunks) in cuttings.enumerated().dropFirst() {
            let events = parse(chunks)
            try check(events == reference, target,
                "cutting \(index) (\(chunks.count) chunks) gave \(events.count) events, whole input \(reference.count): \(excerpt(input))")
        }
        var encoded: [UInt8] = []
        for event in reference { encoded.append(contentsOf: event.encoded()) }
        var parser = SSEParser()
        let roundTrip = ((try? parser.append(encoded)) ?? []) + parser.finish()
        try check(roundTrip == reference, target, "encode → parse changed the events: \(excerpt(encoded, limit: 400))")
    }

    static func parse(_ chunks: [ArraySlice<UInt8>]) -> [SSEEvent] {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for chunk in chunks { events.append(contentsOf: ((try? parser.append(chunk)) ?? [])) }
        events.append(contentsOf: parser.finish())
        return events
    }
}
