// aam-bench-policy: how long one AgentPolicy decision takes on a 1,000-rule policy set.
//
//   swift build -c release --product aam-bench-policy && .build/release/aam-bench-policy [DECISIONS]
//
// Builds 100 policies of 10 `tools` entries each (1,000 rules; ~5,000 action entries, a quarter
// of the `create` grants constrained), 80 with exact subjects and 20 with `…/*` subjects, then
// runs DECISIONS (default 1,000,000) decisions over a fixed realistic mix, in batches of 100
// timed with ContinuousClock (wall) and the thread's CPU clock (immune to other processes on a
// shared machine), and reports p50/p99 of the per-decision time in each batch. A second pass
// times 200,000 single decisions with clock_gettime to show the tail of one call. Run with
// LD_PRELOAD of a malloc counter exporting `long aam_malloc_count(void)` to also count heap
// allocations in the timed loop.
// Pure CPU on one thread: no I/O, no allocation in the engine beyond what Swift strings share.
import AAMCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

struct Generator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

func id(_ text: String) -> SPIFFEID {
    do { return try SPIFFEID(text) } catch { fatalError("invalid SPIFFE ID \(text): \(error)") }
}

let policyCount = 100
let toolsPerPolicy = 10
let resourcesPerPolicy = 40

func resource(_ policy: Int, _ tool: Int) -> String { "svc\(tool % 7).objects\((policy * toolsPerPolicy + tool) % resourcesPerPolicy + policy)" }

func makePolicies() -> [AgentPolicy] {
    var policies: [AgentPolicy] = []
    for p in 0..<policyCount {
        let subject: WorkloadSubject =
            p < 80 ? .exact(id("spiffe://prod.example.com/agent/a\(p)")) : .below(id("spiffe://prod.example.com/team\(p)"))
        var tools: [ToolGrant] = []
        for t in 0..<toolsPerPolicy {
            var grant = ToolGrant(resource: resource(p, t), actions: ["read", "search", "list", "create"], deny: ["delete", "export"])
            if t % 4 == 0 {
                var constraints = [
                    ArgumentConstraint(argument: try! ArgumentPath("amount"), test: .range(min: 0, max: 1000)),
                    ArgumentConstraint(argument: try! ArgumentPath("record.type"), test: .oneOf([.string("invoice"), .string("credit_note")])),
                ]
                if t == 8 {
                    constraints.append(ArgumentConstraint(argument: try! ArgumentPath("reference"), test: .pattern(try! ArgumentPattern("INV-[0-9]{6}"))))
                }
                grant.constraints = ["create": constraints]
            }
            tools.append(grant)
        }
        policies.append(
            AgentPolicy(
                name: "policy-\(p)", version: p % 5 + 1, subject: subject, mode: p % 10 == 9 ? .shadow : .enforce,
                models: ModelGrant(allow: ["reasoning-high", "summarization", "fast"]), dailyBudget: try! Money(dollars: 75),
                tools: tools))
    }
    // Guardrails over everything: deny purge on every resource for the whole trust domain.
    policies.append(AgentPolicy(name: "no-purge", subject: .below(id("spiffe://prod.example.com/agent")), tools: [ToolGrant(resource: "*", deny: ["purge"])]))
    return policies
}

/// A fixed mix: 40 % granted tool calls, 15 % explicit denies, 10 % not granted, 10 % constrained
/// creates (half failing), 15 % model calls with spend, 5 % pattern-only identities, 5 % unknown.
func makeRequests(count: Int) -> [DecisionRequest] {
    var random = Generator(state: 42)
    let time = Date(timeIntervalSince1970: 1_800_000_000)
    let context = DecisionContext(time: time, environment: "prod")
    let exactIDs = (0..<80).map { id("spiffe://prod.example.com/agent/a\($0)") }
    let patternIDs = (80..<policyCount).map { id("spiffe://prod.example.com/team\($0)/worker-\($0 % 3)") }
    let unknown = (0..<10).map { id("spiffe://prod.example.com/other/u\($0)") }
    let good: JSONValue = .object(["amount": .number(250), "record": .object(["type": .string("invoice")]), "reference": .string("INV-123456")])
    let bad: JSONValue = .object(["amount": .number(2500), "record": .object(["type": .string("invoice")])])
    var requests: [DecisionRequest] = []
    for _ in 0..<count {
        let roll = random.below(100)
        let p = random.below(80)
        let t = random.below(toolsPerPolicy)
        let action: RequestedAction
        var identity = exactIDs[p]
        switch roll {
        case 0..<40: action = .toolCall(resource: resource(p, t), action: ["read", "search", "list"][random.below(3)], arguments: nil)
        case 40..<55: action = .toolCall(resource: resource(p, t), action: ["delete", "export", "purge"][random.below(3)], arguments: nil)
        case 55..<65: action = .toolCall(resource: random.below(2) == 0 ? "crm.unknown\(t)" : resource(p, t), action: "update", arguments: nil)
        case 65..<75: action = .toolCall(resource: resource(p, t - t % 4), action: "create", arguments: random.below(2) == 0 ? good : bad)
        case 75..<90:
            let spend = SpendSoFar(today: Money(nanos: Int64(random.below(80)) * Money.nanosPerDollar), estimate: Money(nanos: 10_000_000))
            action = .modelCall(alias: ["reasoning-high", "summarization", "gpt-4o"][random.below(3)], spend: spend)
        case 90..<95:
            let q = random.below(policyCount - 80)
            identity = patternIDs[q]
            action = .toolCall(resource: resource(q + 80, t), action: "read", arguments: nil)
        default:
            identity = unknown[random.below(unknown.count)]
            action = .toolCall(resource: resource(p, t), action: "read", arguments: nil)
        }
        requests.append(DecisionRequest(identity: identity, action: action, context: context))
    }
    return requests
}

func percentile(_ sorted: [Double], _ q: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count) * q).rounded(.down)))]
}

func nanoseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
}

func monotonicNanos() -> UInt64 { clockNanos(CLOCK_MONOTONIC) }

/// CPU time of this thread: unlike wall time, it does not count time the core spent on other
/// processes (the dev machine's 2 cores are shared with builds).
func threadCPUNanos() -> UInt64 { clockNanos(CLOCK_THREAD_CPUTIME_ID) }

func clockNanos(_ clock: clockid_t) -> UInt64 {
    var spec = timespec()
    clock_gettime(clock, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

let decisions = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1_000_000 : 1_000_000
let policies = makePolicies()
let compileStart = ContinuousClock.now
let engine = try! PolicyEngine(policies: policies)
let compileTime = ContinuousClock.now - compileStart
let rules = policies.reduce(0) { $0 + $1.tools.count }
let actionEntries = policies.reduce(0) { $0 + $1.tools.reduce(0) { $0 + $1.actions.count + $1.deny.count } }
let requests = makeRequests(count: 8192)

// Warm-up, and the outcome mix actually exercised.
var tally: [String: Int] = [:]
for request in requests {
    let decision = engine.decide(request)
    let key = decision.effect.rawValue + " " + (decision.verdict.reason.hasPrefix("constraint_failed") ? "constraint_failed" : decision.verdict.reason)
    tally[key, default: 0] += 1
}

/// Heap allocations so far, when the process runs with an LD_PRELOAD malloc counter that
/// exports `long aam_malloc_count(void)`; nil otherwise.
func mallocCount() -> Int? {
    #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "aam_malloc_count") else { return nil }
        typealias Counter = @convention(c) () -> Int
        return unsafeBitCast(symbol, to: Counter.self)()
    #else
        return nil
    #endif
}

let batch = 100
var batchNanos: [Double] = []
batchNanos.reserveCapacity(decisions / batch)
var batchCPUNanos: [Double] = []
batchCPUNanos.reserveCapacity(decisions / batch)
var checksum = 0
var index = 0
let clock = ContinuousClock()
let mallocsBefore = mallocCount()
let totalStart = clock.now
for _ in 0..<(decisions / batch) {
    let cpuStart = threadCPUNanos()
    let start = clock.now
    for _ in 0..<batch {
        let decision = engine.decide(requests[index])
        checksum &+= decision.isAllowed ? 1 : decision.verdict.rule.utf8.count
        index = (index + 1) & (requests.count - 1)
    }
    batchNanos.append(nanoseconds(clock.now - start) / Double(batch))
    batchCPUNanos.append(Double(threadCPUNanos() - cpuStart) / Double(batch))
}
let total = clock.now - totalStart
batchCPUNanos.sort()
let mallocsDuring = mallocCount().flatMap { after in mallocsBefore.map { after - $0 } }
batchNanos.sort()

// Single decisions, each timed on its own (includes the clock's own cost, measured below).
let singles = min(200_000, decisions)
var singleNanos: [Double] = []
singleNanos.reserveCapacity(singles)
var overhead: [Double] = []
for _ in 0..<10_000 {
    let a = monotonicNanos()
    let b = monotonicNanos()
    overhead.append(Double(b - a))
}
overhead.sort()
var byKind: [String: [Double]] = [:]
for i in 0..<singles {
    let request = requests[i & (requests.count - 1)]
    let a = monotonicNanos()
    let decision = engine.decide(request)
    let b = monotonicNanos()
    checksum &+= decision.isAllowed ? 1 : 0
    singleNanos.append(Double(b - a))
    byKind[kind(request, decision), default: []].append(Double(b - a))
}
singleNanos.sort()

/// A label for the breakdown: model or tool, outcome, and whether a pattern constraint ran.
func kind(_ request: DecisionRequest, _ decision: Decision) -> String {
    var label: String
    switch request.action {
    case .modelCall: label = "model"
    case .toolCall(_, let action, let arguments):
        label = action == "create" ? "create" : "tool"
        if case .object(let members)? = arguments, members["reference"] != nil, decision.isAllowed { label += "+pattern" }
    }
    let reason = decision.verdict.reason.hasPrefix("constraint_failed") ? "constraint_failed" : decision.verdict.reason
    return label + " " + reason
}

func us(_ ns: Double) -> String { String(format: "%.3f µs", ns / 1000) }
print("aam-bench-policy")
print("  policy set: \(policies.count) policies, \(rules) tool rules, \(actionEntries) action entries; compiled in \(us(nanoseconds(compileTime)))")
print("  mix over \(requests.count) distinct requests: " + tally.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
print("  \(decisions) decisions in \(String(format: "%.3f", nanoseconds(total) / 1e9)) s: \(String(format: "%.0f", Double(decisions) / (nanoseconds(total) / 1e9))) decisions/s")
if let mallocsDuring {
    print("  heap allocations in the timed loop: \(mallocsDuring) (\(String(format: "%.4f", Double(mallocsDuring) / Double(decisions))) per decision)")
}
print("  per decision, batches of \(batch), wall (ContinuousClock): p50 \(us(percentile(batchNanos, 0.5))), p99 \(us(percentile(batchNanos, 0.99))), max \(us(batchNanos.last ?? 0))")
print("  per decision, batches of \(batch), thread CPU time: p50 \(us(percentile(batchCPUNanos, 0.5))), p99 \(us(percentile(batchCPUNanos, 0.99))), max \(us(batchCPUNanos.last ?? 0))")
print("  single decisions (\(singles), clock_gettime, clock cost p50 \(String(format: "%.0f", percentile(overhead, 0.5))) ns included): p50 \(us(percentile(singleNanos, 0.5))), p99 \(us(percentile(singleNanos, 0.99))), p99.9 \(us(percentile(singleNanos, 0.999))), max \(us(singleNanos.last ?? 0))")
for (label, values) in byKind.sorted(by: { $0.key < $1.key }) {
    let sorted = values.sorted()
    print("    \(label): \(sorted.count) decisions, p50 \(us(percentile(sorted, 0.5))), p99 \(us(percentile(sorted, 0.99)))")
}
print("  target: p99 <= 20 µs  checksum \(checksum)")
