import Foundation

/// The process figures Prometheus' conventions name (`process_cpu_seconds_total`,
/// `process_resident_memory_bytes`, `process_virtual_memory_bytes`, `process_open_fds`,
/// `process_max_fds`), as read from `/proc/self` at scrape time.
public struct ProcessStat: Sendable, Hashable {
    public var cpuSeconds: Double
    public var residentBytes: Int64
    public var virtualBytes: Int64
    public var openFileDescriptors: Int?
    public var maxFileDescriptors: Int?

    public init(cpuSeconds: Double, residentBytes: Int64, virtualBytes: Int64, openFileDescriptors: Int? = nil, maxFileDescriptors: Int? = nil) {
        self.cpuSeconds = cpuSeconds
        self.residentBytes = residentBytes
        self.virtualBytes = virtualBytes
        self.openFileDescriptors = openFileDescriptors
        self.maxFileDescriptors = maxFileDescriptors
    }

    /// Parses `/proc/self/stat` (proc(5)): the command name is in parentheses and may itself
    /// hold spaces and parentheses, so fields are counted from the last `)`. Field 14 is user
    /// time and 15 system time in clock ticks, 23 virtual size in bytes, 24 resident pages.
    /// Nil when the text is not that shape.
    public static func parse(procStat text: String, clockTicksPerSecond: Int, pageSize: Int) -> ProcessStat? {
        guard clockTicksPerSecond > 0, pageSize > 0, let close = text.lastIndex(of: ")") else { return nil }
        // After ") " the fields start at number 3 (state).
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        func field(_ number: Int) -> Int64? {
            let index = number - 3
            guard fields.indices.contains(index) else { return nil }
            return Int64(fields[index].trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard let user = field(14), let system = field(15), let virtualBytes = field(23), let pages = field(24) else { return nil }
        let (resident, overflow) = pages.multipliedReportingOverflow(by: Int64(pageSize))
        guard !overflow else { return nil }
        return ProcessStat(cpuSeconds: Double(user + system) / Double(clockTicksPerSecond), residentBytes: resident, virtualBytes: virtualBytes)
    }

    /// The `process_*` families in Prometheus text.
    public func render(into out: inout PrometheusText) {
        out.family("process_cpu_seconds_total", .counter, help: "Total user and system CPU time spent in seconds.")
        out.sample("process_cpu_seconds_total", [], cpuSeconds)
        out.family("process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.")
        out.sample("process_resident_memory_bytes", [], Double(residentBytes))
        out.family("process_virtual_memory_bytes", .gauge, help: "Virtual memory size in bytes.")
        out.sample("process_virtual_memory_bytes", [], Double(virtualBytes))
        if let openFileDescriptors {
            out.family("process_open_fds", .gauge, help: "Number of open file descriptors.")
            out.sample("process_open_fds", [], Double(openFileDescriptors))
        }
        if let maxFileDescriptors {
            out.family("process_max_fds", .gauge, help: "Maximum number of open file descriptors.")
            out.sample("process_max_fds", [], Double(maxFileDescriptors))
        }
    }
}
