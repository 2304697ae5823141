import ImageCore
import ImageOps
import PipelineCore

/// A small rendering of an image for a terminal: 24-bit color half blocks (two pixel rows per
/// text row, `▀` with foreground and background colors), or plain ASCII shades when colors are
/// off (`NO_COLOR`, or not a color terminal).
public struct TerminalPreview: Sendable {
    /// The width in text columns.
    public var columns: Int
    /// Whether to use 24-bit color escapes.
    public var color: Bool

    /// Creates a renderer.
    public init(columns: Int, color: Bool) {
        self.columns = max(4, columns)
        self.color = color
    }

    /// The rendering of `image`, one line per text row, each ending in a newline.
    ///
    /// Transparent pixels are composited over mid gray. Terminal cells are about twice as tall as
    /// wide: with color, a cell shows two pixels stacked; in ASCII one pixel per cell of a
    /// half-height image.
    public func render(_ image: Image) -> String {
        let width = min(columns, max(1, image.size.width))
        let aspect = Double(image.size.height) / Double(max(1, image.size.width))
        let pixelRows = max(color ? 2 : 1, Int((Double(width) * aspect * (color ? 1 : 0.5)).rounded()))
        let target = ImageSize(width: width, height: color ? (pixelRows + 1) / 2 * 2 : pixelRows)
        let small = image.resized(to: target, filter: .box).converted(to: .rgba8)
        var output = ""
        small.withUnsafeBytes { bytes in
            func pixel(_ x: Int, _ y: Int) -> (Int, Int, Int) {
                let offset = (y * target.width + x) * 4
                let alpha = Int(bytes[offset + 3])
                func blend(_ value: UInt8) -> Int { (Int(value) * alpha + 128 * (255 - alpha) + 127) / 255 }
                return (blend(bytes[offset]), blend(bytes[offset + 1]), blend(bytes[offset + 2]))
            }
            if color {
                for row in stride(from: 0, to: target.height, by: 2) {
                    for x in 0..<target.width {
                        let top = pixel(x, row), bottom = pixel(x, row + 1)
                        output += "\u{1B}[38;2;\(top.0);\(top.1);\(top.2)m\u{1B}[48;2;\(bottom.0);\(bottom.1);\(bottom.2)m▀"
                    }
                    output += "\u{1B}[0m\n"
                }
            } else {
                let shades = Array(" .:-=+*#%@")
                for row in 0..<target.height {
                    for x in 0..<target.width {
                        let (r, g, b) = pixel(x, row)
                        let luma = (r * 299 + g * 587 + b * 114) / 1000
                        output.append(shades[min(shades.count - 1, luma * shades.count / 256)])
                    }
                    output += "\n"
                }
            }
        }
        return output
    }
}
