import ArgumentParser

/// `imagepipe`: from image-generation API responses to verified, transcoded files.
@main
struct Imagepipe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imagepipe",
        abstract: "Turn image files (and, soon, image-generation API responses) into verified, transcoded files.",
        version: "0.1.0",
        subcommands: [Convert.self, Info.self, Bench.self, Serve.self]
    )
}
