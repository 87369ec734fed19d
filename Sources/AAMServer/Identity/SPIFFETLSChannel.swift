import AAMCore
import AAMIdentity
import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// A Hummingbird child channel that puts TLS in front of `base` and REQUIRES a client
/// certificate, verified as an X.509-SVID (`X509SVIDVerifier`) against the current trust
/// bundles, not against OpenSSL's trust store. A peer whose SVID fails is refused in the
/// handshake; a verified peer's chain is recorded for the connection (`MTLSPeers`) and re-checked
/// on every request, so revocation and expiry reach keep-alive connections too.
/// (Hummingbird's own `HummingbirdTLS` does the same wrapping but is not a dependency here,
/// and it could not tie the verified identity to the channel.)
struct SPIFFETLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let context: NIOSSLContext
    let bundles: TrustBundleStore
    let clock: any WallClock
    let logger: Logger

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let (bundles, clock) = (self.bundles, self.clock)
        let log = self.logger
        let callback: NIOSSLCustomVerificationCallback = { certificates, promise in
            promise.completeWithTask {
                do {
                    let chain = try X509SVIDVerifier.parse(derChain: try certificates.map { try $0.toDERBytes() })
                    let snapshot = bundles.snapshot
                    let verified = try await X509SVIDVerifier.check(chain: chain, bundles: snapshot.bundles, at: clock.now())
                    // Kept with the connection: every request re-checks it (MTLSPeer).
                    MTLSPeers.shared.set(MTLSPeer(verified: verified, chain: chain, generation: snapshot.generation), for: channel)
                    return .certificateVerified
                } catch let error as SVIDError {
                    log.notice("mTLS client refused", metadata: ["reason": "\(error.description)"])
                    return .failed
                } catch {
                    log.notice("mTLS client refused", metadata: ["reason": "unreadable client certificate"])
                    return .failed
                }
            }
        }
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context, customVerificationCallback: callback))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension SPIFFETLSChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { base.responder }
}

extension HTTPServerBuilder {
    /// HTTP/1 behind mutual TLS with X.509-SVID client certificates.
    static func spiffeMTLS(
        http1 configuration: HTTP1Channel.Configuration, certificatePath: String, keyPath: String, bundles: TrustBundleStore,
        clock: any WallClock, logger: Logger
    ) throws -> HTTPServerBuilder {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem)))
        // Server side this means "request a certificate and fail without one"; the custom
        // callback replaces chain verification.
        tls.certificateVerification = .noHostnameVerification
        tls.minimumTLSVersion = .tlsv12
        let context = try NIOSSLContext(configuration: tls)
        return HTTPServerBuilder { responder in
            SPIFFETLSChannel(base: HTTP1Channel(responder: responder, configuration: configuration), context: context, bundles: bundles, clock: clock, logger: logger)
        }
    }
}
