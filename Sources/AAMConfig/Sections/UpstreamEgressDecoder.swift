import AAMCore
import Yams

/// Decodes a provider's `tls:` (`caFile`, `clientCert`, `clientKey`: PEM files, relative paths
/// from the config file's folder) and `proxy:` (`none` or `http://HOST:PORT`). The files are
/// read now, so a missing or non-PEM file is a config error on the field that names it.
enum UpstreamEgressDecoder {
    static let tlsFields = ["caFile", "clientCert", "clientKey"]

    static func tls(_ reader: MappingReader) -> UpstreamTLSSettings? {
        guard let node = reader.value("tls") else { return nil }
        let path = reader.path.child("tls")
        guard let tlsReader = MappingReader(node, path: path, context: reader.context, fields: tlsFields) else { return nil }
        var settings = UpstreamTLSSettings()
        var scalars: [String: ScalarValue] = [:]
        for field in tlsFields {
            guard let scalar = tlsReader.string(field) else { continue }
            scalars[field] = scalar
            let file = reader.context.referencedFile(scalar.text).read
            switch field {
            case "caFile": settings.caFile = file
            case "clientCert": settings.clientCert = file
            default: settings.clientKey = file
            }
        }
        do { try UpstreamEgressRules.check(settings) } catch {
            let field = String(error.field.dropFirst("tls.".count))
            let mark = scalars[field]?.mark ?? tlsReader.mark
            reader.context.report(path.child(field), at: mark, error.message)
            return nil
        }
        return settings.isEmpty ? nil : settings
    }

    static func proxy(_ reader: MappingReader) -> String? {
        guard let scalar = reader.string("proxy") else { return nil }
        do { try UpstreamEgressRules.checkProxy(scalar.text, outbound: reader.context.outbound) } catch {
            reader.context.report(scalar.path, at: scalar.mark, error.message)
            return nil
        }
        return scalar.text
    }
}
