/// Case-insensitive multi-keyword search (Aho–Corasick compiled to a DFA), stepped one byte at a
/// time inside the scanner's single pass, so a denylist of any size costs one table lookup per
/// byte instead of one scan per keyword.
///
/// Case folding is ASCII-only; other bytes of a UTF-8 keyword match exactly. A keyword whose
/// first (last) character is a letter, digit or `_` only matches where the text has no such
/// character just before (after) it, so `ass` does not fire inside `class`.
struct KeywordAutomaton: Sendable {
    /// Byte -> input class (bytes no keyword uses share class 0), shrinking the table.
    private let byteClass: [UInt8]
    private let classCount: Int
    /// `state * classCount + class` -> next state.
    private let transitions: [Int32]
    /// Keywords ending in each state (own and via suffix links): `outputs[outputStart[s]..<outputStart[s+1]]`.
    private let outputStart: [Int32]
    private let outputs: [Int32]
    private let keywordLengths: [Int]
    private let boundedStart: [Bool]
    private let boundedEnd: [Bool]

    /// nil when `keywords` has no non-empty entry.
    init?(keywords: [String]) {
        let folded = Set(keywords.map { Array($0.utf8).map(ASCII.lower) }.filter { !$0.isEmpty })
        guard !folded.isEmpty else { return nil }
        let list = folded.sorted { $0.lexicographicallyPrecedes($1) }
        var classOf = [UInt8](repeating: 0, count: 256)
        var classes = 1
        for keyword in list {
            // At most 230 distinct bytes after folding, so classes fit in a UInt8.
            for b in keyword where classOf[Int(b)] == 0 {
                classOf[Int(b)] = UInt8(classes)
                if ASCII.isLower(b) { classOf[Int(b) - 0x20] = UInt8(classes) }
                classes += 1
            }
        }
        // Trie.
        var children: [[Int32]] = [[Int32](repeating: -1, count: classes)]
        var ends: [[Int32]] = [[]]
        for (index, keyword) in list.enumerated() {
            var state = 0
            for b in keyword {
                let c = Int(classOf[Int(b)])
                if children[state][c] < 0 {
                    children[state][c] = Int32(children.count)
                    children.append([Int32](repeating: -1, count: classes))
                    ends.append([])
                }
                state = Int(children[state][c])
            }
            ends[state].append(Int32(index))
        }
        // Breadth-first: failure links become DFA transitions; outputs inherit along them.
        var table = [Int32](repeating: 0, count: children.count * classes)
        var fail = [Int32](repeating: 0, count: children.count)
        var queue: [Int] = []
        for c in 0..<classes {
            let child = children[0][c]
            if child >= 0 {
                table[c] = child
                queue.append(Int(child))
            }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            ends[state] += ends[Int(fail[state])]
            for c in 0..<classes {
                let child = children[state][c]
                let viaFail = table[Int(fail[state]) * classes + c]
                if child >= 0 {
                    fail[Int(child)] = viaFail
                    table[state * classes + c] = child
                    queue.append(Int(child))
                } else {
                    table[state * classes + c] = viaFail
                }
            }
        }
        var starts: [Int32] = [0]
        var flat: [Int32] = []
        for state in 0..<children.count {
            flat += ends[state]
            starts.append(Int32(flat.count))
        }
        self.byteClass = classOf
        self.classCount = classes
        self.transitions = table
        self.outputStart = starts
        self.outputs = flat
        self.keywordLengths = list.map(\.count)
        self.boundedStart = list.map { $0.first.map(ASCII.isWord) ?? false }
        self.boundedEnd = list.map { $0.last.map(ASCII.isWord) ?? false }
    }

    /// The automaton's position in a text; reads the tables through unsafe pointers so the
    /// per-byte step has no bounds checks. Valid only inside `withStepper`.
    struct Stepper {
        fileprivate let table: UnsafeBufferPointer<Int32>
        fileprivate let classes: UnsafeBufferPointer<UInt8>
        fileprivate let starts: UnsafeBufferPointer<Int32>
        fileprivate let width: Int
        fileprivate(set) var state = 0

        /// Advances over `byte`; true when some keyword may end here (call `report`).
        @inline(__always) mutating func step(_ byte: UInt8) -> Bool {
            state = Int(table[state &* width &+ Int(classes[Int(byte)])])
            return starts[state] != starts[state &+ 1]
        }
    }

    func withStepper<R>(_ body: (inout Stepper) -> R) -> R {
        transitions.withUnsafeBufferPointer { table in
            byteClass.withUnsafeBufferPointer { classes in
                outputStart.withUnsafeBufferPointer { starts in
                    var stepper = Stepper(table: table, classes: classes, starts: starts, width: classCount)
                    return body(&stepper)
                }
            }
        }
    }

    /// Reports the keywords ending at `i` (where `stepper` just stepped), checking word edges.
    func report(_ stepper: Stepper, _ p: ScanBuffer, _ i: Int, _ found: (Range<Int>) -> Void) {
        for k in Int(outputStart[stepper.state])..<Int(outputStart[stepper.state + 1]) {
            let keyword = Int(outputs[k])
            let start = i + 1 - keywordLengths[keyword]
            if boundedStart[keyword], ASCII.isWord(p.at(start - 1)) { continue }
            if boundedEnd[keyword], ASCII.isWord(p.at(i + 1)) { continue }
            found(start..<(i + 1))
        }
    }

    /// All keyword occurrences in `p` (standalone use; the scanner steps inside its own loop).
    func scan(_ p: ScanBuffer) -> [Range<Int>] {
        var found: [Range<Int>] = []
        withStepper { stepper in
            for i in 0..<p.count where stepper.step(p[i]) { report(stepper, p, i) { found.append($0) } }
        }
        return found
    }
}
