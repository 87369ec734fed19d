import AAMCore
import AAMProviders

/// The only place a vendor credential becomes a request header, for every upstream client
/// (AsyncHTTPClient and the SwiftNIO one write exactly the same field): the vendor's dialect
/// names the field.
enum UpstreamCredentialHeader {
    /// The header name and value that carry `credential` in `wire`'s dialect.
    static func field(for wire: ProviderProtocol, credential: SecretValue) -> (name: String, value: String) {
        wire.dialect.credentialField(credential)
    }
}
