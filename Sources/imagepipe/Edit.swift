import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GenerationJob
import ImageCodecs
import ImageGeneration
import PipelineCore

extension Imagepipe {
    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "edit",
            abstract: "Edit images with a prompt (and a mask) and save the results verified, with thumbnails and provenance.",
            discussion: """
            One request to POST /images/edits (multipart) with every IMAGE as an image[] part (at most 16; the \
            first is edited, the others are references), or with --each one request per IMAGE. The mask applies \
            to the first image: a PNG with an alpha channel, its dimensions, under 4 MB; its fully transparent \
            pixels mark where the image may change. Everything is checked before anything is sent, and the files \
            are streamed, not loaded. The provider is chosen as for generate (the sandbox without a token: its \
            edit paints the prompt's procedural image into the mask's transparent area). Results are named from \
            the first image and the prompt (photo-add-a-hat-1.png), written as generate writes them, and marked \
            in XMP as a composite with AI-generated media; the sidecar lists each input's SHA-256.
            """
        )

        @Argument(help: "The images: PNG, JPEG or WebP, each under 50 MB.")
        var images: [String] = []

        @Option(name: [.customShort("P"), .long], help: "What to change.")
        var prompt: String

        @Option(help: "A PNG with an alpha channel, the first image's size: its fully transparent pixels are where the edit goes.")
        var mask: String?

        @Option(name: .customLong("input-fidelity"), help: "high or low: how closely the result keeps the inputs' features (gpt-image-1, 1.5, 2 and later).")
        var inputFidelity: String?

        @Flag(help: "Edit each image on its own (one request per image, the same prompt and mask) instead of sending them all together.")
        var each = false

        @Option(name: [.customShort("j"), .customLong("jobs")], help: "Requests in flight at once with --each (default 4).")
        var concurrency: Int = 4

        @OptionGroup(title: "Request")
        var requests: ImageRequestOptions

        @OptionGroup(title: "Output")
        var output: GeneratedOutputOptions

        @OptionGroup(title: "Service")
        var service: ServiceOptions

        func validate() throws {
            guard !images.isEmpty else { throw ValidationError("give at least one image to edit") }
            guard !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("the prompt (-P) is empty") }
            guard concurrency >= 1 else { throw ValidationError("--jobs must be at least 1") }
            if !each && images.count > ImageEditRequest.maximumImages {
                throw ValidationError("\(images.count) images given; one edit takes at most \(ImageEditRequest.maximumImages) (use --each to edit them one by one)")
            }
        }

        func run() async throws {
            defer { Report.resourcesIfRequested() }
            var options = GenerationRequest(prompt: prompt)
            try requests.apply(to: &options)
            // Every file is read and checked before the first request goes out.
            let files: [EditImageFile]
            let maskFile: EditImageFile?
            do throws(PipelineError) {
                files = try images.map { path throws(PipelineError) in try EditImageFile.open(path) }
                maskFile = try mask.map { path throws(PipelineError) in try EditImageFile.open(path) }
            } catch {
                Report.standardError("error: \(error.description)" + (output.verbose ? " [\(error.code)]" : ""))
                throw ExitCode.failure
            }
            let groups = each ? files.map { [$0] } : [files]
            let edits = groups.map { group in
                var edit = ImageEditRequest(prompt: prompt, images: group, mask: maskFile, options: options)
                edit.inputFidelity = inputFidelity
                return edit
            }
            let writer = try output.writer(requests: edits.count)

            let choice = try await service.resolve()
            // A refusal the service would give (no edits endpoint, mask rules, 17 images) comes
            // before any request, with the file named.
            for edit in edits {
                do throws(GenerationError) { try edit.validate(for: choice.profile) } catch {
                    await choice.sandbox?.shutdown()
                    Report.standardError("error: \(error.description)" + (output.verbose ? " [\(error.code)]" : ""))
                    throw ExitCode.failure
                }
            }
            let client = service.client(for: choice)
            let job = GenerateJob(edits: edits, writer: writer, concurrency: each ? concurrency : 1)
            try await GenerationRun(output: output, requests: requests, noun: "edit").execute(job, choice: choice, client: client)
        }
    }
}
