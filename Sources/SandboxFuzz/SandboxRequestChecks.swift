import ImageCore
import ImagePipeSandbox
import ImageResponses
import NIOCore

/// The sandbox's request parsing, the input read two ways:
///
/// - as a generation request body: parsed and validated as the server does, a valid plan stays
///   within the sandbox's limits, and every refusal is an error body that imagepipe's own
///   response scanner reads back with the same message, in each dialect;
/// - as the text of `serve --latency` and `serve --fault`: parsed, and a fault's error answer
///   built in every dialect.
func checkSandboxRequest(_ data: UnsafeRawBufferPointer) {
    let body = [UInt8](data)
    for configuration in [SandboxConfiguration(), SandboxConfiguration(wrongSize: true)] {
        let (dialect, result) = GenerationPlan.validate(body: body, configuration: configuration)
        switch result {
        case .success(let plan):
            guard (1...10).contains(plan.count), !plan.prompt.isEmpty,
                  GenerationPlan.sides.contains(plan.requestedSize.width), GenerationPlan.sides.contains(plan.requestedSize.height),
                  plan.renderSize.width >= 1, plan.renderSize.height >= 1,
                  plan.renderSize.width <= plan.requestedSize.width, plan.renderSize.height <= plan.requestedSize.height,
                  plan.dialect == dialect
            else {
                fatalError("accepted plan out of bounds: n \(plan.count), size \(plan.requestedSize), render \(plan.renderSize)")
            }
        case .failure(let problem):
            // The server answers in the request's dialect; the answer must read back in every one.
            for dialect in SandboxDialect.allCases {
                requireReadable(ErrorReply(problem: problem), in: dialect, message: problem.message)
            }
        }
    }

    guard let text = String(validating: body, as: UTF8.self) else { return }
    _ = try? SandboxLatency(parsing: text)
    if let fault = try? SandboxFault(parsing: text, defaultRetryAfter: nil) {
        for dialect in SandboxDialect.allCases {
            let reply = ErrorReply(fault: fault)
            _ = reply.response(in: dialect)
            requireReadable(reply, in: dialect, message: nil)
        }
    }
}

/// Crashes unless imagepipe's response scanner reads `reply`'s body in `dialect` as an error
/// answer carrying `message` (when given).
func requireReadable(_ reply: ErrorReply, in dialect: SandboxDialect, message: String?) {
    let (status, buffer) = reply.statusAndBody(in: dialect)
    let body = Array(buffer.readableBytesView)
    guard (400...599).contains(status) else { fatalError("error answer with status \(status)") }
    let parsed: ImagesResponse
    do {
        parsed = try ImagesResponse(parsing: body)
    } catch {
        fatalError("the \(dialect) error answer does not parse: \(error)\n\(String(decoding: body, as: UTF8.self))")
    }
    guard let error = parsed.error else { fatalError("the \(dialect) error answer reads without an error") }
    if let message, !error.message.contains(message) {
        fatalError("the \(dialect) error answer reads as \(error.message.debugDescription), not \(message.debugDescription)")
    }
}
