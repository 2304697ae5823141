internal import CPNGShims

/// A whole zlib stream inflated with a bound on its output: for metadata (PNG `iCCP`) that may
/// claim any size.
enum ZlibInflate {
    enum Failure: Error {
        /// The stream is not valid zlib (or ends early).
        case damaged
        /// It inflates to more than the bound.
        case outputTooLarge
    }

    /// The inflated bytes, at most `maxOutput` of them. Tries a buffer four times the input
    /// (at least 64 KiB), doubling up to the bound: a stream is never inflated past it.
    static func inflate(_ stream: UnsafeRawBufferPointer, maxOutput: Int) -> Result<[UInt8], Failure> {
        var capacity = min(maxOutput, max(64 << 10, stream.count &* 4))
        while true {
            var written = 0
            var status: Int32 = 0
            let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                status = ipng_zlib_inflate(
                    stream.baseAddress?.assumingMemoryBound(to: UInt8.self), stream.count, buffer.baseAddress, capacity, &written
                )
                count = status == Int32(IPNG_INFLATE_OK) ? written : 0
            }
            switch status {
            case Int32(IPNG_INFLATE_OK): return .success(output)
            case Int32(IPNG_INFLATE_NEEDS_ROOM) where capacity < maxOutput: capacity = min(maxOutput, capacity &* 2)
            case Int32(IPNG_INFLATE_NEEDS_ROOM): return .failure(.outputTooLarge)
            default: return .failure(.damaged)
            }
        }
    }
}
