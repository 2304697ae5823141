import ImageResponses

extension ImagesResponse {
    /// Scrubs the token (`***`) from every text the response carries: `id`, the `usage` JSON, each
    /// image's `url` and `revised_prompt`, and the error's fields.
    ///
    /// A service may echo the request, token included, in any of them; they all end up in the
    /// sidecar, the image's text chunks, `--json` lines or messages, so they are scrubbed once, as
    /// the response enters the client, and no later path can carry the token out.
    mutating func scrub(token: String?) {
        guard let token, !token.isEmpty else { return }
        func clean(_ text: String) -> String { GenerationError.scrub(text, token: token) }
        id = id.map(clean)
        if let json = usage?.json { usage?.json = clean(json) }
        for position in images.indices {
            images[position].url = images[position].url.map(clean)
            images[position].revisedPrompt = images[position].revisedPrompt.map(clean)
            if case .invalid(var error) = images[position].payload {
                error.message = clean(error.message)
                images[position].payload = .invalid(error)
            }
        }
        if var error {
            error.message = clean(error.message)
            error.type = error.type.map(clean)
            error.code = error.code.map(clean)
            error.parameter = error.parameter.map(clean)
            self.error = error
        }
    }
}
