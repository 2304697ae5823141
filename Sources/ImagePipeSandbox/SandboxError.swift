/// An error from the sandbox: a configuration it cannot run, a port it cannot bind, or an image it
/// cannot encode.
public struct SandboxError: Error, Sendable, CustomStringConvertible {
    /// What went wrong. New codes may be added; switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String {
            case invalidConfiguration, startFailed, encodingFailed
        }
        fileprivate let value: Value

        /// A configuration value out of range (port, fault rate, status code…).
        public static let invalidConfiguration = Code(value: .invalidConfiguration)
        /// The server could not start, usually because the address or port cannot be bound.
        public static let startFailed = Code(value: .startFailed)
        /// A rendered image could not be encoded.
        public static let encodingFailed = Code(value: .encodingFailed)

        public var description: String { value.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// What is wrong, naming the value or address concerned.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
