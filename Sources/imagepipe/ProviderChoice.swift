import ArgumentParser
import ImageGeneration
import ImagePipeSandbox

/// The service a command talks to, chosen as `generate --help` documents: `--provider`, else
/// `--base-url` (OpenAI-compatible), else the first provider whose token variable is set, else the
/// built-in sandbox started in this process on a free port. Shared by `generate` and
/// `bench generate`.
struct ProviderChoice {
    /// The provider's rules.
    var profile: ProviderProfile
    /// The token (`-t`, else the profile's variable), if any.
    var token: String?
    /// The base URL to use instead of the profile's (`--base-url`, or the sandbox's).
    var endpoint: String?
    /// The sandbox started for this run, to shut down at the end.
    var sandbox: SandboxServer?

    /// Whether the profile is the sandbox's (in this process or not).
    var isSandbox: Bool { profile.name == ProviderProfile.sandbox.name }

    /// Picks the provider and, when it is the sandbox without a URL, starts it with the
    /// configuration `sandboxConfiguration` gives (its port is set to 0).
    ///
    /// - Throws: `ValidationError` for an unknown provider, a token without a provider, a
    ///   missing `--base-url` or token, or a sandbox that does not start.
    static func resolve(
        provider: String?, baseURL: String?, token: String?, environment: [String: String],
        sandboxConfiguration: () throws -> SandboxConfiguration = { SandboxConfiguration() }
    ) async throws -> ProviderChoice {
        let profile: ProviderProfile
        if let name = provider {
            guard let named = ProviderProfile.named(name) else {
                throw ValidationError("unknown provider \"\(name)\": use nscale, nebius, openai, together, openai-compatible or sandbox")
            }
            if named.name == ProviderProfile.openAICompatible(baseURL: nil).name {
                guard let baseURL else { throw ValidationError("--provider openai-compatible needs --base-url") }
                profile = .openAICompatible(baseURL: baseURL)
            } else {
                profile = named
            }
        } else if let baseURL {
            profile = .openAICompatible(baseURL: baseURL)
        } else if token == nil, let detected = ProviderProfile.detect(environment: environment) {
            profile = detected
        } else if token != nil {
            throw ValidationError("-t/--token needs --provider (or --base-url): which service is the token for?")
        } else {
            profile = .sandbox
        }
        var choice = ProviderChoice(profile: profile, token: token ?? profile.token(in: environment), endpoint: baseURL)
        if choice.isSandbox && baseURL == nil {
            var configuration = try sandboxConfiguration()
            configuration.port = 0  // any free port: several runs at once must not collide
            do {
                let server = try await SandboxServer.start(configuration)
                choice.sandbox = server
                choice.endpoint = server.baseURL
            } catch {
                throw ValidationError("cannot start the built-in sandbox: \(error)")
            }
        }
        if profile.requiresToken && choice.token == nil {
            await choice.sandbox?.shutdown()
            throw ValidationError("\(profile.displayName) needs a token: set \(profile.tokenVariable ?? "the token variable") or pass -t")
        }
        return choice
    }
}
