import Foundation
import PackagePlugin

/// Stamps the git revision of this source tree into the target it is applied to (AAMBuildInfo),
/// as `stampedRevision` and `stampedTreeDirty`, by running `scripts/build-revision` before every
/// build. The script rewrites its output only when the revision or the dirty state changed, so
/// an unchanged tree builds as fast as without the plugin. A prebuild command may only run
/// programs that already exist (not ones this package builds): `/bin/sh` and the system git.
@main
struct BuildRevision: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let outputDirectory = context.pluginWorkDirectoryURL.appending(path: "Stamped")
        let script = context.package.directoryURL.appending(path: "scripts/build-revision")
        return [
            .prebuildCommand(
                displayName: "Stamping the git revision into \(target.name)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [
                    script.path, context.package.directoryURL.path, outputDirectory.appending(path: "BuildRevision.swift").path,
                ],
                outputFilesDirectory: outputDirectory)
        ]
    }
}
