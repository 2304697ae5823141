import ImageGeneration
import ImagePipeline
import ImageResponses
import PipelineCore

/// Downloads a `url` result at once (the services do not keep them): http(s) only, redirects
/// and size capped, content recognised by magic bytes; the URL is recorded with its query hidden.
public struct DownloadImage: Stage {
    /// The client whose download limits apply.
    public var client: GenerationClient

    /// Creates the stage.
    public init(client: GenerationClient) {
        self.client = client
    }

    public var name: String { "download" }

    public func process(_ url: String, context: inout StageContext) async throws -> GeneratedImageFile {
        let (bytes, _) = try await client.download(url)
        return GeneratedImageFile(bytes: bytes, index: 0, prompt: "", provider: client.profile.name, source: RedactedURL(url).text)
    }
}
