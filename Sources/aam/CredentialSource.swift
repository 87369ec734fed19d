import Foundation

/// Reads a secret an `aam` command sends to the admin API (an MCP server's or a provider's
/// credential) from the environment variable or the file named on the command line, never from
/// a flag's value: a flag would sit in the shell history and in `ps` for anyone on the host.
enum CredentialSource {
    /// The secret from `environment` variable `variable`, or else the file at `file` (one trailing
    /// newline is not part of it). Errors start with `command` and name the flag.
    static func read(variable: String?, file: String?, command: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> String
    {
        if let variable {
            guard let value = environment[variable], !value.isEmpty else {
                throw CLIError("\(command): --credential-env: the environment variable \(variable) is not set or empty")
            }
            return value
        }
        let path = file ?? ""
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(command): --credential-file: cannot read \(path)")
        }
        var value = String(decoding: data, as: UTF8.self)
        if value.hasSuffix("\r\n") { value.removeLast(2) } else if value.hasSuffix("\n") { value.removeLast() }
        guard !value.isEmpty else { throw CLIError("\(command): --credential-file: \(path) is empty") }
        return value
    }
}
