import AAMCore

extension BuildIdentity {
    /// This build: the release version and the git revision stamped at build time
    /// (`stampedRevision`, `stampedTreeDirty` come from the file the BuildRevision plugin
    /// generates; see scripts/build-revision).
    public static let stamped = BuildIdentity(revision: stampedRevision, dirty: stampedTreeDirty)
}
