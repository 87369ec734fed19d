import AAMTesting
import Foundation

/// `aam-fake-upstream`: the wire-faithful fake vendor as a process, for benchmarks and manual
/// experiments. Usage: aam-fake-upstream [--port N] [--key KEY] [--fast]
/// Prints `listening PORT` once ready; stops on SIGTERM/SIGINT.
let arguments = CommandLine.arguments
func value(_ flag: String) -> String? {
    guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let port = Int(value("--port") ?? "0") ?? 0
let key = value("--key") ?? "fake-key"
let mode: FakeUpstreamMode = arguments.contains("--fast") ? .fast : .full

signal(SIGTERM, SIG_IGN)
signal(SIGINT, SIG_IGN)
let fake = try await FakeUpstream.start(apiKey: key, port: port, mode: mode)
FileHandle.standardOutput.write(Data("listening \(fake.port)\n".utf8))
let (stops, stopper) = AsyncStream<Void>.makeStream()
let sources = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
    let source = DispatchSource.makeSignalSource(signal: number)
    source.setEventHandler { stopper.yield() }
    source.resume()
    return source
}
for await _ in stops { break }
await fake.stop()
_ = sources
