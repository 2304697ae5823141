import ImageCore

/// What to make of an image's size: a box, how to fit it, where to crop, whether to enlarge.
///
/// ```swift
/// let spec = ResizeGeometry(box: ImageSize(width: 256, height: 256), fit: .cover, gravity: .attention)
/// let thumbnail = spec.apply(to: image)
/// ```
public struct ResizeGeometry: Hashable, Sendable {
    /// How the image meets the box.
    public enum Fit: String, Hashable, Sendable, CaseIterable {
        /// Keep the aspect ratio and fit inside the box (one side may be shorter).
        case contain
        /// Keep the aspect ratio, fill the box, crop what overflows (see ``Gravity``).
        case cover
        /// Stretch to exactly the box.
        case fill
    }

    /// Which part of the image a `cover` crop keeps.
    public enum Gravity: String, Hashable, Sendable, CaseIterable {
        /// The middle.
        case centre
        /// The top edge, centred horizontally.
        case north
        /// The bottom edge, centred horizontally.
        case south
        /// The right edge, centred vertically.
        case east
        /// The left edge, centred vertically.
        case west
        /// The top-right corner.
        case northEast = "north-east"
        /// The top-left corner.
        case northWest = "north-west"
        /// The bottom-right corner.
        case southEast = "south-east"
        /// The bottom-left corner.
        case southWest = "south-west"
        /// The most detailed region (edges and saturated color), as libvips's `attention`.
        case attention
    }

    /// The box in pixels.
    public var box: ImageSize
    /// How the image meets the box (default `contain`).
    public var fit: Fit
    /// Where a `cover` crop sits (default `centre`).
    public var gravity: Gravity
    /// Allow output larger than the input (default: never enlarge).
    public var enlarge: Bool

    /// Creates a geometry.
    public init(box: ImageSize, fit: Fit = .contain, gravity: Gravity = .centre, enlarge: Bool = false) {
        precondition(box.width > 0 && box.height > 0, "resize box must be positive")
        self.box = box
        self.fit = fit
        self.gravity = gravity
        self.enlarge = enlarge
    }

    /// The plan for an image of `source` size: the size to resample to, then the crop (in the
    /// resampled image's pixels) that gives the output.
    public struct Plan: Hashable, Sendable {
        /// The size to resample the whole image to.
        public var resampledSize: ImageSize
        /// The part of the resampled image to keep, `nil` for all of it.
        public var crop: Rect?
        /// The final size.
        public var outputSize: ImageSize { crop?.size ?? resampledSize }
    }

    /// The smallest decode size from which `plan` can be carried out at full quality: the
    /// resampled size times the filter's minimum reduction (capped by the source). Formats that
    /// can decode at a reduced size (WebP) use it for shrink on load.
    public func minimumDecodeSize(for plan: Plan, options: ResizeOptions = ResizeOptions()) -> ImageSize {
        let factor = max(1, options.minimumFilterReduction)
        return ImageSize(width: plan.resampledSize.width * factor, height: plan.resampledSize.height * factor)
    }

    /// Works out the plan for an image of `source` size.
    public func plan(for source: ImageSize) -> Plan {
        let scaleX = Double(box.width) / Double(source.width)
        let scaleY = Double(box.height) / Double(source.height)
        func scaled(_ scale: Double) -> ImageSize {
            ImageSize(width: max(1, Int((Double(source.width) * scale).rounded())), height: max(1, Int((Double(source.height) * scale).rounded())))
        }
        switch fit {
        case .contain:
            var scale = min(scaleX, scaleY)
            if !enlarge { scale = min(scale, 1) }
            return Plan(resampledSize: scale == 1 ? source : scaled(scale), crop: nil)
        case .fill:
            var width = box.width, height = box.height
            if !enlarge {
                width = min(width, source.width)
                height = min(height, source.height)
            }
            return Plan(resampledSize: ImageSize(width: width, height: height), crop: nil)
        case .cover:
            var scale = max(scaleX, scaleY)
            if !enlarge { scale = min(scale, 1) }
            let resampled = scale == 1 ? source : scaled(scale)
            let cropSize = ImageSize(width: min(box.width, resampled.width), height: min(box.height, resampled.height))
            guard cropSize != resampled else { return Plan(resampledSize: resampled, crop: nil) }
            return Plan(resampledSize: resampled, crop: Rect(origin: (0, 0), size: cropSize))
        }
    }

    /// Resamples and crops `image` according to this geometry.
    ///
    /// - Parameters:
    ///   - filter: the resampling filter (default Lanczos3).
    ///   - options: linear light, threads.
    public func apply(to image: Image, filter: ResamplingFilter = .lanczos3, options: ResizeOptions = ResizeOptions()) -> Image {
        apply(plan(for: image.size), to: image, filter: filter, options: options)
    }

    /// Carries out a plan made for the image's original size on `image`, which may already have
    /// been reduced at decode time (shrink on load): it is resampled to the plan's size.
    public func apply(_ plan: Plan, to image: Image, filter: ResamplingFilter = .lanczos3, options: ResizeOptions = ResizeOptions()) -> Image {
        let resampled: Image
        if plan.resampledSize == image.size {
            resampled = image
        } else {
            let factor = filter == .nearest ? 1 : options.boxFactor(from: image.size, to: plan.resampledSize)
            resampled = image.boxShrunk(by: factor).resized(to: plan.resampledSize, filter: filter, options: options)
        }
        guard var crop = plan.crop else { return resampled }
        crop.origin = Self.cropOrigin(for: crop.size, in: resampled, gravity: gravity)
        return resampled.cropped(to: crop)
    }

    /// Where a crop of `size` sits in `image` for `gravity`.
    static func cropOrigin(for size: ImageSize, in image: Image, gravity: Gravity) -> (x: Int, y: Int) {
        let freeX = image.size.width - size.width, freeY = image.size.height - size.height
        switch gravity {
        case .centre: return (freeX / 2, freeY / 2)
        case .north: return (freeX / 2, 0)
        case .south: return (freeX / 2, freeY)
        case .east: return (freeX, freeY / 2)
        case .west: return (0, freeY / 2)
        case .northEast: return (freeX, 0)
        case .northWest: return (0, 0)
        case .southEast: return (freeX, freeY)
        case .southWest: return (0, freeY)
        case .attention: return AttentionCrop.origin(for: size, in: image)
        }
    }
}

/// A rectangle of pixels.
public struct Rect: Hashable, Sendable {
    /// Left column.
    public var x: Int
    /// Top row.
    public var y: Int
    /// Width and height.
    public var size: ImageSize

    /// Creates a rectangle.
    public init(origin: (x: Int, y: Int), size: ImageSize) {
        self.x = origin.x
        self.y = origin.y
        self.size = size
    }

    /// Assigns both coordinates.
    public var origin: (x: Int, y: Int) {
        get { (x, y) }
        set { (x, y) = newValue }
    }

    public static func == (lhs: Rect, rhs: Rect) -> Bool { lhs.x == rhs.x && lhs.y == rhs.y && lhs.size == rhs.size }
    public func hash(into hasher: inout Hasher) { hasher.combine(x); hasher.combine(y); hasher.combine(size) }
}

extension Image {
    /// The pixels inside `rect`, which must lie within the image.
    ///
    /// - Complexity: O(rect area), one row copy at a time.
    public func cropped(to rect: Rect) -> Image {
        precondition(rect.x >= 0 && rect.y >= 0 && rect.size.width > 0 && rect.size.height > 0
            && rect.x + rect.size.width <= size.width && rect.y + rect.size.height <= size.height, "crop outside the image")
        if rect.x == 0 && rect.y == 0 && rect.size == size { return self }
        let stride = format.bytesPerPixel
        return Image(size: rect.size, format: format) { (output: UnsafeMutableRawBufferPointer) in
            withUnsafeBytes { input in
                let rowBytes = rect.size.width * stride
                for row in 0..<rect.size.height {
                    let source = input.baseAddress! + ((rect.y + row) * size.width + rect.x) * stride
                    (output.baseAddress! + row * rowBytes).copyMemory(from: source, byteCount: rowBytes)
                }
            }
        }
    }
}

/// libvips-style "attention" cropping: the crop window that holds the most detail.
///
/// Detail is the luminance gradient magnitude plus color saturation, weighted by alpha; the
/// window slides along the free axis and the one with the largest sum wins (prefix sums make
/// every position O(1)).
enum AttentionCrop {
    static func origin(for size: ImageSize, in image: Image) -> (x: Int, y: Int) {
        let width = image.size.width, height = image.size.height
        let rgba = image.converted(to: .rgba8)
        var columnEnergy = [Double](repeating: 0, count: width)
        var rowEnergy = [Double](repeating: 0, count: height)
        rgba.withUnsafeBytes { pixels in
            func luma(_ x: Int, _ y: Int) -> Double {
                let p = (y * width + x) * 4
                return 0.299 * Double(pixels[p]) + 0.587 * Double(pixels[p + 1]) + 0.114 * Double(pixels[p + 2])
            }
            for y in 0..<height {
                for x in 0..<width {
                    let p = (y * width + x) * 4
                    let right = x + 1 < width ? luma(x + 1, y) : luma(x, y)
                    let below = y + 1 < height ? luma(x, y + 1) : luma(x, y)
                    let here = luma(x, y)
                    let gradient = abs(right - here) + abs(below - here)
                    let maximum = Double(max(pixels[p], pixels[p + 1], pixels[p + 2]))
                    let minimum = Double(min(pixels[p], pixels[p + 1], pixels[p + 2]))
                    let energy = (gradient + 0.5 * (maximum - minimum)) * Double(pixels[p + 3]) / 255
                    columnEnergy[x] += energy
                    rowEnergy[y] += energy
                }
            }
        }
        return (bestStart(columnEnergy, window: size.width), bestStart(rowEnergy, window: size.height))
    }

    /// The start of the window of `window` entries with the largest sum (the most central on ties).
    static func bestStart(_ values: [Double], window: Int) -> Int {
        let free = values.count - window
        guard free > 0 else { return 0 }
        var sum = values[0..<window].reduce(0, +)
        var best = sum, bestStart = 0
        for start in 1...free {
            sum += values[start + window - 1] - values[start - 1]
            let centred = abs(start - free / 2) < abs(bestStart - free / 2)
            if sum > best + 1e-9 || (abs(sum - best) <= 1e-9 && centred) {
                best = sum
                bestStart = start
            }
        }
        return bestStart
    }
}
