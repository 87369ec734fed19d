import Foundation

/// Blocking writes of whole buffers to a file descriptor (stderr, stdout): one `write(2)` per
/// buffer when the kernel takes it all, so lines from concurrent writers never interleave.
enum FileDescriptorWriter {
    /// Writes every byte, retrying on EINTR and short writes; gives up silently on any other
    /// error (a closed stderr must not stop the daemon). Returns whether everything was written.
    @discardableResult
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return true }
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(descriptor, base + offset, raw.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
    }
}
