/// The portable kernel: whole clean quanta, table-driven, in plain Swift.
///
/// Same contract as the C kernels: it decodes whole quanta of alphabet characters only, stops in
/// front of the first quantum holding anything else (or when the output cannot take a whole
/// step), and never judges a byte. It may write up to 2 bytes past `written`, inside `capacity`.
///
/// - Complexity: O(n), 8 characters per step.
@inline(__always)
internal func decodePortableQuanta(
    source: UnsafeRawPointer,
    from start: Int,
    to end: Int,
    destination: UnsafeMutableRawPointer,
    at outputStart: Int,
    capacity: Int,
    tables: UnsafePointer<UInt32>
) -> (consumed: Int, written: Int) {
    var input = start
    var output = outputStart
    let t0 = tables, t1 = tables + 256, t2 = tables + 512, t3 = tables + 768
    let invalid = DecodingTables.invalidBit

    @inline(__always)
    func quantum(_ w: UInt32) -> UInt32 {
        t0[Int(w & 0xFF)] | t1[Int((w >> 8) & 0xFF)] | t2[Int((w >> 16) & 0xFF)] | t3[Int(w >> 24)]
    }

    // 16 characters per round: four independent lookup chains keep the load ports busy, and one
    // unaligned 8-byte store per 6 output bytes (the overlap is rewritten by the next store).
    while end - input >= 16 && capacity - output >= 14 {
        let first = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: input, as: UInt64.self))
        let second = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: input + 8, as: UInt64.self))
        let a = quantum(UInt32(truncatingIfNeeded: first))
        let b = quantum(UInt32(truncatingIfNeeded: first >> 32))
        let c = quantum(UInt32(truncatingIfNeeded: second))
        let d = quantum(UInt32(truncatingIfNeeded: second >> 32))
        if (a | b | c | d) & invalid != 0 { break }
        destination.storeBytes(
            of: (UInt64(a) | UInt64(b) << 24).littleEndian, toByteOffset: output, as: UInt64.self)
        destination.storeBytes(
            of: (UInt64(c) | UInt64(d) << 24).littleEndian, toByteOffset: output + 6, as: UInt64.self)
        input += 16
        output += 12
    }
    while end - input >= 4 && capacity - output >= 3 {
        let word = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: input, as: UInt32.self))
        let bits = quantum(word)
        if bits & invalid != 0 { break }
        destination.storeBytes(of: UInt8(truncatingIfNeeded: bits), toByteOffset: output, as: UInt8.self)
        destination.storeBytes(of: UInt8(truncatingIfNeeded: bits >> 8), toByteOffset: output + 1, as: UInt8.self)
        destination.storeBytes(of: UInt8(truncatingIfNeeded: bits >> 16), toByteOffset: output + 2, as: UInt8.self)
        input += 4
        output += 3
    }
    return (input, output)
}
