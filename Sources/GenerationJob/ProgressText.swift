/// The progress line `generate` and `edit` redraw on a terminal while a render is slow (GPT
/// image models can take minutes at high quality): the provider, the time waited, and how far
/// a batch is.
public enum ProgressText {
    /// Seconds of waiting before the line shows: a quick answer never draws it.
    public static let delaySeconds = 2

    /// `waiting for OpenAI: 1 min 05 s` (one request) or `waiting for OpenAI: 14 s, 3 of 10 done`.
    public static func waiting(provider: String, elapsedSeconds: Int, done: Int, total: Int) -> String {
        let elapsed = elapsedSeconds < 60
            ? "\(elapsedSeconds) s"
            : "\(elapsedSeconds / 60) min " + (elapsedSeconds % 60 < 10 ? "0" : "") + "\(elapsedSeconds % 60) s"
        return "waiting for \(provider): \(elapsed)" + (total > 1 ? ", \(done) of \(total) done" : "")
    }
}
