import FastBase64
import Foundation
import TestSupport

/// Base64 from Foundation, the baseline both ways.
func foundationEncoded(_ bytes: [UInt8]) -> [UInt8] {
    Array(Data(bytes).base64EncodedString().utf8)
}

func foundationDecoded(_ text: [UInt8]) -> [UInt8]? {
    Data(base64Encoded: Data(text)).map { Array($0) }
}

/// The outcome of a decode as a comparable value: bytes or error.
enum Outcome: Equatable, CustomStringConvertible {
    case bytes([UInt8])
    case error(Base64DecodingError)

    var description: String {
        switch self {
        case .bytes(let bytes): "\(bytes.count) bytes"
        case .error(let error): "error: \(error)"
        }
    }
}

func outcome(_ text: [UInt8], _ options: Base64DecodingOptions = .init(), tier: Base64Tier) -> Outcome {
    do {
        return .bytes(try Base64Decoder(options: options, tier: tier).decode(text))
    } catch {
        return .error(error)
    }
}

/// Decodes into a buffer of exactly `capacity` bytes (placed at the end of a larger allocation
/// so that writes past it would be caught by the sentinel check).
func outcome(_ text: [UInt8], _ options: Base64DecodingOptions = .init(), tier: Base64Tier, capacity: Int) -> Outcome {
    let guardBytes = 64
    var storage = [UInt8](repeating: 0xA5, count: capacity + guardBytes)
    let result: Outcome = storage.withUnsafeMutableBytes { raw in
        let output = UnsafeMutableRawBufferPointer(rebasing: raw[0..<capacity])
        let decoded = text.withUnsafeBytes { input in
            Result { () throws(Base64DecodingError) in
                try Base64Decoder(options: options, tier: tier).decode(input, into: output)
            }
        }
        switch decoded {
        case .success(let count): return .bytes(Array(raw[0..<count]))
        case .failure(let error): return .error(error)
        }
    }
    precondition(storage[capacity...].allSatisfy { $0 == 0xA5 }, "decoder wrote past the output capacity")
    return result
}

/// Inserts `separator` after every `width` characters.
func wrapped(_ text: [UInt8], every width: Int, with separator: [UInt8]) -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(text.count + text.count / width * separator.count)
    var start = 0
    while start < text.count {
        let end = min(start + width, text.count)
        result += text[start..<end]
        if end < text.count { result += separator }
        start = end
    }
    return result
}

extension Array where Element == UInt8 {
    init(ascii string: String) { self = Array(string.utf8) }
}
