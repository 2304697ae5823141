/// A decoded image: a rectangle of 8-bit interleaved pixels with copy-on-write storage.
///
/// Rows are stored top to bottom with no padding (`rowBytes == width * bytesPerPixel`), alpha is
/// straight (not premultiplied). Copies of an `Image` share one buffer until one of them is
/// mutated, as with `Array`.
///
/// ```swift
/// var image = try Image(size: ImageSize(width: 2, height: 2), format: .rgba8)
/// image.withUnsafeMutableBytes { $0[3] = 255 }   // first pixel's alpha
/// ```
public struct Image: Sendable {
    /// Width and height in pixels.
    public let size: ImageSize
    /// The layout of one pixel.
    public let format: PixelFormat
    @usableFromInline
    internal var storage: PixelStorage

    /// Bytes from the start of one row to the start of the next: `width * bytesPerPixel`.
    @inlinable
    public var rowBytes: Int { size.width &* format.bytesPerPixel }

    /// Total bytes of pixel data: `rowBytes * height`.
    @inlinable
    public var byteCount: Int { storage.byteCount }

    /// Creates a zero-filled image.
    ///
    /// - Throws: ``ImageError`` with `.invalidSize` when a dimension is not positive or the byte
    ///   count overflows.
    public init(size: ImageSize, format: PixelFormat) throws(ImageError) {
        let byteCount = try Self.byteCount(for: size, format: format)
        self.size = size
        self.format = format
        self.storage = PixelStorage(byteCount: byteCount)
        storage.bytes.initializeMemory(as: UInt8.self, repeating: 0)
    }

    /// Creates an image whose pixels are written by `initializer`, which must write every byte.
    ///
    /// The buffer is allocated once and not zero-filled: this is how decoders fill an image
    /// without a second pass. If `initializer` throws, the buffer is freed and the error
    /// propagates.
    ///
    /// - Complexity: O(1) besides the initializer.
    public init<E: Error>(
        size: ImageSize,
        format: PixelFormat,
        uninitializedBytesWith initializer: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        let byteCount: Int
        do { byteCount = try Self.byteCount(for: size, format: format) } catch {
            // A caller that passes an invalid size has broken its own check against DecodeLimits.
            preconditionFailure(error.message)
        }
        let storage = PixelStorage(byteCount: byteCount)
        try initializer(storage.bytes)
        self.size = size
        self.format = format
        self.storage = storage
    }

    /// Creates an image whose pixels are written by `initializer` into a buffer of at least
    /// `capacity` bytes, of which the image keeps the first `rowBytes * height`.
    ///
    /// For decoders that need working room in the same allocation (a PNG's filtered rows are one
    /// byte a row longer than its pixels, and are unfiltered in place): the image then costs
    /// one allocation instead of two. The bytes past the pixels stay allocated while the
    /// storage lives, and are never read.
    ///
    /// - Complexity: O(1) besides the initializer.
    public init<E: Error>(
        size: ImageSize,
        format: PixelFormat,
        capacity: Int,
        uninitializedBytesWith initializer: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        let byteCount: Int
        do { byteCount = try Self.byteCount(for: size, format: format) } catch {
            preconditionFailure(error.message)
        }
        let storage = PixelStorage(byteCount: byteCount, capacity: capacity)
        try initializer(storage.allocation)
        self.size = size
        self.format = format
        self.storage = storage
    }

    /// Creates an image by copying `bytes`, which must hold exactly `rowBytes * height` bytes.
    public init(size: ImageSize, format: PixelFormat, copying bytes: some Collection<UInt8>) throws(ImageError) {
        let byteCount = try Self.byteCount(for: size, format: format)
        guard bytes.count == byteCount else {
            throw ImageError(code: .invalidSize, message: "\(size) \(format) needs \(byteCount) bytes, got \(bytes.count)")
        }
        self.size = size
        self.format = format
        self.storage = PixelStorage(byteCount: byteCount)
        UnsafeMutableRawBufferPointer(storage.bytes).copyBytes(from: bytes)
    }

    /// The number of bytes an image of this size and format needs, with overflow checked.
    public static func byteCount(for size: ImageSize, format: PixelFormat) throws(ImageError) -> Int {
        guard size.width > 0, size.height > 0, let pixels = size.pixelCount else {
            throw ImageError(code: .invalidSize, message: "invalid image size \(size.width)x\(size.height)")
        }
        let (bytes, overflow) = pixels.multipliedReportingOverflow(by: format.bytesPerPixel)
        guard !overflow else {
            throw ImageError(code: .invalidSize, message: "image \(size) is too large to address")
        }
        return bytes
    }

    /// Calls `body` with the pixel bytes, read-only.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(storage.bytes))
    }

    /// Calls `body` with the pixel bytes for writing, copying the buffer first if it is shared.
    @inlinable
    public mutating func withUnsafeMutableBytes<R, E: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
        return try body(storage.bytes)
    }

    /// The pixel bytes as an array (a copy).
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }
}

extension Image: Equatable {
    /// Two images are equal when they have the same size, format and pixel bytes.
    public static func == (lhs: Image, rhs: Image) -> Bool {
        guard lhs.size == rhs.size, lhs.format == rhs.format else { return false }
        if lhs.storage === rhs.storage { return true }
        return lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in
                left.count == right.count && memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0
            }
        }
    }
}

/// The owner of one image's pixel buffer: allocated once, 64-byte aligned, freed in `deinit`.
@usableFromInline
internal final class PixelStorage: @unchecked Sendable {
    // @unchecked: the buffer is only written through Image.withUnsafeMutableBytes, which copies
    // unless this storage is uniquely referenced, so no two threads ever share a writable buffer.
    @usableFromInline
    let bytes: UnsafeMutableRawBufferPointer

    /// The whole allocation: `bytes` and any working room after them.
    let allocation: UnsafeMutableRawBufferPointer

    @usableFromInline
    var byteCount: Int { bytes.count }

    init(byteCount: Int, capacity: Int = 0) {
        // 64-byte alignment keeps SIMD loads in the resampler and kernels on whole cache lines.
        allocation = UnsafeMutableRawBufferPointer.allocate(byteCount: max(byteCount, capacity), alignment: 64)
        bytes = UnsafeMutableRawBufferPointer(rebasing: allocation[0..<byteCount])
    }

    @usableFromInline
    func copy() -> PixelStorage {
        let copy = PixelStorage(byteCount: byteCount)
        copy.bytes.copyMemory(from: UnsafeRawBufferPointer(bytes))
        return copy
    }

    deinit {
        allocation.deallocate()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
