import Foundation

/// Lines written straight to standard output for a command that runs until stopped
/// (`aam calls tail`): unbuffered, so each line reaches a pipe at once (stdio would hold it in
/// a 4 KiB buffer), and a reader that went away is reported (`Closed`) rather than ignored.
enum StandardOutput {
    /// Standard output's reader is gone (EPIPE, or another write error): the command stops.
    struct Closed: Error {}

    /// Writes `text` and a newline to file descriptor 1. Needs SIGPIPE ignored to see EPIPE.
    static func line(_ text: String) throws {
        let bytes = Array((text + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(STDOUT_FILENO, base + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw Closed()
            }
            offset += written
        }
    }
}
