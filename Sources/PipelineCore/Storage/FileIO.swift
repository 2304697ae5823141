#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading inputs and writing outputs with POSIX calls: sizes checked before reading, and every
/// output written to a temporary file in the target folder, then renamed over the target, so a
/// reader (or a crash, or `kill -9`) never sees half a file.
public enum FileIO {
    /// Eight hex digits of a hash of this machine's host name: what temporary file names carry, so
    /// that cleaning up after a killed process (whose PID is checked on this machine only) never
    /// touches the live files of another machine writing into the same shared folder.
    public static let hostTag: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        var hash: UInt32 = 0x811c_9dc5
        for byte in buffer.prefix(while: { $0 != 0 }) {
            hash ^= UInt32(UInt8(bitPattern: byte))
            hash &*= 0x0100_0193
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }()

    /// Reads a whole regular file, refusing it before reading if it is larger than `maxBytes`.
    ///
    /// - Throws: ``PipelineError`` with `.readFailed`, `.notAFile` or `.inputTooLarge`.
    public static func readFile(_ path: String, maxBytes: Int) throws(PipelineError) -> [UInt8] {
        let (descriptor, size) = try openRegularFile(path)
        defer { close(descriptor) }
        guard size <= maxBytes else {
            throw PipelineError(.inputTooLarge, path: path, "file is \(size) bytes, over the input limit of \(maxBytes) bytes")
        }
        return try readAll(descriptor, path: path, expected: size)
    }

    /// Reads at most `count` bytes from the start of a file (for header probes).
    public static func readPrefix(_ path: String, count: Int) throws(PipelineError) -> [UInt8] {
        let (descriptor, size) = try openRegularFile(path)
        defer { close(descriptor) }
        return try readAll(descriptor, path: path, expected: min(count, size))
    }

    /// Reads a regular file in chunks of at most `chunkSize` bytes, handing each to `body` (the
    /// buffer is reused: copy what must outlive the call); never holds the file whole.
    ///
    /// - Returns: the bytes read.
    /// - Throws: ``PipelineError`` with `.readFailed` or `.notAFile`.
    @discardableResult
    public static func forEachChunk(
        of path: String, chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) -> Void
    ) throws(PipelineError) -> Int {
        let (descriptor, _) = try openRegularFile(path)
        defer { close(descriptor) }
        var total = 0
        var failure: PipelineError?
        withUnsafeTemporaryAllocation(byteCount: chunkSize, alignment: 16) { buffer in
            while true {
                let count = read(descriptor, buffer.baseAddress!, chunkSize)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = PipelineError(.readFailed, path: path, "read failed at byte \(total): \(errorText())")
                    return
                }
                if count == 0 { return }
                total += count
                body(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            }
        }
        if let failure { throw failure }
        return total
    }

    /// Opens a regular file for reading; the caller closes the descriptor.
    private static func openRegularFile(_ path: String) throws(PipelineError) -> (descriptor: Int32, size: Int) {
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait forever for a writer; it is
        // refused below as not a regular file, and regular files ignore the flag.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw PipelineError(.readFailed, path: path, "cannot open: \(errorText())") }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let text = errorText()
            close(descriptor)
            throw PipelineError(.readFailed, path: path, "cannot stat: \(text)")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw PipelineError(.notAFile, path: path, "is \(describeFileType(status.st_mode)), not a regular file")
        }
        return (descriptor, Int(status.st_size))
    }

    /// What kind of file a `st_mode` describes, for messages.
    static func describeFileType(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return "a special file"
        }
    }

    /// The size in bytes of a file.
    public static func fileSize(_ path: String) throws(PipelineError) -> Int {
        var status = stat()
        guard stat(path, &status) == 0 else { throw PipelineError(.readFailed, path: path, "cannot stat: \(errorText())") }
        return Int(status.st_size)
    }

    private static func readAll(_ descriptor: Int32, path: String, expected: Int) throws(PipelineError) -> [UInt8] {
        guard expected > 0 else { return [] }
        var failure: PipelineError?
        // Not zeroed first: read() fills it (megabytes a file; only what was read is kept).
        let bytes = [UInt8](unsafeUninitializedCapacity: expected) { buffer, initialized in
            var filled = 0
            while filled < expected {
                let count = read(descriptor, buffer.baseAddress! + filled, expected - filled)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = PipelineError(.readFailed, path: path, "read failed at byte \(filled): \(errorText())")
                    break
                }
                if count == 0 { break }  // the file shrank while we read it
                filled += count
            }
            initialized = filled
        }
        if let failure { throw failure }
        return bytes
    }

    /// Writes `bytes` to `path` atomically: a temporary file beside it, then `rename`.
    ///
    /// The temporary file is named `.NAME.imagepipe-PID-N-HOST.tmp` in the same folder (so the
    /// rename never crosses file systems; `HOST` is ``hostTag``, so that machines sharing a folder
    /// tell their files apart) and removed if anything fails. With `durable`, the data is
    /// `fsync`ed before the rename, which also survives a power loss.
    ///
    /// With `replacing: false` an existing file is never replaced, even one that appears while
    /// the data is written: the temporary file is hard-linked to `path` (which fails if `path`
    /// exists), then removed.
    ///
    /// - Throws: ``PipelineError`` with `.writeFailed`, or `.outputExists` when `replacing` is
    ///   false and `path` exists (nothing is left behind).
    public static func writeAtomically(_ bytes: UnsafeRawBufferPointer, to path: String, durable: Bool = false, replacing: Bool = true) throws(PipelineError) {
        let (folder, name) = split(path)
        let temporary = folder + "/." + name + ".imagepipe-\(getpid())-\(nextTemporaryNumber())-\(hostTag).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw PipelineError(.writeFailed, path: path, "cannot create a temporary file in \(folder): \(errorText())")
        }
        var succeeded = false
        defer {
            if !succeeded { unlink(temporary) }
        }
        var written = 0
        while written < bytes.count {
            let count = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if count < 0 {
                if errno == EINTR { continue }
                let text = errorText()
                close(descriptor)
                throw PipelineError(.writeFailed, path: path, "write failed after \(written) of \(bytes.count) bytes: \(text)")
            }
            written += count
        }
        if durable && fsync(descriptor) != 0 {
            let text = errorText()
            close(descriptor)
            throw PipelineError(.writeFailed, path: path, "fsync failed: \(text)")
        }
        guard close(descriptor) == 0 else {
            throw PipelineError(.writeFailed, path: path, "close failed: \(errorText())")
        }
        if replacing {
            guard rename(temporary, path) == 0 else {
                throw PipelineError(.writeFailed, path: path, "cannot rename the temporary file into place: \(errorText())")
            }
            succeeded = true
        } else {
            guard link(temporary, path) == 0 else {
                if errno == EEXIST { throw PipelineError(.outputExists, path: path, "exists already; not replaced") }
                throw PipelineError(.writeFailed, path: path, "cannot link the temporary file into place: \(errorText())")
            }
            // `path` now names the data; the temporary name goes (the deferred unlink).
        }
    }

    /// Writes a byte array atomically; see ``writeAtomically(_:to:durable:replacing:)-(UnsafeRawBufferPointer,_,_,_)``.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, durable: Bool = false, replacing: Bool = true) throws(PipelineError) {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(PipelineError) in try writeAtomically(buffer, to: path, durable: durable, replacing: replacing) }
        }.get()
    }

    /// Creates a directory and its missing parents.
    public static func createDirectory(_ path: String) throws(PipelineError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o777) != 0 && errno != EEXIST {
                throw PipelineError(.writeFailed, path: path, "cannot create directory \(current): \(errorText())")
            }
        }
        guard isDirectory(path) else {
            throw PipelineError(.writeFailed, path: path, "exists and is not a directory")
        }
    }

    /// Removes a file, ignoring a file that is already gone (for cleaning up after a failure).
    public static func remove(_ path: String) {
        unlink(path)
    }

    /// Whether `path` names an existing directory (following links).
    public static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// An identity of the file at `path` (device and inode), or `nil` if there is none.
    public static func fileIdentity(_ path: String) -> FileIdentity? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// (folder, last component) of a path; the folder is `"."` for a bare name.
    public static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }

    private static let counter = TemporaryCounter()
    private static func nextTemporaryNumber() -> Int { counter.next() }
}

/// A file's identity on disk: equal identities are the same file, whatever the paths.
public struct FileIdentity: Hashable, Sendable {
    /// An identity from a device and an inode number.
    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// The device number.
    public var device: UInt64
    /// The inode number.
    public var inode: UInt64
}

import Synchronization

private final class TemporaryCounter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).newValue }
}
