import Foundation

/// Where the project's own and the shared test data live, resolved from this file's path (never
/// from the working directory).
public enum TestPaths {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Fixtures/` in the package.
    public static let fixtures = packageRoot.appendingPathComponent("Fixtures")

    /// `../shared/` beside the package root: conformance data and the corpus, not committed.
    public static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")

    /// `../shared/conformance/pngsuite`, or `nil` when absent (a plain clone).
    public static var pngSuite: URL? { existing(shared.appendingPathComponent("conformance/pngsuite")) }

    /// `../shared/conformance/libwebp-test-data`, or `nil` when absent.
    public static var libwebpTestData: URL? { existing(shared.appendingPathComponent("conformance/libwebp-test-data")) }

    /// `../shared/conformance/jpeg` (the djpeg key, corrupt files, orientations, ICC), or `nil`.
    public static var jpegConformance: URL? { existing(shared.appendingPathComponent("conformance/jpeg")) }

    /// `../shared/corpus`, or `nil` when absent.
    public static var corpus: URL? { existing(shared.appendingPathComponent("corpus")) }

    /// The built `imagepipe` binary beside the test bundle (`.build/<config>/imagepipe`), or
    /// `$IMAGEPIPE_BINARY` when set.
    public static let imagepipeBinary: URL = {
        if let override = ProcessInfo.processInfo.environment["IMAGEPIPE_BINARY"] { return URL(fileURLWithPath: override) }
        var folder = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = folder.appendingPathComponent("imagepipe")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/imagepipe")
    }()

    /// A fixture's bytes.
    public static func fixture(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    private static func existing(_ url: URL) -> URL? {
        FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// A message for a test skipped because shared data is missing.
    public static func missing(_ what: String) -> String {
        "skipped: \(what) not found beside the project at ../shared/ (it is not committed; see docs/testing.md)"
    }
}

/// A new, empty folder under the system temporary directory, for one test's outputs.
public func makeScratchDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "imagepipe-tests-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Reads a file's bytes.
public func readBytes(_ url: URL) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: url))
}
