import Foundation
import Testing

/// A real nginx, run as a child process from the shipped `deploy/nginx/aam-replicas.conf` with
/// only the site-specific lines substituted (replica addresses, listen port, user, pid and log
/// paths), so the test exercises the file operators copy. Stopped by its pid in `stop()` (and
/// killed in `deinit` if a test failed before that).
final class NginxProcess: Sendable {
    /// The nginx binary, when installed (Debian puts it in /usr/sbin).
    static let binary: String? = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// deploy/nginx/aam-replicas.conf of this checkout (this file is Tests/AAMServerTests/Cluster/…).
    static var templatePath: String {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { root.deleteLastPathComponent() }
        return root.appendingPathComponent("deploy/nginx/aam-replicas.conf").path
    }

    let process: Process
    let directory: String
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }
    var accessLog: String { (try? String(contentsOfFile: directory + "/aam-replicas.access.log", encoding: .utf8)) ?? "" }
    var errorLog: String { (try? String(contentsOfFile: directory + "/aam-replicas.error.log", encoding: .utf8)) ?? "" }

    private init(process: Process, directory: String, port: Int) {
        self.process = process
        self.directory = directory
        self.port = port
    }

    /// The template with the replicas (HOST:PORT each), the listen port and the run directory
    /// filled in. Every substitution must match the template exactly as expected: a template
    /// that drifted from what this test knows fails here instead of testing something else.
    static func render(template: String, replicas: [String], port: Int, directory: String, root: Bool) throws -> String {
        var lines = template.components(separatedBy: "\n")
        func replaceOne(_ description: String, where matches: (String) -> Bool, with replacement: [String]) throws {
            let found = lines.indices.filter { matches(lines[$0]) }
            guard found.count == 1, let index = found.first else {
                throw HarnessError("the nginx template has \(found.count) \(description) lines, expected exactly 1")
            }
            lines.replaceSubrange(index...index, with: replacement)
        }
        // Replica lines: the template's first server line, with each replica's address.
        guard let begin = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "# BEGIN replicas" }),
            let end = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "# END replicas" }), begin < end,
            let model = lines[(begin + 1)..<end].first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("server ") })
        else { throw HarnessError("the nginx template has no '# BEGIN replicas' … '# END replicas' block with a server line") }
        guard let address = model.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first else {
            throw HarnessError("the nginx template's server line has no address: \(model)")
        }
        let servers = replicas.map { model.replacingOccurrences(of: String(address), with: $0) }
        lines.replaceSubrange((begin + 1)..<end, with: servers)
        // Workers drop root to an unprivileged user only when nginx starts as root (CI does);
        // otherwise the directive is meaningless and nginx warns about it.
        try replaceOne("'user'", where: { $0.hasPrefix("user ") }, with: root ? ["user nobody nogroup;"] : [])
        // The pid file is given on the command line (-g), where a second `pid` is an error.
        try replaceOne("'pid'", where: { $0.hasPrefix("pid ") }, with: [])
        try replaceOne("'listen'", where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("listen ") }, with: ["        listen 127.0.0.1:\(port);"])
        return lines.joined(separator: "\n").replacingOccurrences(of: "/var/log/nginx/", with: directory + "/")
    }

    /// Starts nginx in front of `replicas` (HOST:PORT) on a free loopback port below the
    /// ephemeral range (a port-0 listener elsewhere in the run cannot be handed it), and
    /// returns once it listens: nginx writes its pid file only after binding its sockets.
    static func start(replicas: [String]) async throws -> NginxProcess {
        let binary = try #require(binary, "nginx is not installed (apt-get install nginx)")
        let template = try String(contentsOfFile: templatePath, encoding: .utf8)
        var failures: [String] = []
        for _ in 0..<5 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-nginx-\(UUID().uuidString.prefix(12))").path
            // 0755: workers (nobody) create and read their temp files under it.
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            let port = Int.random(in: 20000..<32000)
            let config = try render(template: template, replicas: replicas, port: port, directory: directory, root: geteuid() == 0)
            try config.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["-p", directory + "/", "-e", directory + "/startup.log", "-c", directory + "/nginx.conf", "-g", "daemon off; pid \(directory)/nginx.pid;"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let nginx = NginxProcess(process: process, directory: directory, port: port)
            if try await nginx.awaitListening() { return nginx }
            let log = (try? String(contentsOfFile: directory + "/startup.log", encoding: .utf8)) ?? ""
            failures.append(log + nginx.errorLog)
            await nginx.stop()
            // Another process held the port: try another. Anything else is a real failure.
            guard log.contains("Address already in use") || nginx.errorLog.contains("Address already in use") else { break }
        }
        throw HarnessError("nginx did not start: \(failures.joined(separator: "\n---\n"))")
    }

    /// True once the pid file holds this process's pid (sockets bound); false if nginx exited.
    private func awaitListening(limit: Duration = .seconds(20)) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        let expected = String(process.processIdentifier)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { return false }
            let written = (try? String(contentsOfFile: directory + "/nginx.pid", encoding: .utf8)) ?? ""
            if written.trimmingCharacters(in: .whitespacesAndNewlines) == expected { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError("nginx did not write its pid file within \(limit)")
    }

    /// Fast shutdown (SIGTERM to the master, which stops its workers) by pid, waited for; if
    /// it overstays, SIGKILL to the master and to its workers by their pids (a killed master
    /// leaves its workers running, still holding the port).
    func stop() async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { killHard() }
    }

    private func killHard() {
        let workers = Self.children(of: process.processIdentifier)
        kill(process.processIdentifier, SIGKILL)
        for worker in workers { kill(worker, SIGKILL) }
        process.waitUntilExit()
    }

    /// Pids whose parent is `parent` (from /proc/PID/stat: "pid (comm) state ppid …").
    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.range(of: ")", options: .backwards)
            else { return nil }
            let fields = stat[close.upperBound...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent ? pid : nil
        }
    }

    func removeDirectory() { try? FileManager.default.removeItem(atPath: directory) }

    deinit {
        if process.isRunning { killHard() }
    }
}
