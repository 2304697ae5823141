import ArgumentParser
import ImageCodecs
import ImageCore
import ImageOps
import ImagePipeline
import PipelineCore

extension Imagepipe {
    struct Convert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "convert",
            abstract: "Convert PNG, WebP, JPEG and PAM files, and saved image-API responses, to PNG, WebP, JPEG or PAM.",
            discussion: """
            The output format comes from the output file's extension unless --format is given. With several \
            inputs, or an output that is a directory or ends in '/', each input goes into that directory under \
            its own name. Photos are turned upright by their EXIF orientation (--no-auto-orient keeps the \
            stored pixels) and ICC-tagged images converted to sRGB, written untagged (--keep-icc keeps and \
            embeds the profile instead). Outputs drop EXIF (GPS, serial numbers) and XMP unless --keep-metadata; \
            --strip drops the ICC profile too. Without encoder options, an input already in the output format that \
            needs neither is verified and copied unchanged. Outputs are written atomically; inputs are never overwritten; a bad input is \
            reported and the others are still converted (exit status 1 if any failed).
            """
        )

        @Argument(help: "Input files: PNG, WebP, JPEG, PAM, or saved API responses (recognised by their bytes, not their names); or one s3://bucket/prefix, for every object under it.")
        var inputs: [String]

        @Option(name: .shortAndLong, help: "Output file, or directory for several inputs, or s3://bucket/prefix.")
        var output: String

        @Option(name: .shortAndLong, help: "Output format: png, webp, jpeg or pam (default: from the output extension).")
        var format: ImageFormat?

        @OptionGroup(title: "Encoding")
        var encoding: EncodingOptions

        @OptionGroup(title: "Resizing")
        var resizing: ResizeArguments

        @OptionGroup(title: "Decoding")
        var decoding: DecodingOptions

        @OptionGroup(title: "Metadata")
        var metadata: MetadataOptions

        @Flag(help: "Refuse animated inputs instead of converting their first frame.")
        var rejectAnimation = false

        @Option(name: .shortAndLong, help: "Files converted at once (default: the number of cores).")
        var jobs: Int?

        @Flag(help: "fsync each output before renaming it into place.")
        var durable = false

        @Option(help: "Convert shard I of N (0-based: 3/16) of the inputs, by a stable hash of each input's path, into the output folder, and write OUT/results.d/part-I-of-N.jsonl (then `imagepipe merge OUT`). Default: from IMAGEPIPE_SHARD, JOB_COMPLETION_INDEX + IMAGEPIPE_SHARD_COUNT, AWS_BATCH_JOB_ARRAY_INDEX/_SIZE, CLOUD_RUN_TASK_INDEX/_COUNT or SLURM_ARRAY_TASK_*.")
        var shard: String?

        @Flag(help: "Print only errors.")
        var quiet = false

        @Flag(name: .shortAndLong, help: "Add error codes and byte offsets to error lines, and say what each output kept of its source's metadata and colour.")
        var verbose = false

        func run() async throws {
            MemoryTuning.forImageBatches()
            defer { Report.resourcesIfRequested() }
            // A bucket prefix as the input: every object under it, read from the bucket; a bucket
            // as the output: a folder of it.
            var inputs = self.inputs
            var inputStorage: (any Storage)?
            if inputs.contains(where: StorageArgument.isRemote) {
                guard inputs.count == 1 else { throw ValidationError("give one s3://bucket/prefix as the input, or local files, not both") }
                let storage = try StorageArgument.open(inputs[0])
                do throws(PipelineError) {
                    inputs = try await storage.list(under: "").entries.map(\.key)
                } catch {
                    throw ValidationError(error.description)
                }
                guard !inputs.isEmpty else { throw ValidationError("\(self.inputs[0]) holds no objects") }
                inputStorage = storage
            }
            let remoteOutput = StorageArgument.isRemote(output)
            var job: ConvertJob
            do throws(PipelineError) {
                job = try ConvertJob(
                    // A bucket output is planned as a folder, then pointed at the bucket below.
                    inputs: inputs, output: remoteOutput ? "./" : output,
                    format: format, encoding: encoding.settings,
                    decoder: decoding.decoder(animation: rejectAnimation ? .reject : .firstFrame)
                )
            } catch {
                throw ValidationError(error.description)
            }
            if let inputStorage { job.storage = inputStorage }
            if remoteOutput {
                job.outputs = try StorageArgument.open(output)
                job.destination = .directory("")
            } else if inputStorage != nil {
                job.outputs = LocalStorage.paths
            }
            try metadata.configure(&job.decoder, decoding: decoding)
            job.metadata = metadata.policy
            if let jobs { job.concurrency = jobs }
            let shard = try ShardOption.resolve(shard, quiet: quiet)
            if let shard {
                guard case .directory = job.destination else {
                    throw ValidationError("a sharded convert writes into a folder: give -o a folder (ending in /)")
                }
                job.shard = shard
            }
            job.geometry = resizing.geometry
            job.filter = resizing.filter
            // Several files already use every core (one file each); a single file splits its decode
            // and resize instead.
            job.resizeOptions = ResizeOptions(linearLight: resizing.linearLight, threads: inputs.count == 1 ? 0 : 1)
            job.decoder.threads = inputs.count == 1 ? 0 : 1
            job.durable = durable
            // Objects are shown by their s3:// locations.
            let (inputsShown, outputsShown): (any Storage, any Storage) = (job.storage, job.outputs ?? job.storage)
            let shownRemote = inputStorage != nil || remoteOutput
            let (quiet, verbose, configured) = (quiet, verbose, job)
            // Ctrl-C: the files in flight finish, no new one starts, no temporary file is left.
            let (results, interrupted) = await Interruption.cancellingOnSignals {
                await configured.run { result in
                    switch result.outcome {
                    case .success(let file):
                        if !quiet {
                            var shown = file
                            if shownRemote {
                                shown.input = inputsShown.path(of: file.input)
                                shown.output = outputsShown.path(of: file.output)
                            }
                            Report.output(Report.line(for: shown))
                        }
                        if file.acceptedDamage > 0 {
                            Report.warn("\(file.input): damaged or cut-short JPEG data accepted with --lenient (\(file.acceptedDamage) libjpeg warning\(file.acceptedDamage == 1 ? "" : "s"); missing rows are grey)")
                        }
                        if case .ignored(let reason) = file.colorOutcome {
                            Report.warn("\(file.input): colour profile not applied (\(reason)); pixels treated as sRGB")
                        } else if verbose, case .converted = file.colorOutcome {
                            Report.note("\(file.input): \(file.colorOutcome)")
                        }
                        if verbose && file.appliedOrientation != .up {
                            Report.note("\(file.input): turned upright by its EXIF orientation \(file.appliedOrientation)")
                        }
                        if verbose && !file.metadata.isEmpty {
                            Report.note("\(file.input): \(file.metadata)")
                        }
                        if let dropped = file.droppedFrames, dropped > 0 {
                            Report.warn("\(file.input): animated, only the first of \(dropped + 1) frames was converted")
                        } else if file.wasCopied && file.source.isAnimated && !quiet {
                            Report.note("\(file.input): animated, all \(file.source.frameCount.map(String.init) ?? "its") frames kept (copied unchanged)")
                        }
                    case .failure(let error) where error.code == .cancelled:
                        break  // counted in the summary
                    case .failure(let error):
                        Report.error(error, verbose: verbose)
                    }
                }
            }
            if let shard, !interrupted, case .directory(let folder) = job.destination {
                let partStorage: any Storage = remoteOutput ? try StorageArgument.open(output) : LocalStorage(root: folder)
                do throws(PipelineError) {
                    try await ResultParts.write(results.map(ConvertResultLine.init).map(\.json), shard: shard, to: partStorage)
                } catch {
                    Report.error(error, verbose: verbose)
                    throw ExitCode.failure
                }
            }
            let failures: [PipelineError] = results.compactMap { if case .failure(let error) = $0.outcome { error } else { nil } }
            let failed = failures.filter { $0.code != .cancelled }.count
            let converted = results.count - failures.count
            if interrupted {
                Report.note("converted \(converted) image\(converted == 1 ? "" : "s")" + (failed > 0 ? ", \(failed) failed" : "")
                    + "; interrupted, the other inputs were not converted")
                throw ExitCode(130)
            }
            if results.count > 1 || failed > 0 {
                Report.note("converted \(converted) of \(results.count) images" + (failed > 0 ? ", \(failed) failed" : ""))
            }
            if failed > 0 { throw ExitCode.failure }
        }
    }
}

/// One line of a sharded convert's results part: an input (its shard key) and what became of it.
private struct ConvertResultLine: Encodable {
    var key: String
    var input: String
    var output: String?
    var format: String?
    var bytes: Int?
    var image: Int?
    var error: String?
    var code: String?

    init(_ result: ConversionResult) {
        key = result.input
        input = result.input
        switch result.outcome {
        case .success(let file):
            output = file.output
            format = file.outputFormat.fileExtension
            bytes = file.outputBytes
            image = file.imageIndex
        case .failure(let failure):
            error = failure.description
            code = failure.code.description
        }
    }

    var json: String { (try? StableJSON.line(self)) ?? "{}" }
}
