/// Where a job reads its sources and writes its outputs: a folder on this machine
/// (``LocalStorage``), or a bucket prefix in object storage.
///
/// A storage holds objects named by **keys**: `/`-separated paths relative to its root
/// (`cats/tom.png`, `thumbs/cats__tom.png-1f3a9c07.256.webp`). There are no folders to create:
/// writing a key makes whatever it needs. Every write is whole: a reader, a crash or `kill -9`
/// sees the old object or the new one, never part of one — a temporary file renamed into place
/// on a disk, a single `PUT` in object storage. Jobs (convert, gallery, the generated-image
/// writer) do every read and write through this protocol, so atomic writes, collision-free
/// naming and the gallery's bookkeeping hold on every kind of storage.
///
/// ```swift
/// let output = LocalStorage(root: "site")
/// try await output.write(Array(html.utf8), to: "index.html")
/// for entry in try await output.list(under: "thumbs").entries { print(entry.key, entry.size) }
/// ```
public protocol Storage: Sendable {
    /// Where the storage is, as the user named it (`site`, `s3://bucket/prefix`).
    var location: String { get }

    /// How to name a key in messages and reports: the location joined with the key (for
    /// ``LocalStorage``, the path to open).
    func path(of key: String) -> String

    /// Every object whose key lies under `prefix` (a folder-like key, `""` for everything),
    /// sorted by key. Names starting with `.` (temporary files, hidden files) are not listed.
    ///
    /// - Throws: ``PipelineError`` with `.readFailed` when the listing cannot be made.
    func list(under prefix: String) async throws(PipelineError) -> StorageListing

    /// The object's whole content, refused before reading when it is larger than `maxBytes`.
    ///
    /// - Throws: ``PipelineError`` with `.readFailed`, `.notAFile` or `.inputTooLarge`.
    func read(_ key: String, maxBytes: Int) async throws(PipelineError) -> [UInt8]

    /// At most `count` bytes from the start of the object (for header probes).
    ///
    /// - Throws: ``PipelineError`` with `.readFailed` or `.notAFile`.
    func readPrefix(_ key: String, count: Int) async throws(PipelineError) -> [UInt8]

    /// Writes a whole object.
    ///
    /// - Parameter mode: ``StorageWriteMode/replace`` replaces an existing object atomically;
    ///   ``StorageWriteMode/createOnly`` never replaces one, even one that appears while the data
    ///   is written (write-once).
    /// - Throws: ``PipelineError`` with `.writeFailed`, or `.outputExists` for `.createOnly` when
    ///   the key exists (nothing is left behind).
    func write(_ bytes: [UInt8], to key: String, mode: StorageWriteMode) async throws(PipelineError)

    /// The object's size and modification time, or `nil` when there is no object at `key`.
    func entry(for key: String) async -> StorageEntry?

    /// What the object at `key` is, independently of how it was named (two keys or two paths
    /// to one file have the same identity), or `nil` when there is none. Used to refuse writing
    /// over an input. A store without links may give a key's identity without asking whether the
    /// object exists (an object store: bucket and key).
    func identity(of key: String) async -> StorageIdentity?

    /// Removes the object; one already gone is not an error.
    ///
    /// - Throws: ``PipelineError`` with `.writeFailed` when it exists and cannot be removed.
    func remove(_ key: String) async throws(PipelineError)

    /// Removes what writes of processes that no longer run left under `prefix` (temporary files
    /// of a killed run) and returns how many; storage whose writes are single requests has
    /// nothing to remove.
    func removeAbandonedWrites(under prefix: String) async -> Int
}

extension Storage {
    /// Writes a whole object, replacing an existing one atomically.
    public func write(_ bytes: [UInt8], to key: String) async throws(PipelineError) {
        try await write(bytes, to: key, mode: .replace)
    }

    /// Whether an object exists at `key`.
    public func exists(_ key: String) async -> Bool {
        await entry(for: key) != nil
    }
}

/// How ``Storage/write(_:to:mode:)`` treats an object that exists.
public enum StorageWriteMode: Sendable, Hashable {
    /// Replace it, atomically.
    case replace
    /// Never replace it: the write fails with `.outputExists` (write-once).
    case createOnly
}

/// One object of a ``Storage``.
public struct StorageEntry: Sendable, Hashable {
    /// The key, relative to the storage's root.
    public var key: String
    /// The size in bytes.
    public var size: Int
    /// The modification time in nanoseconds since 1970 (what incremental runs compare).
    public var modifiedNanoseconds: Int64
    /// What the store says identifies the object's content (S3's ETag), when it says anything:
    /// incremental runs compare it, with the size, instead of the modification time.
    public var version: String?

    /// Creates an entry.
    public init(key: String, size: Int, modifiedNanoseconds: Int64, version: String? = nil) {
        self.key = key
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.version = version
    }
}

/// What a listing found: the objects, and what it passed over and why.
public struct StorageListing: Sendable {
    /// The objects, sorted by key.
    public var entries: [StorageEntry] = []
    /// Names not listed, sorted by key, each with the reason (a symbolic link not followed).
    public var skipped: [(key: String, reason: String)] = []

    /// Creates a listing.
    public init(entries: [StorageEntry] = [], skipped: [(key: String, reason: String)] = []) {
        self.entries = entries
        self.skipped = skipped
    }
}

/// What an object is, whatever key or path names it: equal identities are the same object.
public struct StorageIdentity: Sendable, Hashable {
    private let value: String

    /// An identity from a storage-specific description (`device:inode`, `bucket/key`).
    public init(_ value: String) {
        self.value = value
    }
}

/// Keys: `/`-separated names relative to a storage's root.
public enum StorageKey {
    /// `prefix/name`, or `name` when the prefix is empty.
    public static func join(_ prefix: String, _ name: String) -> String {
        prefix.isEmpty ? name : prefix.hasSuffix("/") ? prefix + name : prefix + "/" + name
    }

    /// The last component of a key or path (`tom.png` of `cats/tom.png`).
    public static func name(of key: String) -> String {
        guard let slash = key.lastIndex(of: "/") else { return key }
        return String(key[key.index(after: slash)...])
    }

    /// Everything before the last component (`cats` of `cats/tom.png`, `""` for `tom.png`).
    public static func parent(of key: String) -> String {
        guard let slash = key.lastIndex(of: "/") else { return "" }
        return String(key[..<slash])
    }
}

extension Storage {
    /// This storage with every write made durable where that is a choice: ``LocalStorage``
    /// `fsync`s before renaming; storage whose writes are acknowledged once stored is returned
    /// as it is.
    public func makingWritesDurable(_ durable: Bool = true) -> any Storage {
        guard durable, var local = self as? LocalStorage else { return self }
        local.durable = true
        return local
    }
}
