import ImageCore
import PipelineCore

/// How outputs are named, in one place for every job: base names, extensions, the format a name
/// asks for, and prompt slugs.
public enum FileName {
    /// The last component without its extension: `cat` of `photos/cat.png`; a leading dot is
    /// part of the name (`.hidden` stays `.hidden`).
    public static func base(of path: String) -> String {
        let name = StorageKey.name(of: path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// The image format a name's extension asks for (`.png`, `.webp`, `.pam`), or `nil`.
    public static func format(namedBy path: String) -> ImageFormat? {
        let name = StorageKey.name(of: path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return ImageFormat(fileExtension: name[name.index(after: dot)...])
    }

    /// The path without its extension: `out/cat` of `out/cat.png`.
    public static func withoutExtension(_ path: String) -> String {
        folderPrefix(of: path) + base(of: path)
    }

    /// The path with its extension replaced: `out/cat.webp` for (`out/cat.png`, `webp`).
    public static func replacingExtension(of path: String, with fileExtension: String) -> String {
        withoutExtension(path) + "." + fileExtension
    }

    /// The path with `suffix` added before its extension: `out/cat-2.png` for (`out/cat.png`, `-2`).
    public static func appending(_ suffix: String, to path: String) -> String {
        let name = StorageKey.name(of: path)
        let stem = base(of: name)
        return folderPrefix(of: path) + stem + suffix + name.dropFirst(stem.count)
    }

    /// A file-name slug of a prompt: lowercase ASCII letters and digits joined by `-`, cut at a
    /// word boundary to at most `maxLength` characters; `image` when nothing is left.
    ///
    /// `"A red fox, in the snow!"` → `a-red-fox-in-the-snow`.
    public static func slug(_ prompt: String, maxLength: Int = 48) -> String {
        var words: [String] = []
        var current = ""
        for scalar in prompt.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                current.unicodeScalars.append(Unicode.Scalar(UInt8(scalar.value)).properties.lowercaseMapping.unicodeScalars.first!)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        var slug = ""
        for word in words {
            let next = slug.isEmpty ? word : slug + "-" + word
            if next.count > maxLength {
                if slug.isEmpty { slug = String(word.prefix(maxLength)) }
                break
            }
            slug = next
        }
        return slug.isEmpty ? "image" : slug
    }

    /// A readable stem for a key that no other key shares: the key with `/` written `__` and
    /// anything but letters, digits, `.`, `-` and `_` written `_` (cut to 80 characters), then `-`
    /// and eight hex digits of the SHA-256 of the full key, which keeps `a/b.png` and `a__b.png`
    /// apart. A gallery's thumbnails are named by it: `cats__tom.png-1f3a9c07.256.webp`.
    public static func uniqueStem(for key: String) -> String {
        var readable = ""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "/": readable += "__"
            case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_": readable.unicodeScalars.append(scalar)
            default: readable += "_"
            }
        }
        if readable.count > 80 { readable = String(readable.prefix(80)) }
        return readable + "-" + SHA256.hex(of: Array(key.utf8)).prefix(8)
    }

    /// The path of `target` relative to the folder `base` (both canonical and absolute):
    /// `../photos` for `/a/photos` from `/a/site`; `.` when they are the same.
    public static func relativePath(from base: String, to target: String) -> String {
        let baseParts = base.split(separator: "/")
        let targetParts = target.split(separator: "/")
        var common = 0
        while common < baseParts.count, common < targetParts.count, baseParts[common] == targetParts[common] { common += 1 }
        let parts = Array(repeating: "..", count: baseParts.count - common) + targetParts[common...].map(String.init)
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// `folder/` of `folder/name`, `""` for a bare name.
    private static func folderPrefix(of path: String) -> String {
        path.contains("/") ? StorageKey.parent(of: path) + "/" : ""
    }
}
