import Foundation

/// One of libwebp's decoder test vectors with the md5 of `dwebp -pam`'s output.
public struct WebPVector: Sendable, CustomStringConvertible {
    /// The `.webp` file's name in the test-data folder.
    public var file: String
    /// The md5 of the PAM `dwebp -pam` writes for it.
    public var md5: String
    public var description: String { file }

    /// Every keyed vector: lines `MD5  NAME.webp.pam` of `libwebp_tests.md5`; none when the
    /// conformance data is absent.
    public static let keyed: [WebPVector] = {
        guard let folder = TestPaths.libwebpTestData,
              let text = try? String(contentsOf: folder.appendingPathComponent("libwebp_tests.md5"), encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, parts[1].hasSuffix(".webp.pam") else { return nil }
            return WebPVector(file: String(parts[1].dropLast(4)), md5: String(parts[0]))
        }
    }()
}
