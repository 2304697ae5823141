import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ObjectStorage
import PipelineCore

/// A folder or bucket named on the command line: `s3://bucket/prefix` (configured from the
/// environment as AWS tools are), else a path on this machine.
enum StorageArgument {
    static func isRemote(_ text: String) -> Bool { S3Location.isS3(text) }

    /// The storage `text` names.
    ///
    /// - Throws: `ValidationError` for a malformed `s3://` location or S3 configuration.
    static func open(_ text: String) throws -> any Storage {
        guard S3Location.isS3(text) else { return LocalStorage(root: text) }
        guard let location = S3Location(text) else {
            throw ValidationError("\(text) is not a usable s3://bucket/prefix (bucket names are 3-63 lowercase letters, digits, '-' and '.')")
        }
        do throws(PipelineError) {
            return S3Storage(location: location, configuration: try S3Configuration.fromEnvironment(ProcessInfo.processInfo.environment))
        } catch {
            throw ValidationError(error.message)
        }
    }
}
