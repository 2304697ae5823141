import CLibWebP
import Foundation
import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// libwebp's decoder test vectors: the PAM written from our RGBA decode must reproduce
/// `dwebp -pam`'s md5 for every keyed file.
@Suite("libwebp test vectors")
struct WebPConformanceTests {
    typealias Vector = WebPVector

    static let vectors = WebPVector.keyed

    static let allWebPFiles: [String] = {
        guard let folder = TestPaths.libwebpTestData else { return [] }
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".webp") }.sorted()
    }()

    @Test("keyed vectors are present", .enabled(if: TestPaths.libwebpTestData != nil, "\(TestPaths.missing("conformance/libwebp-test-data"))"))
    func vectorsPresent() {
        #expect(Self.vectors.count >= 90)
    }

    @Test("PAM of our RGBA decode has dwebp's md5", .enabled(if: TestPaths.libwebpTestData != nil, "\(TestPaths.missing("conformance/libwebp-test-data"))"), arguments: vectors)
    func reproducesMD5(_ vector: Vector) throws {
        let bytes = try readBytes(TestPaths.libwebpTestData!.appendingPathComponent(vector.file))
        let image = try ImageDecoder(forceRGBA: true).decode(bytes)
        #expect(md5Hex(PAMCodec.encode(image)) == vector.md5)
    }

    @Test("PAM of the default decode (RGB8 for opaque images, as convert decodes) has dwebp's md5", .enabled(if: TestPaths.libwebpTestData != nil, "\(TestPaths.missing("conformance/libwebp-test-data"))"), arguments: vectors)
    func defaultDecodeReproducesMD5(_ vector: Vector) throws {
        let bytes = try readBytes(TestPaths.libwebpTestData!.appendingPathComponent(vector.file))
        let image = try ImageDecoder().decode(bytes)
        #expect(md5Hex(PAMCodec.encode(image)) == vector.md5)
    }

    @Test("a lossless image whose alpha hint says opaque keeps the transparent pixels it has", .enabled(if: TestPaths.libwebpTestData != nil, "\(TestPaths.missing("conformance/libwebp-test-data"))"))
    func alphaHintIsOnlyAHint() throws {
        let bytes = try readBytes(TestPaths.libwebpTestData!.appendingPathComponent("bad_palette_index.webp"))
        #expect(try ImageDecoder().probe(bytes).hasAlpha == false)
        let image = try ImageDecoder().decode(bytes)
        #expect(image.format == .rgba8)
        let transparent = image.withUnsafeBytes { pixels in stride(from: 3, to: pixels.count, by: 4).count { pixels[$0] == 0 } }
        #expect(transparent == 4096)
        // An opaque lossless image with the same hint still decodes to RGB8.
        let opaque = try readBytes(TestPaths.libwebpTestData!.appendingPathComponent("lossless_color_transform.webp"))
        #expect(try ImageDecoder().decode(opaque).format == .rgb8)
    }

    @Test("probe agrees with libwebp's WebPGetFeatures on every vector", .enabled(if: TestPaths.libwebpTestData != nil, "\(TestPaths.missing("conformance/libwebp-test-data"))"), arguments: allWebPFiles)
    func probeMatchesLibwebp(_ file: String) throws {
        let bytes = try readBytes(TestPaths.libwebpTestData!.appendingPathComponent(file))
        var features = WebPBitstreamFeatures()
        let status = bytes.withUnsafeBufferPointer { WebPGetFeatures($0.baseAddress, $0.count, &features) }
        guard status == VP8_STATUS_OK else {
            // libwebp cannot read this header: our probe must refuse it too, or the decode must.
            #expect(throws: ImageCodecError.self) { try ImageDecoder().decode(bytes) }
            return
        }
        let info = try ImageDecoder().probe(bytes)
        #expect(info.size == ImageSize(width: Int(features.width), height: Int(features.height)))
        #expect(info.hasAlpha == (features.has_alpha != 0))
        #expect(info.isAnimated == (features.has_animation != 0))
        if features.format == 2 { #expect(info.compression == .lossless) }
        if features.format == 1 { #expect(info.compression == .lossy) }
    }

    @Test("unkeyed vectors decode or fail with an error, never crash", .enabled(if: TestPaths.libwebpTestData != nil, "\(TestPaths.missing("conformance/libwebp-test-data"))"))
    func unkeyedDoNotCrash() throws {
        let keyed = Set(Self.vectors.map(\.file))
        for file in Self.allWebPFiles where !keyed.contains(file) {
            let bytes = try readBytes(TestPaths.libwebpTestData!.appendingPathComponent(file))
            do {
                let image = try ImageDecoder().decode(bytes)
                #expect(image.byteCount > 0)
            } catch let error as ImageCodecError {
                #expect(!error.message.isEmpty, "\(file)")
            }
        }
    }
}
