import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PipelineCore

/// `--shard I/N` and the engines' environment variables, as every sharded command reads them.
enum ShardOption {
    /// The shard to run, `nil` when the run is whole; says on standard error which shard it is
    /// and where that came from (unless `quiet`).
    ///
    /// - Throws: `ValidationError` for a malformed or inconsistent shard.
    static func resolve(_ option: String?, quiet: Bool) throws -> Shard? {
        let shard: Shard?
        do throws(Shard.Problem) {
            shard = try Shard.resolve(option: option, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.message)
        }
        guard let shard, shard.isSharded else { return nil }
        if !quiet { Report.note("shard \(shard.index) of \(shard.count) (from \(shard.origin))") }
        return shard
    }
}
