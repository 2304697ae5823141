/// How the stored pixels of an image are to be turned to show it upright: the eight values of
/// the EXIF/TIFF `Orientation` tag (0x0112).
///
/// The raw value is the tag's value. Applying an orientation to the stored pixels gives the
/// upright image (``Image/oriented(_:)``); orientations 5–8 swap width and height.
///
/// ```swift
/// let upright = stored.oriented(.rotate90)   // a phone photo taken in portrait
/// ```
public enum ImageOrientation: Int, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// 1: as stored.
    case up = 1
    /// 2: mirrored left to right.
    case mirrorHorizontal = 2
    /// 3: turned 180 degrees.
    case rotate180 = 3
    /// 4: mirrored top to bottom.
    case mirrorVertical = 4
    /// 5: mirrored along the top-left to bottom-right diagonal.
    case transpose = 5
    /// 6: shown turned 90 degrees clockwise.
    case rotate90 = 6
    /// 7: mirrored along the top-right to bottom-left diagonal.
    case transverse = 7
    /// 8: shown turned 90 degrees counter-clockwise (270 clockwise).
    case rotate270 = 8

    /// The orientation a tag value names, or `nil` for a value outside 1...8 (which readers
    /// treat as 1, as libvips, sharp and Pillow do).
    public init?(tagValue: Int) {
        self.init(rawValue: tagValue)
    }

    /// Whether showing the image upright swaps its width and height (5–8).
    @inlinable
    public var swapsAxes: Bool { rawValue >= 5 }

    /// The size of the upright image whose stored pixels have `size`.
    @inlinable
    public func displaySize(of size: ImageSize) -> ImageSize {
        swapsAxes ? ImageSize(width: size.height, height: size.width) : size
    }

    /// The stored size whose upright image has `size` (the same swap: its own inverse).
    @inlinable
    public func storedSize(of size: ImageSize) -> ImageSize {
        displaySize(of: size)
    }

    public var description: String {
        switch self {
        case .up: "1 (normal)"
        case .mirrorHorizontal: "2 (mirrored horizontally)"
        case .rotate180: "3 (rotated 180)"
        case .mirrorVertical: "4 (mirrored vertically)"
        case .transpose: "5 (transposed)"
        case .rotate90: "6 (rotated 90 CW)"
        case .transverse: "7 (transversed)"
        case .rotate270: "8 (rotated 90 CCW)"
        }
    }

    /// Where the upright pixel (x, y) is in the stored pixels, as an affine map on pixel
    /// indices: stored index = `origin + x * stepX + y * stepY` (in pixels, stored rows of
    /// `width`).
    fileprivate func sourceWalk(stored size: ImageSize) -> (origin: Int, stepX: Int, stepY: Int) {
        let w = size.width, h = size.height
        return switch self {
        case .up: (0, 1, w)
        case .mirrorHorizontal: (w - 1, -1, w)
        case .rotate180: ((h - 1) * w + w - 1, -1, -w)
        case .mirrorVertical: ((h - 1) * w, 1, -w)
        case .transpose: (0, w, 1)                      // upright (x, y) = stored (y, x)
        case .rotate90: ((h - 1) * w, -w, 1)            // stored (y, h-1-x)
        case .transverse: ((h - 1) * w + w - 1, -w, -1) // stored (w-1-y, h-1-x)
        case .rotate270: (w - 1, w, -1)                 // stored (w-1-y, x)
        }
    }
}

extension Image {
    /// These stored pixels shown upright: the image turned and mirrored as `orientation` says.
    ///
    /// `.up` returns the image itself (no copy). Any other orientation makes one new image; the
    /// transposing ones (5–8) walk the source in 64x64 tiles so both images are read and written
    /// a cache line at a time.
    public func oriented(_ orientation: ImageOrientation) -> Image {
        guard orientation != .up else { return self }
        let outputSize = orientation.displaySize(of: size)
        let walk = orientation.sourceWalk(stored: size)
        return withUnsafeBytes { source in
            Image(size: outputSize, format: format) { (target: UnsafeMutableRawBufferPointer) in
                let tile = orientation.swapsAxes ? 64 : max(outputSize.width, outputSize.height)
                switch format.bytesPerPixel {
                case 1: copyWalking(UInt8.self, from: source, to: target, size: outputSize, walk: walk, tile: tile)
                case 2: copyWalking(UInt16.self, from: source, to: target, size: outputSize, walk: walk, tile: tile)
                case 3: copyWalking(Pixel24.self, from: source, to: target, size: outputSize, walk: walk, tile: tile)
                default: copyWalking(UInt32.self, from: source, to: target, size: outputSize, walk: walk, tile: tile)
                }
            }
        }
    }
}

/// Three bytes, moved as one value (its size is 3: stores write no more).
private struct Pixel24 {
    var low: UInt16
    var high: UInt8
}

/// Writes every upright pixel of `size` from its stored place, tile by tile.
private func copyWalking<Pixel: BitwiseCopyable>(
    _: Pixel.Type, from source: UnsafeRawBufferPointer, to target: UnsafeMutableRawBufferPointer, size: ImageSize,
    walk: (origin: Int, stepX: Int, stepY: Int), tile: Int
) {
    let pixelBytes = MemoryLayout<Pixel>.size
    let input = source.baseAddress!, output = target.baseAddress!
    var tileY = 0
    while tileY < size.height {
        let endY = min(size.height, tileY &+ tile)
        var tileX = 0
        while tileX < size.width {
            let endX = min(size.width, tileX &+ tile)
            for y in tileY..<endY {
                var sourceIndex = walk.origin &+ y &* walk.stepY &+ tileX &* walk.stepX
                var targetOffset = (y &* size.width &+ tileX) &* pixelBytes
                for _ in tileX..<endX {
                    let pixel = input.loadUnaligned(fromByteOffset: sourceIndex &* pixelBytes, as: Pixel.self)
                    output.storeBytes(of: pixel, toByteOffset: targetOffset, as: Pixel.self)
                    sourceIndex &+= walk.stepX
                    targetOffset &+= pixelBytes
                }
            }
            tileX = endX
        }
        tileY = endY
    }
}
