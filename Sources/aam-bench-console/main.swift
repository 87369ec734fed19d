// Console throughput benchmark (issue 7, "Speed"): can `aam console` keep up with 2,000 events/s
// using under 10% of a core? Feeds N call events, encoded as the daemon sends them
// (newline-delimited JSON), through the client's path: framing in 64 KiB reads, JSON decode,
// `ConsoleState.apply`; and renders the Live view at 10 frames per simulated second (the
// app's coalesced redraw rate), with the events spread over simulated time at 2,000/s.
// Reports CPU time of this process (CLOCK_PROCESS_CPUTIME_ID), not wall time.
//
//   swift build -c release --product aam-bench-console && .build/release/aam-bench-console [events] [width]x[height]
import AAMConsole
import AAMControlProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif

func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

let arguments = CommandLine.arguments
let eventCount = arguments.count > 1 ? max(1000, Int(arguments[1]) ?? 20_000) : 20_000
let sizeParts = (arguments.count > 2 ? arguments[2] : "120x40").split(separator: "x").compactMap { Int($0) }
let size = sizeParts.count == 2 ? ScreenSize(width: sizeParts[0], height: sizeParts[1]) : ScreenSize(width: 120, height: 40)
let targetRate = 2_000.0
let framesPerSecond = 10.0

// The daemon's side: events as bytes on the wire.
let start = Date(timeIntervalSince1970: 1_773_489_600)
let aliases = ["chat", "chat-fast", "embed", "summarize"]
let providers = ["openai", "anthropic", "azure", "cohere"]
let outcomes = [("success", 200), ("success", 200), ("success", 200), ("rejected", 429), ("upstream_error", 502)]
var wire: [UInt8] = []
for index in 0..<eventCount {
    let (outcome, status) = outcomes[index % outcomes.count]
    let call = CallRow(
        requestId: "req-\(index)", time: start.addingTimeInterval(Double(index) / targetRate), endpoint: "/v1/chat/completions",
        keyPrefix: "aam_k_\(index % 50)", scope: "acme/team\(index % 7)/proj\(index % 13)", alias: aliases[index % 4],
        provider: providers[index % 3], deployment: "\(providers[index % 3])-east", status: status, outcome: outcome,
        errorClass: outcome == "success" ? nil : "upstream_5xx", latencyMs: Double(100 + index % 900), ttftMs: 80,
        promptTokens: 200 + index % 300, completionTokens: 50 + index % 120, costUSD: "0.000\(100 + index % 800)",
        streamed: index % 2 == 0, attempts: 1, guardrails: index % 10 == 0 ? ["email:redact"] : []
    )
    wire += try ControlFraming.encode(ControlMessage.event(ControlEvent(kind: .call, call: call)))
}

// The console's side.
var state = ConsoleState(now: start, timeZone: TimeZone(identifier: "UTC")!, screenSize: size)
state.connection = .connected(nil)
// Console v2: the daemon's 15-minute trend history, so every frame draws the trend strip
// (BENCH_TRENDS=0 leaves it out, to compare).
let withTrends = ProcessInfo.processInfo.environment["BENCH_TRENDS"] != "0"
if withTrends {
    let first = Int(start.timeIntervalSince1970) / 10 - 89
    state.trends.fold(TrendHistory(intervalSeconds: 10, capacity: 90, buckets: (0..<90).map { step in
        TrendBucket(
            start: Date(timeIntervalSince1970: Double((first + step) * 10)), requests: 20_000 + step * 13 % 700, errors: step % 7,
            p95Ms: Double(200 + step * 31 % 400), spendUSD: "0.\(100 + step)",
            deployments: Dictionary(uniqueKeysWithValues: providers.map { ("\($0)-east", DeploymentTrend(attempts: 6_000, errors: step % 3, p95Ms: 250)) }))
    }))
}
var framing = ControlFraming()
let decoder = JSONDecoder()
decoder.dateDecodingStrategy = .iso8601
let readSize = 64 * 1024

var decodeSeconds = 0.0
var applySeconds = 0.0
var renderSeconds = 0.0
var frames = 0
var applied = 0
var nextFrame = start
var checksum = 0
let total0 = cpuSeconds()
var offset = 0
while offset < wire.count {
    let chunk = wire[offset..<min(offset + readSize, wire.count)]
    offset += chunk.count
    let t0 = cpuSeconds()
    let lines = try framing.append(chunk)
    var messages: [ControlMessage] = []
    messages.reserveCapacity(lines.count)
    for line in lines { messages.append(ControlFraming.decode(line, with: decoder)!) }
    let t1 = cpuSeconds()
    decodeSeconds += t1 - t0
    // Timed per read, not per event: a clock read per event would cost as much as `apply`.
    var chunkRenderSeconds = 0.0
    for message in messages {
        // Simulated arrival: 2,000 events/s (the wire's ISO 8601 times have whole seconds only);
        // a frame falls due every 100 ms and is drawn only if something changed.
        let arrival = start.addingTimeInterval(Double(applied) / targetRate)
        state.now = arrival
        state.apply(message)
        applied += 1
        if arrival >= nextFrame && state.isDirty {
            let r0 = cpuSeconds()
            let grid = ConsoleRenderer.render(state)
            state.isDirty = false
            chunkRenderSeconds += cpuSeconds() - r0
            checksum &+= grid.lines[2].count
            frames += 1
            nextFrame = nextFrame.addingTimeInterval(1 / framesPerSecond)
        }
    }
    renderSeconds += chunkRenderSeconds
    applySeconds += cpuSeconds() - t1 - chunkRenderSeconds
}
let totalSeconds = cpuSeconds() - total0
let simulatedSeconds = Double(eventCount) / targetRate
let perEvent = (decodeSeconds + applySeconds) / Double(applied)
let perFrame = renderSeconds / Double(max(1, frames))
let cpuAtTarget = perEvent * targetRate + perFrame * framesPerSecond

func fmt(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
print("aam-bench-console: \(applied) call events (\(wire.count / 1024) KiB of JSON lines), \(frames) frames at \(size.width)x\(size.height)")
print("  simulated: \(Int(targetRate)) events/s for \(fmt(simulatedSeconds)) s, redraw at most \(Int(framesPerSecond)) frames/s")
print("  CPU total            \(fmt(totalSeconds * 1000)) ms")
print("  framing + decode     \(fmt(decodeSeconds * 1e6 / Double(applied), 2)) µs/event")
print("  apply                \(fmt(applySeconds * 1e6 / Double(applied), 2)) µs/event")
print("  render (Live view)   \(fmt(perFrame * 1000, 2)) ms/frame (trend strip \(withTrends ? "on" : "off"))")
print("  capacity             \(Int(1 / perEvent)) events/s on one core (framing + decode + apply, no frames)")
print("  capacity at 10 fps   \(Int((1 - perFrame * framesPerSecond) / perEvent)) events/s on one core")
print("  CPU at 2,000 ev/s    \(fmt(cpuAtTarget * 100, 2)) % of one core (target < 10 %)")
print("  rows kept            \(state.calls.count) (ring capacity \(state.calls.capacity)); checksum \(checksum)")
