import AAMConfig
import AAMServer
import AsyncHTTPClient
import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1

/// `aam policy check|apply|explain|list`: AgentPolicy files offline and through the admin API.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Agent policies (AgentPolicy, access.envisionai.dev/v1).",
        subcommands: [Check.self, Apply.self, Explain.self, List.self, Delete.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a policy file offline; errors name file, line, column and field.")
        @Option(name: .shortAndLong, help: "The AgentPolicy file (YAML or JSON).") var file: String

        func run() async throws {
            do {
                let policy = try PolicyLoader.load(path: file)
                let models = policy.models?.allow.count ?? 0
                print("OK: policy \(policy.name) (\(policy.tools.count) tool\(policy.tools.count == 1 ? "" : "s"), \(models) model\(models == 1 ? "" : "s"))")
            } catch {
                FileHandle.standardError.write(Data((error.description + "\n").utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a policy file, then apply it (PUT /admin/policies); prints the version in force.")
        @OptionGroup var admin: AdminOptions
        @Option(name: .shortAndLong, help: "The AgentPolicy file (YAML or JSON).") var file: String

        func run() async throws {
            let text: String
            do {
                // Checked locally first: the same located errors as `aam policy check`, no daemon needed.
                _ = try PolicyLoader.load(path: file)
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch let error as ConfigErrors {
                FileHandle.standardError.write(Data((error.description + "\n").utf8))
                throw ExitCode(1)
            }
            let contentType = file.lowercased().hasSuffix(".json") ? "application/json" : "application/yaml"
            let reply = try await PolicyHTTP.send(admin: admin, method: .PUT, path: "/admin/policies", body: Array(text.utf8), contentType: contentType)
            guard (200..<300).contains(reply.status), let object = reply.json as? [String: Any] else {
                FileHandle.standardError.write(Data("aam policy apply: \(PolicyHTTP.failure(reply))\n".utf8))
                throw ExitCode(1)
            }
            let name = object["name"] as? String ?? "?"
            let version = object["version"] as? Int ?? 0
            let mode = object["mode"] as? String ?? "?"
            let what = (object["created"] as? Bool) == true ? "created" : (object["changed"] as? Bool) == true ? "updated" : "unchanged"
            print("policy \(name) \(what): version \(version), mode \(mode)")
        }
    }

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Would a workload be allowed this model or this action on this resource, and which rule decides (dry run).")
        @OptionGroup var admin: AdminOptions
        @Option(name: .customLong("spiffe-id"), help: "The workload's SPIFFE ID.") var spiffeId: String
        @Option(help: "A model alias (for a model call).") var model: String?
        @Option(help: "A business resource (for a tool action).") var resource: String?
        @Option(help: "The action on the resource.") var action: String?
        @Option(help: "The action's arguments as a JSON object.") var arguments: String?

        func validate() throws {
            if model == nil, resource == nil || action == nil {
                throw ValidationError("give --model, or --resource and --action")
            }
            if model != nil, resource != nil || action != nil || arguments != nil {
                throw ValidationError("--model cannot be combined with --resource, --action or --arguments")
            }
        }

        func run() async throws {
            var body: [String: Any] = ["spiffeId": spiffeId]
            if let model { body["model"] = model }
            if let resource { body["resource"] = resource }
            if let action { body["action"] = action }
            if let arguments {
                guard let parsed = try? JSONSerialization.jsonObject(with: Data(arguments.utf8), options: [.fragmentsAllowed]) else {
                    throw ValidationError("--arguments is not valid JSON")
                }
                body["arguments"] = parsed
            }
            let bytes = Array(try JSONSerialization.data(withJSONObject: body))
            let reply = try await PolicyHTTP.send(admin: admin, method: .POST, path: "/admin/policies/evaluate", body: bytes, contentType: "application/json")
            guard reply.status == 200, let object = reply.json as? [String: Any] else {
                FileHandle.standardError.write(Data("aam policy explain: \(PolicyHTTP.failure(reply))\n".utf8))
                throw ExitCode(1)
            }
            print((object["decision"] as? String ?? "?").uppercased() + ": " + (object["explanation"] as? String ?? ""))
            // A script can test the exit code: 0 allowed, 3 denied.
            if object["decision"] as? String != "allow" { throw ExitCode(3) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the policies in force with their version, mode and workload.")
        @OptionGroup var admin: AdminOptions
        @OptionGroup var output: OutputOptions
        static let columns: [CLITable.Column] = [
            .init("NAME", field: "name"), .init("VERSION", field: "version"), .init("MODE", field: "mode"), .init("WORKLOAD", field: "workload"),
            .init("MODELS", field: "models"), .init("TOOLS", field: "tools"), .init("DAILY BUDGET USD", field: "dailyBudgetUSD"),
            .init("UPDATED", field: "updatedAt"),
        ]
        func run() async throws {
            output.emit(try await AdminClient(options: admin).expect(.GET, "/admin/policies"), Self.columns, empty: "no policies")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a policy.")
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The policy's name.") var name: String
        func run() async throws {
            _ = try await AdminClient(options: admin).expect(.DELETE, "/admin/policies/\(name)")
            print("policy \(name) deleted")
        }
    }
}

/// Raw-body admin requests (the shared client speaks JSON only; a policy goes as YAML).
enum PolicyHTTP {
    static func send(admin: AdminOptions, method: HTTPMethod, path: String, body: [UInt8], contentType: String) async throws -> AdminClient.Reply {
        var request = HTTPClientRequest(url: admin.url + path)
        request.method = method
        if let token = ProcessInfo.processInfo.environment[admin.tokenEnv] {
            request.headers.add(name: "authorization", value: "Bearer \(token)")
        }
        request.headers.add(name: "x-aam-actor-channel", value: "cli")
        request.headers.add(name: "x-aam-operator", value: CLIOperator.name)
        request.headers.add(name: "content-type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await AdminReachability.execute(request, baseURL: admin.url, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 16 << 20)
        return AdminClient.Reply(status: Int(response.status.code), body: Array(collected.readableBytesView))
    }

    /// The admin error's message (which names the field), or the raw reply.
    static func failure(_ reply: AdminClient.Reply) -> String {
        let error = (reply.json as? [String: Any])?["error"] as? [String: Any]
        return "\(reply.status): " + (error?["message"] as? String ?? reply.text)
    }
}
