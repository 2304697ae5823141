import ColorManagement
import Foundation
import ImageCodecs
import ImageCore
import Testing
import TestSupport

/// ICC profiles to sRGB with LittleCMS, against the conformance set's (d) rows: each tagged file
/// decodes to its expected sRGB conversion within the README's tolerances, for both intents; an
/// sRGB-tagged file is untouched; `keepProfile` keeps pixels and profile, and the profile goes
/// into PNG, WebP and JPEG output.
@Suite("Colour management (LittleCMS)")
struct ColorManagementTests {
    typealias Row = OrientationTests.Row
    static let converted = OrientationTests.iccRows.filter { $0.fields["expect"] != nil }
    static let present = TestPaths.jpegConformance != nil

    static func bytes(_ file: String) throws -> [UInt8] { try OrientationTests.bytes(file) }

    static func decoder(_ color: ColorHandling) -> ImageDecoder {
        var decoder = ImageDecoder()
        decoder.color = color
        return decoder
    }

    @Test("every ICC-tagged file converts to the expected sRGB, relative and perceptual, within the README's tolerances; ignoring the profile would fail them",
          .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"), arguments: converted)
    func convertsToSRGB(_ row: Row) throws {
        let expected = try #require(row.fields["expect"]).split(separator: ",").map(String.init)
        let bytes = try Self.bytes(row.file)
        let ignored = try Self.decoder(.keepProfile).decode(bytes)
        let embedded = try #require(EmbeddedMetadata.read(from: bytes).iccProfile)
        let profile = try #require(ICCProfile(embedded))
        for (intent, name) in zip([RenderingIntent.relative, .perceptual], expected) {
            let decoded = try bytes.withUnsafeBytes { try Self.decoder(.convertToSRGB(intent)).decodeWithInfo($0) }
            let reference = try ImageDecoder().decode(try Self.bytes(name)).converted(to: .rgb8)
            #expect(decoded.colorOutcome == .converted(profile: profile.name, intent: intent))
            if row.file.contains("cmyk") {
                let (mean, largest) = deltaE2000(decoded.image, reference)
                if intent == .relative {
                    #expect(mean <= 0.5 && largest <= 3, "\(row.file) \(intent): mean dE00 \(mean), max \(largest)")
                } else {
                    #expect(mean <= 2, "\(row.file) \(intent): mean dE00 \(mean)")
                }
            } else {
                #expect(maxAbsoluteDifference(decoded.image, reference) <= 2, "\(row.file) \(intent): \(maxAbsoluteDifference(decoded.image, reference))")
                #expect(maxAbsoluteDifference(ignored, reference) > 2, "the test would catch an ignored profile")
            }
        }
        #expect(try ImageDecoder().probe(bytes).colorSpace?.hasPrefix("ICC profile") == true)
    }

    @Test("an sRGB-tagged file is left exactly as decoded", .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func sRGBUntouched() throws {
        let row = try #require(OrientationTests.iccRows.first { $0.file == "icc-srgb.jpg" })
        let decoded = try Self.bytes(row.file).withUnsafeBytes { try ImageDecoder().decodeWithInfo($0) }
        #expect(decoded.colorOutcome == .sRGB)
        #expect(SHA256.hex(of: decoded.image.bytes) == row.storedSHA256)
    }

    /// The embedded profile of a conformance or corpus file.
    static func profile(_ url: URL) throws -> ICCProfile? {
        try EmbeddedMetadata.read(from: readBytes(url)).iccProfile.flatMap { ICCProfile($0) }
    }

    @Test("an sRGB profile told from its tags is one the transform test calls sRGB; other profiles and altered sRGB ones are left to the transform",
          .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func sRGBFromTags() throws {
        let folder = try #require(TestPaths.jpegConformance)
        var profiles = try ["icc-srgb.jpg", "icc-adobergb.jpg", "icc-displayp3.jpg", "icc-gray22.jpg", "icc-cmyk-multichunk.jpg", "icc-displayp3.png", "icc-displayp3.webp"]
            .compactMap { try Self.profile(folder.appendingPathComponent($0)) }
        if let corpus = TestPaths.corpus {
            profiles += try FileManager.default.contentsOfDirectory(atPath: corpus.appendingPathComponent("jpeg").path).sorted()
                .filter { $0.hasSuffix(".jpg") }.compactMap { try Self.profile(corpus.appendingPathComponent("jpeg/\($0)")) }
        }
        let srgb = try #require(try Self.profile(folder.appendingPathComponent("icc-srgb.jpg")))
        #expect(srgb.isSRGBMatrixShaper, "LittleCMS's own sRGB profile is told from its tags")
        for profile in profiles where profile.isSRGBMatrixShaper {
            #expect(try ColorConversion.mapsToItself(profile), "\(profile.name)")
        }
        #expect(profiles.filter(\.isSRGBMatrixShaper).count < profiles.count, "wide-gamut, gray and CMYK profiles are not")
        // The same profile with a colorant or a tone curve changed a little is not (the transform decides).
        func altered(_ change: (inout [UInt8], Int) -> Void, tag: String) throws -> ICCProfile {
            var bytes = srgb.bytes
            let count = Int(bytes[128]) << 24 | Int(bytes[129]) << 16 | Int(bytes[130]) << 8 | Int(bytes[131])
            let entry = try #require((0..<count).map { 132 + $0 * 12 }.first { String(decoding: bytes[$0..<$0 + 4], as: UTF8.self) == tag })
            let offset = Int(bytes[entry + 4]) << 24 | Int(bytes[entry + 5]) << 16 | Int(bytes[entry + 6]) << 8 | Int(bytes[entry + 7])
            change(&bytes, offset)
            return try #require(ICCProfile(bytes))
        }
        let redX = try altered({ bytes, offset in bytes[offset + 10] &+= 0x01 }, tag: "rXYZ")  // X + 1/256
        let gamma = try altered({ bytes, offset in bytes[offset + 13] &+= 0x20 }, tag: "rTRC")  // the first parameter, gamma + 1/8
        #expect(!redX.isSRGBMatrixShaper && !gamma.isSRGBMatrixShaper)
        #expect(try !ColorConversion.isSRGB(redX) && !ColorConversion.isSRGB(gamma), "and the transform says they are not sRGB either")
    }

    @Test("keepProfile keeps the stored pixels and hands the profile on; it is embedded in PNG, WebP and JPEG and converts there as from the source",
          .enabled(if: present, "\(TestPaths.missing("conformance/jpeg"))"))
    func keepAndEmbed() throws {
        let source = try Self.bytes("icc-displayp3.png")
        let kept = try source.withUnsafeBytes { try Self.decoder(.keepProfile).decodeWithInfo($0) }
        let profile = try #require(kept.iccProfile)
        #expect(SHA256.hex(of: kept.image.bytes) == OrientationTests.iccRows.first { $0.file == "icc-displayp3.png" }?.storedSHA256)
        guard case .kept(let name) = kept.colorOutcome else { Issue.record("\(kept.colorOutcome)"); return }
        #expect(name.contains("P3"))
        let fromSource = try ImageDecoder().decode(source)
        for options in [EncodeOptions.png(PNGEncodeOptions()), .webp(WebPEncodeOptions(lossless: true)), .jpeg(JPEGEncodeOptions(quality: 95))] {
            let output = try ProfileEmbedding.embedding(profile, in: try kept.image.encoded(as: options))
            #expect(EmbeddedMetadata.read(from: output).iccProfile == profile, "\(options.format)")
            let again = try ImageDecoder().decode(output)
            if options.format == .jpeg {
                #expect(psnr(again, fromSource) >= 38, "\(psnr(again, fromSource)) dB")
            } else {
                #expect(again == fromSource, "\(options.format): the embedded profile converts as the source's did")
            }
            // Embedding twice replaces (PNG) rather than doubling what a reader sees.
            #expect(EmbeddedMetadata.read(from: try ProfileEmbedding.embedding(profile, in: output)).iccProfile == profile)
        }
    }

    @Test("PNG gAMA and cHRM are reported, not applied (samples as stored, as libvips, sharp and Pillow); sRGB is sRGB", .enabled(if: TestPaths.pngSuite != nil, "\(TestPaths.missing("conformance/pngsuite"))"))
    func pngColorChunks() throws {
        let folder = try #require(TestPaths.pngSuite)
        let gamma = try readBytes(folder.appendingPathComponent("g10n2c08.png"))
        let decoded = try gamma.withUnsafeBytes { try ImageDecoder().decodeWithInfo($0) }
        #expect(decoded.colorOutcome == .untagged && decoded.info.colorSpace == "PNG gAMA 1.0 (not applied)")
        #expect(decoded.image == (try PNGCodec.decode(gamma.withUnsafeBytes { UnsafeRawBufferPointer($0) })))
        let chromaticities = try readBytes(folder.appendingPathComponent("ccwn2c08.png"))
        #expect(try ImageDecoder().probe(chromaticities).colorSpace?.contains("cHRM") == true)
    }

    @Test("a profile LittleCMS cannot read is ignored with a reason, pixels as stored")
    func unreadable() throws {
        let image = try Image(size: ImageSize(width: 4, height: 4), format: .rgb8, copying: Array(repeating: 90, count: 48))
        let jpeg = try JPEGCodec.encode(image, options: JPEGEncodeOptions(quality: 100, iccProfile: Array(repeating: 0x41, count: 300)))
        let decoded = try jpeg.withUnsafeBytes { try ImageDecoder().decodeWithInfo($0) }
        guard case .ignored = decoded.colorOutcome else { Issue.record("\(decoded.colorOutcome)"); return }
        #expect(decoded.image == (try ImageDecoder(limits: .default).decode(jpeg)))
        #expect(ICCProfile(Array(repeating: 0x41, count: 300)) == nil)
        #expect(ColorConversion.libraryVersion.hasPrefix("2."))
    }
}
