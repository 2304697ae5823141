import ArgumentParser

/// `imagepipe`: from image-generation API responses to verified, transcoded files.
@main
struct Imagepipe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imagepipe",
        abstract: "Generate images through AI image services and turn them, and saved API responses, into verified, transcoded files.",
        version: "0.1.0",
        subcommands: [Generate.self, Edit.self, Convert.self, Gallery.self, Merge.self, Info.self, Serve.self, Bench.self]
    )
}
