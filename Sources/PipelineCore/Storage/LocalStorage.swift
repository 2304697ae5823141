#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A folder on this machine as a ``Storage``: keys are paths under ``root``, every write a
/// temporary file in the target's folder renamed into place (``FileIO``).
///
/// With an empty root, keys are paths as the user gave them (`photos/cat.png`, `/tmp/a.png`):
/// what `convert` uses for the files named on its command line.
///
/// Symbolic links met while listing are not followed unless ``followLinks`` is set: a link may
/// point anywhere, and what it leads to would be read (and perhaps published) as if it were
/// inside the folder. The root itself is always followed (the user named it). When links are
/// followed, a link to a folder being listed (an ancestor, by device and inode) is skipped, so a
/// loop ends.
public struct LocalStorage: Storage {
    /// The folder keys are relative to (`""`: keys are paths as given).
    public let root: String
    /// `fsync` every object before renaming it into place (survives a power loss too).
    public var durable = false
    /// Follow symbolic links found while listing (see the type's description).
    public var followLinks = false
    /// Folders a listing does not enter (the output folder when it lies inside the source).
    public var excludedFolders: [String] = []

    /// A folder as a storage; a trailing `/` is dropped.
    public init(root: String, durable: Bool = false) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.durable = durable
    }

    /// Paths as keys: the files named on a command line, wherever they are.
    public static var paths: LocalStorage { LocalStorage(root: "") }

    public var location: String { root.isEmpty ? "." : root }

    public func path(of key: String) -> String {
        if root.isEmpty { return key }
        if key.isEmpty { return root }
        return root == "/" ? "/" + key : root + "/" + key
    }

    /// Whether the root is an existing folder (following links).
    public var rootIsFolder: Bool { FileIO.isDirectory(location) }

    /// The root's canonical absolute path (links resolved), or `nil` if it does not exist.
    public var canonicalRoot: String? {
        guard let resolved = realpath(location, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    public func read(_ key: String, maxBytes: Int) throws(PipelineError) -> [UInt8] {
        try FileIO.readFile(path(of: key), maxBytes: maxBytes)
    }

    public func readPrefix(_ key: String, count: Int) throws(PipelineError) -> [UInt8] {
        try FileIO.readPrefix(path(of: key), count: count)
    }

    public func write(_ bytes: [UInt8], to key: String, mode: StorageWriteMode) throws(PipelineError) {
        let target = path(of: key)
        let (folder, _) = FileIO.split(target)
        if !FileIO.isDirectory(folder) { try FileIO.createDirectory(folder) }
        try FileIO.writeAtomically(bytes, to: target, durable: durable, replacing: mode == .replace)
    }

    public func entry(for key: String) -> StorageEntry? {
        var status = stat()
        guard stat(path(of: key), &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return StorageEntry(key: key, size: Int(status.st_size), modifiedNanoseconds: Self.modified(status))
    }

    public func identity(of key: String) -> StorageIdentity? {
        FileIO.fileIdentity(path(of: key)).map { StorageIdentity("\($0.device):\($0.inode)") }
    }

    public func remove(_ key: String) throws(PipelineError) {
        let target = path(of: key)
        guard unlink(target) == 0 || errno == ENOENT else {
            throw PipelineError(.writeFailed, path: target, "cannot remove: \(String(cString: strerror(errno)))")
        }
    }

    /// Removes temporary files (`.NAME.imagepipe-PID-N-HOST.tmp`) directly in the folder `prefix`
    /// left by a process of this machine that is gone (a killed run); those of a live process, and
    /// those of another machine sharing the folder (whose processes cannot be checked from here),
    /// are kept. Names without a host (written before hosts were recorded) count as this machine's.
    public func removeAbandonedWrites(under prefix: String) -> Int {
        let folder = path(of: prefix)
        var stale: [String] = []
        for name in Self.names(in: folder, hidden: true) {
            guard name.hasPrefix("."), name.hasSuffix(".tmp"), let marker = name.ranges(of: ".imagepipe-").last else { continue }
            let digits = name[marker.upperBound...].prefix(while: { $0.isNumber })
            guard let pid = Int32(digits), pid > 0 else { continue }
            let fields = name[marker.upperBound...].dropLast(4).split(separator: "-")
            if fields.count >= 3, fields[2] != FileIO.hostTag { continue }  // another machine's
            if pid == getpid() { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }  // alive (perhaps another user's)
            stale.append(folder + "/" + name)
        }
        for path in stale { unlink(path) }
        return stale.count
    }

    /// Every regular file under the folder `prefix`, recursively; see the type's description for
    /// links. A folder that does not exist lists as empty.
    public func list(under prefix: String) -> StorageListing {
        var listing = StorageListing()
        var ancestors: Set<FileIdentity> = []
        let excluded = Set(excludedFolders.compactMap(FileIO.fileIdentity))
        func visit(_ folder: String, key: String, identity: FileIdentity) {
            ancestors.insert(identity)
            defer { ancestors.remove(identity) }
            for name in Self.names(in: folder, hidden: false).sorted() {
                let path = folder + "/" + name
                let childKey = StorageKey.join(key, name)
                var status = stat()
                guard lstat(path, &status) == 0 else { continue }
                if (status.st_mode & S_IFMT) == S_IFLNK {
                    guard followLinks else {
                        listing.skipped.append((childKey, "symbolic link not followed (--follow-links follows it)"))
                        continue
                    }
                    guard stat(path, &status) == 0 else {
                        listing.skipped.append((childKey, "symbolic link to nothing readable"))
                        continue
                    }
                }
                switch status.st_mode & S_IFMT {
                case S_IFDIR:
                    let folderIdentity = FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
                    if excluded.contains(folderIdentity) { continue }
                    if ancestors.contains(folderIdentity) {
                        listing.skipped.append((childKey, "symbolic link to a folder that contains it, not followed (a loop)"))
                        continue
                    }
                    visit(path, key: childKey, identity: folderIdentity)
                case S_IFREG:
                    listing.entries.append(StorageEntry(key: childKey, size: Int(status.st_size), modifiedNanoseconds: Self.modified(status)))
                default:
                    continue
                }
            }
        }
        let start = path(of: prefix)
        var rootStatus = stat()
        guard stat(start.isEmpty ? "." : start, &rootStatus) == 0, (rootStatus.st_mode & S_IFMT) == S_IFDIR else { return listing }
        visit(start.isEmpty ? "." : start, key: prefix, identity: FileIdentity(device: UInt64(rootStatus.st_dev), inode: UInt64(rootStatus.st_ino)))
        listing.entries.sort { $0.key < $1.key }
        listing.skipped.sort { $0.key < $1.key }
        return listing
    }

    private static func modified(_ status: stat) -> Int64 {
        Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
    }

    /// The names in a folder, with or without hidden ones (never `.` and `..`).
    private static func names(in folder: String, hidden: Bool) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            if !hidden && name.hasPrefix(".") { continue }
            names.append(name)
        }
        return names
    }
}
