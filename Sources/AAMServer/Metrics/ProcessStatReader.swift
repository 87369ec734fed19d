import AAMCore
import Foundation

/// Reads this process's figures for `/metrics` at scrape time (Linux `/proc/self`); nil where
/// there is no procfs, so the families are simply absent.
enum ProcessStatReader {
    static func read() -> ProcessStat? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            var stat = ProcessStat.parse(procStat: text, clockTicksPerSecond: sysconf(Int32(_SC_CLK_TCK)), pageSize: Int(getpagesize()))
        else { return nil }
        // Minus the descriptor the listing itself holds open while it reads.
        stat.openFileDescriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")).map { max($0.count - 1, 0) }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {  // RLIM_INFINITY (all ones) does not import as a constant
            stat.maxFileDescriptors = Int(clamping: limit.rlim_cur)
        }
        return stat
    }
}
