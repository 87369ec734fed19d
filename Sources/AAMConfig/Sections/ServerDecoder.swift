import Yams

/// Decodes the `server:` section. Values are checked for shape only; the daemon applies them.
enum ServerDecoder {
    static let fields = [
        "listen", "database", "controlSocket", "maxBodyBytes", "logLevel", "logFormat",
        "trustBundles", "jwtAudience", "mtlsListen", "tlsCert", "tlsKey", "allowLoopbackUpstreams",
        "adminListen", "accessLog",
    ]

    static func decode(_ node: Node, path: FieldPath, context: DecodingContext) -> ServerSettings {
        var settings = ServerSettings()
        guard let reader = MappingReader(node, path: path, context: context, fields: fields) else { return settings }
        settings.listen = reader.string("listen").flatMap { checkListen($0, context: context) }
        // A bare port is loopback (`--admin-listen`); checked in full when aamd applies it.
        settings.adminListen = reader.string("adminListen").flatMap {
            $0.text.allSatisfy(\.isNumber) ? $0.text : checkListen($0, example: "127.0.0.1:9090", context: context)
        }
        settings.database = reader.string("database").flatMap { checkDatabase($0, context: context) }
        settings.controlSocket = reader.string("controlSocket")?.text
        settings.maxBodyBytes = reader.int("maxBodyBytes", .atLeast(1))
        settings.logLevel = reader.string("logLevel").flatMap {
            checkChoice($0, ServerSettings.logLevels, what: "log level", context: context)
        }
        settings.logFormat = reader.string("logFormat").flatMap {
            checkChoice($0, ServerSettings.logFormats, what: "log format", context: context)
        }
        settings.accessLog = reader.string("accessLog").flatMap {
            checkChoice($0, ServerSettings.accessLogs, what: "access log destination", context: context)
        }
        settings.trustBundles = reader.string("trustBundles")?.text
        settings.jwtAudience = reader.string("jwtAudience", required: reader.value("jwtAudience") != nil)?.text
        settings.mtlsListen = reader.string("mtlsListen").flatMap { checkListen($0, example: "127.0.0.1:8443", context: context) }
        settings.tlsCert = reader.string("tlsCert")?.text
        settings.tlsKey = reader.string("tlsKey")?.text
        if let scalar = reader.string("allowLoopbackUpstreams") {
            switch scalar.text.lowercased() {
            case "true": settings.allowLoopbackUpstreams = true
            case "false": settings.allowLoopbackUpstreams = false
            default: context.report(scalar.path, at: scalar.mark, "must be true or false")
            }
            // The sections after `server:` (providers, mcpServers) are checked under it.
            if settings.allowLoopbackUpstreams == true { context.outbound.allowLoopback = true }
        }
        return settings
    }

    /// `HOST:PORT` with a port in 1...65535 (`[::1]:8080` for IPv6).
    private static func checkListen(_ scalar: ScalarValue, example: String = "127.0.0.1:8080", context: DecodingContext) -> String? {
        let text = scalar.text
        if let colon = text.lastIndex(of: ":"), colon != text.startIndex,
            let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port)
        {
            return text
        }
        context.report(
            scalar.path, at: scalar.mark,
            "invalid listen address \(scalar.display) (expected HOST:PORT, e.g. \(example))")
        return nil
    }

    /// `sqlite:PATH` or a `postgres://` URL. The value is not echoed: it may hold a password.
    private static func checkDatabase(_ scalar: ScalarValue, context: DecodingContext) -> String? {
        let text = scalar.text
        let isSQLite = text.hasPrefix("sqlite:") && text.count > "sqlite:".count
        let isPostgres = text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
        guard isSQLite || isPostgres else {
            context.report(
                scalar.path, at: scalar.mark,
                "unsupported database URL (expected sqlite:PATH or postgres://USER[:PASS]@HOST:PORT/DB)")
            return nil
        }
        return text
    }

    private static func checkChoice(
        _ scalar: ScalarValue, _ choices: [String], what: String, context: DecodingContext
    ) -> String? {
        guard choices.contains(scalar.text) else {
            context.report(
                scalar.path, at: scalar.mark,
                "unknown \(what) \(scalar.display) (expected one of \(choices.joined(separator: ", ")))")
            return nil
        }
        return scalar.text
    }
}
