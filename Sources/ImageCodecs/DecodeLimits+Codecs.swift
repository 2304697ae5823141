import ImageCore

extension DecodeLimits {
    /// ``DecodeLimits/checkInput(byteCount:)`` with the codec module's error type.
    func enforceInput(byteCount: Int) throws(ImageCodecError) {
        do { try checkInput(byteCount: byteCount) } catch { throw ImageCodecError(error) }
    }

    /// ``DecodeLimits/check(_:)`` with the codec module's error type: called with a header's
    /// size, before anything is allocated for the pixels.
    func enforce(_ size: ImageSize) throws(ImageCodecError) {
        do { try check(size) } catch { throw ImageCodecError(error) }
    }
}
