/// What a ``SandboxServer`` has done so far, for tests and benchmarks to check.
public struct SandboxStatistics: Hashable, Sendable {
    /// `POST /v1/images/generations` and `/v1/images/edits` requests received, answered or not.
    public var generationRequests: Int
    /// Of those, `POST /v1/images/edits` requests.
    public var editRequests: Int
    /// Images received in well-formed edit requests (`image` and `image[]` parts), in all.
    public var editImagesReceived: Int
    /// Masks received in well-formed edit requests.
    public var masksReceived: Int
    /// Generation and edit responses by HTTP status (`200`, `401`, `429`, …).
    public var generationResponsesByStatus: [Int: Int]
    /// Faults injected from ``SandboxConfiguration/faults``.
    public var injectedFaults: Int
    /// Images rendered and encoded (a cache miss each); a repeated request does not add to it.
    public var imagesRendered: Int
    /// Images served from the cache without rendering.
    public var cacheHits: Int
    /// Bytes the image cache holds now (encoded images plus their base64 text).
    public var cachedBytes: Int
    /// `GET /v1/files/…` requests that returned an image.
    public var filesServed: Int

    /// Creates statistics; every count starts at zero.
    public init(
        generationRequests: Int = 0,
        generationResponsesByStatus: [Int: Int] = [:],
        injectedFaults: Int = 0,
        imagesRendered: Int = 0,
        cacheHits: Int = 0,
        cachedBytes: Int = 0,
        filesServed: Int = 0,
        editRequests: Int = 0,
        editImagesReceived: Int = 0,
        masksReceived: Int = 0
    ) {
        self.editRequests = editRequests
        self.editImagesReceived = editImagesReceived
        self.masksReceived = masksReceived
        self.generationRequests = generationRequests
        self.generationResponsesByStatus = generationResponsesByStatus
        self.injectedFaults = injectedFaults
        self.imagesRendered = imagesRendered
        self.cacheHits = cacheHits
        self.cachedBytes = cachedBytes
        self.filesServed = filesServed
    }

    /// Generation responses with this status.
    public func responses(withStatus status: Int) -> Int {
        generationResponsesByStatus[status, default: 0]
    }
}
