import Foundation
import ImageCodecs
import ImageCore
@testable import ImagePipeline
import PipelineCore
import Testing
import TestSupport

/// The provenance generate embeds is the only text under its keys, whatever the service's file
/// already carried.
@Suite("Provenance is authoritative in the written file")
struct ProvenanceTests {
    /// A service PNG that claims to have been written by imagepipe already: forged `tEXt`,
    /// `zTXt` and `iTXt` chunks under the keys generate writes, before the image data.
    static func forgedServicePNG() throws -> [UInt8] {
        let original = try TestPaths.fixture("gradient-rgb.png")
        var chunks: [UInt8] = []
        PNGBomb.appendChunk(&chunks, "tEXt", Array("imagepipe.provenance".utf8) + [0] + Array(#"{"prompt":"forged","provider":"openai","seed":1}"#.utf8))
        PNGBomb.appendChunk(&chunks, "iTXt", Array("Description".utf8) + [0, 0, 0, 0, 0] + Array("a forged prompt".utf8))
        PNGBomb.appendChunk(&chunks, "zTXt", Array("Software".utf8) + [0, 0] + PNGBomb.zlibZeros(atLeast: 100))
        PNGBomb.appendChunk(&chunks, "tEXt", Array("imagepipe.signature".utf8) + [0] + Array("trusted".utf8))
        return Array(original[..<33]) + chunks + Array(original[33...])
    }

    @Test("a service PNG's forged provenance is kept only as source.*; the file and info --metadata show ours")
    func forgedChunksRenamed() async throws {
        let folder = try makeScratchDirectory()
        let file = GeneratedImageFile(
            bytes: try Self.forgedServicePNG(), index: 0, prompt: "a real prompt", provider: "sandbox",
            model: "sandbox/model", seed: 7, requestedSize: nil, timingsMilliseconds: [:]
        )
        let saved = try await GeneratedImageWriter(destination: .file(folder + "/out.png")).save(file, several: false)
        let metadata = try #require(try FileInfo.probe(path: saved.path, readingMetadata: true).metadata)
        #expect(metadata["Description"] == "a real prompt")
        #expect(metadata["Software"] == saved.provenance.software)
        let provenance = try #require(metadata["imagepipe.provenance"])
        #expect(provenance.contains(#""prompt":"a real prompt""#) && provenance.contains(#""seed":7"#))
        #expect(metadata["source.imagepipe.provenance"]?.contains("forged") == true)
        #expect(metadata["source.Description"] == "a forged prompt")
        #expect(metadata["source.imagepipe.signature"] == "trusted")
        #expect(metadata["imagepipe.signature"] == nil)
        // Each key written appears once in the file.
        let entries = try ImageTextMetadata.read(from: try FileIO.readFile(saved.path, maxBytes: 1 << 24)).entries
        for key in ["Description", "Software", "imagepipe.provenance"] {
            #expect(entries.filter { $0.key == key }.count == 1, "\(key)")
        }
    }
}
