/// Which build of AAM is running: the release version (kept here, raised by hand at a release)
/// and the git revision it was built from. The revision is stamped at build time by the
/// `BuildRevision` plugin into the `AAMBuildInfo` module, which only the executables import
/// (so a new commit relinks two binaries instead of recompiling the server); `aamd` hands it
/// to the gateway through `DaemonOptions.build`. A build without git metadata (a source
/// tarball) says `unknown`.
public struct BuildIdentity: Sendable, Hashable {
    /// The release version of this source tree.
    public static let releaseVersion = "0.17.0"
    /// What a build without git metadata reports as its revision.
    public static let unknownRevision = "unknown"

    public var version: String
    /// An abbreviated commit id, or `unknown`.
    public var revision: String
    /// Whether tracked files differed from that commit when it was built.
    public var dirty: Bool

    public init(version: String = BuildIdentity.releaseVersion, revision: String = BuildIdentity.unknownRevision, dirty: Bool = false) {
        self.version = version
        self.revision = revision
        self.dirty = dirty
    }

    /// What `--version` prints: `aamd 0.17.0 (git 1a2b3c4, dirty)`, `aamd 0.17.0 (git unknown)`.
    public func versionLine(program: String) -> String {
        "\(program) \(version) (git \(revision)\(dirty && revision != Self.unknownRevision ? ", dirty" : ""))"
    }

    /// The revision as one label value, `git describe --dirty` style: `1a2b3c4-dirty`.
    public var revisionLabel: String {
        dirty && revision != Self.unknownRevision ? "\(revision)-dirty" : revision
    }
}
