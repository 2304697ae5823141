#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ImageCore
import PipelineCore

/// The file-system side of a gallery: walking the source folder, naming thumbnails, cleaning up
/// after a killed run.
enum GalleryFiles {
    /// A regular file found under the source folder.
    struct SourceFile: Hashable, Sendable {
        /// The path relative to the source folder, `/`-separated.
        var relative: String
        /// The path to open.
        var path: String
        var bytes: Int
        var modifiedNanoseconds: Int64
    }

    /// A symbolic link met while walking that was not followed.
    struct SkippedLink: Hashable, Sendable {
        /// Why the link was not followed.
        enum Reason: String, Sendable {
            /// Links are followed only when asked (`--follow-links`).
            case notFollowed = "symbolic link not followed (--follow-links follows it)"
            /// The link leads to a folder that contains it: following it would never end.
            case loop = "symbolic link to a folder that contains it, not followed (a loop)"
            /// The link's target does not exist or cannot be read.
            case dangling = "symbolic link to nothing readable"
        }
        /// The path relative to the source folder, `/`-separated.
        var relative: String
        /// The path as the source folder was given.
        var path: String
        var reason: Reason
    }

    /// What a walk found: the sources, and the links it did not follow.
    struct Walk: Sendable {
        var files: [SourceFile] = []
        var skippedLinks: [SkippedLink] = []
    }

    /// Every regular file under `root`, sorted by relative path, skipping hidden names (such as
    /// our own temporary files) and the folders `excluding` (the output, when it lies inside the
    /// source).
    ///
    /// `root` itself is followed when it is a link (the user named it). Links inside it are not,
    /// unless `followLinks`: a link may point anywhere, and what it points to would be published
    /// beside the source. When links are followed, a folder link to a folder being walked (an
    /// ancestor, by device and inode) is skipped, so a loop ends.
    static func walk(_ root: String, excluding excluded: Set<FileIdentity>, followLinks: Bool = false) -> Walk {
        var walk = Walk()
        var ancestors: Set<FileIdentity> = []
        func visit(_ folder: String, relative: String, identity: FileIdentity) {
            guard let directory = opendir(folder) else { return }
            defer { closedir(directory) }
            ancestors.insert(identity)
            defer { ancestors.remove(identity) }
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name.hasPrefix(".") { continue }
                names.append(name)
            }
            for name in names.sorted() {
                let path = folder + "/" + name
                let relativePath = relative.isEmpty ? name : relative + "/" + name
                var status = stat()
                guard lstat(path, &status) == 0 else { continue }
                if (status.st_mode & S_IFMT) == S_IFLNK {
                    guard followLinks else {
                        walk.skippedLinks.append(SkippedLink(relative: relativePath, path: path, reason: .notFollowed))
                        continue
                    }
                    guard stat(path, &status) == 0 else {
                        walk.skippedLinks.append(SkippedLink(relative: relativePath, path: path, reason: .dangling))
                        continue
                    }
                }
                switch status.st_mode & S_IFMT {
                case S_IFDIR:
                    let folderIdentity = FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
                    if excluded.contains(folderIdentity) { continue }
                    if ancestors.contains(folderIdentity) {
                        walk.skippedLinks.append(SkippedLink(relative: relativePath, path: path, reason: .loop))
                        continue
                    }
                    visit(path, relative: relativePath, identity: folderIdentity)
                case S_IFREG:
                    let modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
                    walk.files.append(SourceFile(relative: relativePath, path: path, bytes: Int(status.st_size), modifiedNanoseconds: modified))
                default:
                    continue
                }
            }
        }
        var rootStatus = stat()
        guard stat(root, &rootStatus) == 0 else { return walk }
        visit(root, relative: "", identity: FileIdentity(device: UInt64(rootStatus.st_dev), inode: UInt64(rootStatus.st_ino)))
        walk.files.sort { $0.relative < $1.relative }
        walk.skippedLinks.sort { $0.relative < $1.relative }
        return walk
    }

    /// The stem of a source's thumbnail names: its name with `/` written `__` and anything but
    /// letters, digits, `.`, `-` and `_` written `_` (cut to 80 characters), then `-` and eight
    /// hex digits of the SHA-256 of the full name, which keeps `a/b.png` and `a__b.png` apart.
    /// The size and extension follow: `cats__tom.png-1f3a9c07.256.webp`.
    static func thumbnailStem(for source: String) -> String {
        var readable = ""
        for scalar in source.unicodeScalars {
            switch scalar {
            case "/": readable += "__"
            case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_": readable.unicodeScalars.append(scalar)
            default: readable += "_"
            }
        }
        if readable.count > 80 { readable = String(readable.prefix(80)) }
        return readable + "-" + SHA256.hex(of: Array(source.utf8)).prefix(8)
    }

    /// Removes temporary files (`.NAME.imagepipe-PID-N.tmp`) left in `folder` by a process that
    /// is gone (a killed run); those of a live process are kept.
    ///
    /// - Returns: how many were removed.
    static func removeStaleTemporaryFiles(in folder: String) -> Int {
        guard let directory = opendir(folder) else { return 0 }
        var stale: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name.hasPrefix("."), name.hasSuffix(".tmp"), let marker = name.ranges(of: ".imagepipe-").last else { continue }
            let digits = name[marker.upperBound...].prefix(while: { $0.isNumber })
            guard let pid = Int32(digits), pid > 0 else { continue }
            if pid == getpid() { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }  // alive (perhaps another user's)
            stale.append(folder + "/" + name)
        }
        closedir(directory)
        for path in stale { unlink(path) }
        return stale.count
    }

    /// Names of the regular files directly in `folder` (not hidden).
    static func fileNames(in folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names
    }

    /// Whether a regular file exists at `path`.
    static func exists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// The canonical absolute path (links resolved), or `nil` if it does not exist.
    static func canonical(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The path of `target` relative to the folder `base` (both canonical and absolute):
    /// `../photos` for `/a/photos` from `/a/site`; `.` when they are the same.
    static func relativePath(from base: String, to target: String) -> String {
        let baseParts = base.split(separator: "/")
        let targetParts = target.split(separator: "/")
        var common = 0
        while common < baseParts.count, common < targetParts.count, baseParts[common] == targetParts[common] { common += 1 }
        let parts = Array(repeating: "..", count: baseParts.count - common) + targetParts[common...].map(String.init)
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}
