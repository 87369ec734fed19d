import Yams

/// Decodes the `server:` section. Values are checked for shape only; the daemon applies them.
enum ServerDecoder {
    static let fields = [
        "listen", "database", "controlSocket", "maxBodyBytes", "logLevel", "logFormat",
        "trustBundles", "jwtAudience", "mtlsListen", "tlsCert", "tlsKey", "allowLoopbackUpstreams",
        "adminListen", "accessLog", "controlGroup", "clientIdleTimeout", "guardrailWindow", "upstreamClient",
        "threads", "replicaId", "durability", "spoolDir", "spoolMaxBytes", "spoolFlushMs", "anchorInterval",
        "siemSyslog", "siemSyslogTls", "siemSyslogCa", "siemHecUrl",
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
        settings.allowLoopbackUpstreams = bool(reader, "allowLoopbackUpstreams", context: context)
        // The sections after `server:` (providers, mcpServers) are checked under it.
        if settings.allowLoopbackUpstreams == true { context.outbound.allowLoopback = true }
        // The rest are checked here for shape; aamd checks their ranges when it applies them
        // (the same messages as for the flags).
        settings.controlGroup = reader.string("controlGroup")?.text
        settings.clientIdleTimeout = reader.double("clientIdleTimeout", .atLeast(0))
        settings.guardrailWindow = reader.int("guardrailWindow", .between(16, 65_536))
        settings.upstreamClient = reader.string("upstreamClient").flatMap {
            checkChoice($0, ServerSettings.upstreamClients, what: "upstream client", context: context)
        }
        settings.threads = reader.int("threads", .atLeast(0))
        settings.replicaId = reader.string("replicaId")?.text
        settings.durability = reader.string("durability").flatMap {
            checkChoice($0, ServerSettings.durabilities, what: "durability", context: context)
        }
        settings.spoolDir = reader.string("spoolDir")?.text
        settings.spoolMaxBytes = reader.string("spoolMaxBytes")?.text
        settings.spoolFlushMs = reader.int("spoolFlushMs", .between(1, 10_000))
        settings.anchorInterval = reader.double("anchorInterval", .between(1, 86_400))
        settings.siemSyslog = reader.string("siemSyslog")?.text
        settings.siemSyslogTls = bool(reader, "siemSyslogTls", context: context)
        settings.siemSyslogCa = reader.string("siemSyslogCa")?.text
        settings.siemHecUrl = reader.string("siemHecUrl")?.text
        return settings
    }

    private static func bool(_ reader: MappingReader, _ key: String, context: DecodingContext) -> Bool? {
        guard let scalar = reader.string(key) else { return nil }
        switch scalar.text.lowercased() {
        case "true": return true
        case "false": return false
        default:
            context.report(scalar.path, at: scalar.mark, "must be true or false")
            return nil
        }
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
