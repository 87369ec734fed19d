import AAMCore
import HTTPTypes
import Hummingbird

/// Who is making the admin change that the current task is running, when it came through the
/// admin API: set per request by `AdminRoutes.guarded`, read by `ConfigRegistry.commit` (task
/// locals follow the call into the registry actor). Changes from the config file, the console
/// or the system pass their actor explicitly and leave this unset.
enum AuditActorContext {
    @TaskLocal static var requestActor: String?
}

/// The audit actor of an admin API request.
///
/// `admin:<token id>`, where the token id is a short public fingerprint of the admin token.
/// The `aam` CLI adds `x-aam-actor-channel: cli` and `x-aam-operator: <unix user>`, giving
/// `cli:<user> via admin:<token id>`: the user is what the CLI says, the token is what was proven.
enum AdminRequestActor {
    static let channelField = HTTPField.Name("x-aam-actor-channel")!
    static let operatorField = HTTPField.Name("x-aam-operator")!

    static func resolve(_ request: Request, tokenActor: String) throws(AdminError) -> String {
        guard let channel = request.headers[channelField] else { return tokenActor }
        guard channel == "cli" else {
            throw AdminError("unknown actor channel '\(channel.prefix(20))' (the only one is 'cli')", field: "x-aam-actor-channel")
        }
        guard let user = request.headers[operatorField], isValidUser(user) else {
            throw AdminError(
                "x-aam-operator must name the local user (1-64 letters, digits, '.', '_' or '-') when x-aam-actor-channel is cli",
                field: "x-aam-operator")
        }
        return "cli:\(user) via \(tokenActor)"
    }

    static func isValidUser(_ user: String) -> Bool {
        (1...64).contains(user.utf8.count)
            && user.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == 0x2E || byte == 0x5F || byte == 0x2D
            }
    }
}
