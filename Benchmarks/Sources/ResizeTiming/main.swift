// resize-timing: times imagepipe's resampling kernel on one image, for resize-vs-pillow.py.
//
// usage: ResizeTiming IMAGE WIDTH HEIGHT ITERATIONS [direct|thumbnail]
// Decodes IMAGE once (untimed), then resizes it ITERATIONS times on one thread and prints the
// median milliseconds: `direct` is Image.resized (Lanczos3, the kernel alone), `thumbnail` the
// path `convert --thumbnail` takes (box step + Lanczos3).
import Foundation
import ImageBench
import ImageCodecs
import ImageCore
import ImageOps

let arguments = CommandLine.arguments
guard arguments.count >= 5, let width = Int(arguments[2]), let height = Int(arguments[3]), let iterations = Int(arguments[4]),
      let data = FileManager.default.contents(atPath: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: ResizeTiming IMAGE WIDTH HEIGHT ITERATIONS [direct|thumbnail]\n".utf8))
    exit(2)
}
let mode = arguments.count > 5 ? arguments[5] : "direct"
let image = try ImageDecoder().decode([UInt8](data))
let target = ImageSize(width: width, height: height)
let options = ResizeOptions(threads: 1)
var times: [Double] = []
for _ in 0..<max(1, iterations) {
    let start = Measurement.now()
    let result = mode == "thumbnail"
        ? ResizeGeometry(box: target).apply(to: image, options: options)
        : image.resized(to: target, filter: .lanczos3, options: options)
    times.append((Measurement.now() - start) * 1e3)
    consume(result)
}
print(String(format: "%.3f", Measurement.median(times)))
