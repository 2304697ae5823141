import ImageCore
internal import CPNGShims

extension PNGCodec {
    /// One APNG frame as its `fcTL` chunk describes it, and where its image data is.
    struct AnimationFrame {
        /// 1-based, in file order.
        var number: Int
        /// Byte offset of the frame's `fcTL` chunk.
        var controlOffset: Int
        var size: ImageSize
        var x: Int
        var y: Int
        /// Whether the frame is the default image (its `fcTL` comes before `IDAT`).
        var isDefaultImage: Bool
        /// The compressed data: each `fdAT` chunk's data after its sequence number.
        var dataOffsets: [Int] = []
        var dataLengths: [Int] = []
    }

    /// Checks every frame of an APNG the way a decode checks the default image: the `acTL`,
    /// `fcTL` and `fdAT` chunks intact (CRC, length, fields), their sequence numbers 0, 1, 2, …
    /// in file order, each frame's region inside the canvas, as many frames as `acTL` declares,
    /// and each frame's data inflated (without keeping it) to exactly its rows, with valid filter
    /// types and no more than a small slack past them (so a zlib bomb in a later frame is
    /// refused as one in `IDAT` is).
    ///
    /// The default image itself is decoded by the caller; libpng skips the APNG chunks.
    ///
    /// - Throws: ``ImageCodecError`` naming the frame (`APNG frame 2 of 3 (fcTL at byte 640)`)
    ///   and the byte offset of the problem.
    static func verifyFrames(_ bytes: UnsafeRawBufferPointer, info: ImageInfo) throws {
        var declaredFrames: Int?
        var frames: [AnimationFrame] = []
        var nextSequence: UInt32 = 0
        var seenImageData = false
        func place(_ frame: AnimationFrame?) -> String {
            guard let frame else { return "APNG" }
            return "APNG frame \(frame.number) of \(declaredFrames.map(String.init) ?? "?") (fcTL at byte \(frame.controlOffset))"
        }
        func checkSequence(_ type: String, at offset: Int, frame: AnimationFrame?) throws {
            let sequence = bytes.uint32BigEndian(at: offset + 8)
            guard sequence == nextSequence else {
                throw ImageCodecError(.corruptData, "\(place(frame)): the \(type) chunk at byte \(offset) has sequence number \(sequence), expected \(nextSequence)", at: offset + 8)
            }
            nextSequence &+= 1
        }

        var offset = 8
        walk: while offset + 8 <= bytes.count {
            let length = Int(bytes.uint32BigEndian(at: offset))
            let type = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 8)]), as: UTF8.self)
            let isAnimationChunk = type == "acTL" || type == "fcTL" || type == "fdAT"
            if isAnimationChunk {
                guard length <= 0x7FFF_FFFF, offset + 12 + length <= bytes.count else {
                    throw ImageCodecError(.truncated, "\(place(frames.last)): the \(type) chunk at byte \(offset) ends past the end of the file (byte \(bytes.count))", at: bytes.count)
                }
                let stored = bytes.uint32BigEndian(at: offset + 8 + length)
                let computed = crc32OfChunk(bytes, typeOffset: offset + 4, dataLength: length)
                guard stored == computed else {
                    throw ImageCodecError(.checksumMismatch, "\(place(frames.last)): \(type) chunk CRC mismatch at byte \(offset + 8 + length) (stored \(hex(stored)), computed \(hex(computed)))", at: offset + 8 + length)
                }
            }
            switch type {
            case "acTL":
                guard length == 8, !seenImageData, declaredFrames == nil else {
                    throw ImageCodecError(.corruptData, "APNG: the acTL chunk at byte \(offset) is invalid (\(length) bytes, \(seenImageData ? "after" : "before") the image data, \(declaredFrames == nil ? "the first" : "a second"))", at: offset)
                }
                let count = Int(bytes.uint32BigEndian(at: offset + 8))
                guard count > 0 else {
                    throw ImageCodecError(.corruptData, "APNG: the acTL chunk at byte \(offset) declares 0 frames", at: offset + 8)
                }
                declaredFrames = count
            case "fcTL":
                var frame = AnimationFrame(
                    number: frames.count + 1, controlOffset: offset, size: ImageSize(width: 0, height: 0), x: 0, y: 0,
                    isDefaultImage: !seenImageData
                )
                guard length == 26 else {
                    throw ImageCodecError(.corruptData, "\(place(frame)): the fcTL chunk is \(length) bytes long, not 26", at: offset)
                }
                try checkSequence("fcTL", at: offset, frame: frame)
                let data = offset + 8
                let width = Int(bytes.uint32BigEndian(at: data + 4)), height = Int(bytes.uint32BigEndian(at: data + 8))
                frame.x = Int(bytes.uint32BigEndian(at: data + 12))
                frame.y = Int(bytes.uint32BigEndian(at: data + 16))
                frame.size = ImageSize(width: width, height: height)
                let canvas = info.size
                guard width > 0, height > 0, frame.x + width <= canvas.width, frame.y + height <= canvas.height else {
                    throw ImageCodecError(.corruptData, "\(place(frame)): its \(width)x\(height) region at (\(frame.x), \(frame.y)) does not fit the \(canvas.width)x\(canvas.height) canvas", at: data + 4)
                }
                if frame.isDefaultImage {
                    guard frames.isEmpty, frame.size == canvas, frame.x == 0, frame.y == 0 else {
                        throw ImageCodecError(.corruptData, "\(place(frame)): a frame before the image data must be the default image, the whole \(canvas.width)x\(canvas.height) canvas at (0, 0)", at: data + 4)
                    }
                }
                let dispose = bytes[data + 24], blend = bytes[data + 25]
                guard dispose <= 2, blend <= 1 else {
                    throw ImageCodecError(.corruptData, "\(place(frame)): dispose operation \(dispose) or blend operation \(blend) is invalid (valid: 0-2 and 0-1)", at: data + 24)
                }
                frames.append(frame)
            case "IDAT":
                seenImageData = true
            case "fdAT":
                guard seenImageData, let last = frames.last, !last.isDefaultImage else {
                    throw ImageCodecError(.corruptData, "\(place(frames.last)): the fdAT chunk at byte \(offset) belongs to no frame (it must follow a frame's fcTL, after the image data)", at: offset)
                }
                guard length >= 4 else {
                    throw ImageCodecError(.corruptData, "\(place(last)): the fdAT chunk at byte \(offset) is \(length) bytes long, too short for its sequence number", at: offset)
                }
                try checkSequence("fdAT", at: offset, frame: last)
                frames[frames.count - 1].dataOffsets.append(offset + 12)
                frames[frames.count - 1].dataLengths.append(length - 4)
            case "IEND":
                break walk
            default:
                break
            }
            offset += 12 + length
        }
        guard let declaredFrames, declaredFrames == frames.count else {
            throw ImageCodecError(.corruptData, "APNG: acTL declares \(declaredFrames.map(String.init) ?? "no") frames, the file has \(frames.count) (fcTL chunks)")
        }
        for frame in frames where !frame.isDefaultImage {
            try checkFrameData(frame, bytes: bytes, info: info, place: place(frame))
        }
    }

    private static func checkFrameData(_ frame: AnimationFrame, bytes: UnsafeRawBufferPointer, info: ImageInfo, place: String) throws {
        guard !frame.dataOffsets.isEmpty else {
            throw ImageCodecError(.corruptData, "\(place): the frame has no image data (no fdAT chunk)", at: frame.controlOffset)
        }
        var report = ipng_inflate_report()
        var message = [CChar](repeating: 0, count: 256)
        let expected = ipng_filtered_size(
            UInt32(frame.size.width), UInt32(frame.size.height), Int32(info.colorModel.pngColorType), Int32(info.bitDepth), info.isInterlaced ? 1 : 0
        )
        let status = frame.dataOffsets.withUnsafeBufferPointer { offsets in
            frame.dataLengths.withUnsafeBufferPointer { lengths in
                message.withUnsafeMutableBufferPointer { text in
                    ipng_check_stream(
                        bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), offsets.baseAddress, lengths.baseAddress, offsets.count,
                        UInt32(frame.size.width), UInt32(frame.size.height), Int32(info.colorModel.pngColorType), Int32(info.bitDepth),
                        info.isInterlaced ? 1 : 0, expected &+ Int(IPNG_INFLATE_SLACK), &report, text.baseAddress, text.count
                    )
                }
            }
        }
        let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        switch status {
        case IPNG_OK:
            return
        case IPNG_ERROR_TOO_MUCH_DATA:
            throw tooMuchData("\(place): the fdAT data", of: info, size: frame.size, report: report, total: bytes.count)
        case IPNG_ERROR_TRUNCATED:
            throw ImageCodecError(.truncated, "\(place): \(text) (at byte \(report.stopped_at))", at: report.stopped_at)
        case IPNG_ERROR_OUT_OF_MEMORY:
            throw ImageCodecError(.outOfMemory, "out of memory checking \(place)")
        default:
            let code: ImageCodecError.Code = text.contains("incorrect data check") ? .checksumMismatch : .corruptData
            throw ImageCodecError(code, "\(place): \(text) (at byte \(report.stopped_at))", at: report.stopped_at)
        }
    }
}
