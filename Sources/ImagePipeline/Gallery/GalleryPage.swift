import PipelineCore
/// The `index.html` of a gallery: one self-contained page (no external resources), a responsive
/// CSS grid of `<img srcset sizes>` with lazy loading, width and height set (no layout shift),
/// the ThumbHash placeholder as background until the image has loaded, and a link to each
/// original.
///
/// Every text from the sources (names, prompts) is HTML-escaped and every path percent-encoded.
public struct GalleryPage: Sendable {
    /// What the page shows.
    public var manifest: GalleryManifest
    /// The page's title.
    public var title: String

    /// Creates a page.
    public init(manifest: GalleryManifest, title: String) {
        self.manifest = manifest
        self.title = title
    }

    /// The grid's `sizes` attribute: a column is about 240 CSS pixels wide (the whole width on
    /// narrow screens).
    static let sizesAttribute = "(max-width: 520px) 100vw, 260px"

    /// The page as HTML.
    public func html() -> String {
        var html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="imagepipe gallery">
        <title>\(Self.escape(title))</title>
        <style>
        :root { color-scheme: light dark; }
        body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: Canvas; color: CanvasText; }
        header { padding: 16px 16px 0; }
        h1 { font-size: 20px; margin: 0 0 4px; }
        header p { margin: 0; opacity: .7; }
        main { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 220px), 1fr)); gap: 16px; padding: 16px; }
        figure { margin: 0; min-width: 0; }
        figure a { display: block; }
        figure img { display: block; width: 100%; height: auto; border-radius: 6px; background-size: cover; background-repeat: no-repeat; }
        figcaption { margin-top: 6px; font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        figcaption .cr { display: inline-block; margin-right: 4px; padding: 0 3px; border: 1px solid currentColor; border-radius: 3px; font-size: 10px; }
        </style>
        </head>
        <body>
        <header><h1>\(Self.escape(title))</h1><p>\(manifest.entries.count) image\(manifest.entries.count == 1 ? "" : "s")</p></header>
        <main>

        """
        for entry in manifest.entries {
            guard let largest = entry.thumbnails.first, let smallest = entry.thumbnails.last else { continue }
            let srcset = entry.thumbnails.reversed().map { "\(Self.encodePath($0.path)) \($0.width)w" }.joined(separator: ", ")
            // The middle size as src: what a browser without srcset support shows.
            let fallback = entry.thumbnails[entry.thumbnails.count / 2]
            var style = "background-color:\(entry.averageColor)"
            if !entry.placeholder.isEmpty { style += ";background-image:url(\(entry.placeholder))" }
            let caption = entry.index == nil ? entry.source : entry.alt
            html += "<figure><a href=\"\(Self.escape(Self.encodePath(entry.original)))\">"
            html += "<img src=\"\(Self.escape(Self.encodePath(fallback.path)))\" srcset=\"\(Self.escape(srcset))\" sizes=\"\(Self.sizesAttribute)\""
            html += " width=\"\(largest.width)\" height=\"\(largest.height)\" loading=\"lazy\" decoding=\"async\""
            html += " alt=\"\(Self.escape(entry.alt))\" style=\"\(Self.escape(style))\" data-smallest=\"\(smallest.width)\"></a>"
            // The original's content credentials, marked (the thumbnails do not carry them).
            let mark = entry.contentCredentials.map {
                "<span class=\"cr\" title=\"\(Self.escape("Content credentials (C2PA) in the original: " + $0.summary))\">CR</span>"
            } ?? ""
            html += "<figcaption title=\"\(Self.escape(caption))\">\(mark)\(Self.escape(caption))</figcaption></figure>\n"
        }
        html += """
        </main>
        <script>
        // The placeholder is a background; it goes once the image is decoded and has been
        // painted (two frames later), so an image with alpha does not show it through, and there
        // is no blank frame between "loaded" and "painted" (decoding is async).
        for (const img of document.querySelectorAll("main img")) {
          const clear = () => { img.style.backgroundImage = "none"; img.style.backgroundColor = "transparent"; };
          const ready = () => img.decode().then(() => requestAnimationFrame(() => requestAnimationFrame(clear)), () => {});
          if (img.complete && img.naturalWidth > 0) ready(); else img.addEventListener("load", ready, { once: true });
        }
        </script>
        </body>
        </html>

        """
        return html
    }

    /// Text made safe for HTML text and attribute values (``HTMLText/escaped(_:)``).
    public static func escape(_ text: String) -> String { HTMLText.escaped(text) }

    /// A relative path as a URL path: every byte but letters, digits, `-._~/` percent-encoded
    /// (so `#`, `?`, `%`, spaces and commas in names cannot break a link or a `srcset`).
    /// `data:` URLs are left as they are.
    public static func encodePath(_ path: String) -> String {
        if path.hasPrefix("data:") { return path }
        var encoded = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF")
                encoded += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
            }
        }
        return encoded
    }
}
