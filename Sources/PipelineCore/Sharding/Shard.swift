/// One worker's share of a run split across machines: shard ``index`` of ``count`` (from 0).
///
/// Every item of the work has a **key** (a source's relative path or object key; a prompt's line
/// number and text) and belongs to exactly one shard, the same on every machine and every run:
/// ``shard(of:count:)`` is a stable 64-bit hash of the key (FNV-1a over its UTF-8, then a
/// SplitMix64 finaliser so nearby keys spread) modulo the count. Engines start N copies of the
/// same command; each finds its index with ``fromEnvironment(_:)``.
///
/// ```swift
/// let shard = try Shard.fromEnvironment(ProcessInfo.processInfo.environment) ?? .whole
/// let mine = files.filter { shard.contains($0.key) }
/// ```
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// The shard's number, `0..<count`.
    public var index: Int
    /// How many shards the work is split into.
    public var count: Int
    /// Where the shard came from, for the run's first line (`--shard`, `SLURM_ARRAY_TASK_ID`, …).
    public var origin: String

    /// The whole work: one shard.
    public static let whole = Shard(index: 0, count: 1, origin: "unsharded")

    /// A shard; `index` must be in `0..<count`.
    public init(index: Int, count: Int, origin: String) {
        precondition(count >= 1 && (0..<count).contains(index), "shard \(index) of \(count)")
        self.index = index
        self.count = count
        self.origin = origin
    }

    /// Whether the run is split at all.
    public var isSharded: Bool { count > 1 }

    /// `3/16`.
    public var description: String { "\(index)/\(count)" }

    /// Whether the item with this key is this shard's.
    public func contains(_ key: String) -> Bool {
        Self.shard(of: key, count: count) == index
    }

    /// The shard of a key among `count`.
    public static func shard(of key: String, count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        hash ^= hash >> 30
        hash &*= 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash &*= 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return Int(hash % UInt64(count))
    }

    /// A part file's name for this shard: `part-00003-of-00016` and the extension.
    public func partName(extension fileExtension: String) -> String {
        func padded(_ value: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
        }
        return "part-\(padded(index))-of-\(padded(count)).\(fileExtension)"
    }

    /// Reads `part-I-of-N.EXT` back: the index and count, or `nil` for another name.
    public static func parsePartName(_ name: String) -> (index: Int, count: Int)? {
        guard name.hasPrefix("part-"), let dot = name.firstIndex(of: ".") else { return nil }
        let pieces = name[name.index(name.startIndex, offsetBy: 5)..<dot].split(separator: "-", omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[1] == "of", let index = Int(pieces[0]), let count = Int(pieces[2]),
              count >= 1, (0..<count).contains(index) else { return nil }
        return (index, count)
    }

    /// A problem with a shard's description: what was given and why it is refused.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Parses `I/N` (`--shard 3/16`, `IMAGEPIPE_SHARD`): `0 <= I < N`.
    public static func parse(_ text: String, origin: String) throws(Problem) -> Shard {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, let index = Int(pieces[0].trimmingSpaces), let count = Int(pieces[1].trimmingSpaces) else {
            throw Problem(message: "\(origin) must be I/N, such as 3/16 (got \"\(text)\")")
        }
        guard count >= 1 else { throw Problem(message: "\(origin): the shard count must be at least 1 (got \(text))") }
        guard (0..<count).contains(index) else {
            throw Problem(message: "\(origin): the shard index must be 0 to \(count - 1) for \(count) shards (got \(text))")
        }
        return Shard(index: index, count: count, origin: origin)
    }

    /// The shard the environment gives, the first of these that is set:
    ///
    /// 1. `IMAGEPIPE_SHARD` (`I/N`);
    /// 2. `JOB_COMPLETION_INDEX` (a Kubernetes Indexed Job; it has no count variable, so
    ///    `IMAGEPIPE_SHARD_COUNT` must be set with it);
    /// 3. `AWS_BATCH_JOB_ARRAY_INDEX` and `AWS_BATCH_JOB_ARRAY_SIZE`;
    /// 4. `CLOUD_RUN_TASK_INDEX` and `CLOUD_RUN_TASK_COUNT`;
    /// 5. `SLURM_ARRAY_TASK_ID`, normalised with `SLURM_ARRAY_TASK_MIN` and `_STEP` (ids may
    ///    start at 1 or be stepped: `--array=1-7:2` gives ids 1, 3, 5, 7 = shards 0–3), the count
    ///    from `SLURM_ARRAY_TASK_COUNT`, else from `_MIN`, `_MAX` and `_STEP`.
    ///
    /// `IMAGEPIPE_SHARD_COUNT`, when set beside an engine's own count, must agree with it.
    ///
    /// - Returns: `nil` when none is set (the run is not sharded).
    /// - Throws: ``Problem`` when a variable is malformed or the values disagree.
    public static func fromEnvironment(_ environment: [String: String]) throws(Problem) -> Shard? {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingSpaces, !text.isEmpty else { return nil }
            return text
        }
        func integer(_ name: String) throws(Problem) -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text) else { throw Problem(message: "\(name) must be an integer (got \"\(text)\")") }
            return number
        }
        let declaredCount = try integer("IMAGEPIPE_SHARD_COUNT")
        func make(_ index: Int, _ count: Int, _ origin: String) throws(Problem) -> Shard {
            if let declaredCount, declaredCount != count {
                throw Problem(message: "IMAGEPIPE_SHARD_COUNT=\(declaredCount) disagrees with \(origin), which gives \(count) shards")
            }
            guard count >= 1 else { throw Problem(message: "\(origin) gives \(count) shards; there must be at least 1") }
            guard (0..<count).contains(index) else {
                throw Problem(message: "\(origin) gives shard index \(index), outside 0 to \(count - 1) for \(count) shards")
            }
            return Shard(index: index, count: count, origin: origin)
        }
        if let text = value("IMAGEPIPE_SHARD") {
            let shard = try parse(text, origin: "IMAGEPIPE_SHARD")
            return try make(shard.index, shard.count, "IMAGEPIPE_SHARD=\(text)")
        }
        if let index = try integer("JOB_COMPLETION_INDEX") {
            guard let declaredCount else {
                throw Problem(message: "JOB_COMPLETION_INDEX=\(index) (a Kubernetes Indexed Job) needs IMAGEPIPE_SHARD_COUNT set to the Job's completions")
            }
            return try make(index, declaredCount, "JOB_COMPLETION_INDEX=\(index) with IMAGEPIPE_SHARD_COUNT")
        }
        if let index = try integer("AWS_BATCH_JOB_ARRAY_INDEX") {
            guard let size = try integer("AWS_BATCH_JOB_ARRAY_SIZE") ?? declaredCount else {
                throw Problem(message: "AWS_BATCH_JOB_ARRAY_INDEX=\(index) needs AWS_BATCH_JOB_ARRAY_SIZE (or IMAGEPIPE_SHARD_COUNT)")
            }
            return try make(index, size, "AWS_BATCH_JOB_ARRAY_INDEX=\(index) of AWS_BATCH_JOB_ARRAY_SIZE=\(size)")
        }
        if let index = try integer("CLOUD_RUN_TASK_INDEX") {
            guard let count = try integer("CLOUD_RUN_TASK_COUNT") ?? declaredCount else {
                throw Problem(message: "CLOUD_RUN_TASK_INDEX=\(index) needs CLOUD_RUN_TASK_COUNT (or IMAGEPIPE_SHARD_COUNT)")
            }
            return try make(index, count, "CLOUD_RUN_TASK_INDEX=\(index) of CLOUD_RUN_TASK_COUNT=\(count)")
        }
        if let id = try integer("SLURM_ARRAY_TASK_ID") {
            let minimum = try integer("SLURM_ARRAY_TASK_MIN") ?? 0
            let step = try integer("SLURM_ARRAY_TASK_STEP") ?? 1
            guard step >= 1 else { throw Problem(message: "SLURM_ARRAY_TASK_STEP must be at least 1 (got \(step))") }
            guard id >= minimum, (id - minimum) % step == 0 else {
                throw Problem(message: "SLURM_ARRAY_TASK_ID=\(id) is not on the array's grid (min \(minimum), step \(step))")
            }
            let count: Int
            if let given = try integer("SLURM_ARRAY_TASK_COUNT") {
                count = given
            } else if let maximum = try integer("SLURM_ARRAY_TASK_MAX") {
                count = (maximum - minimum) / step + 1
            } else if let declaredCount {
                count = declaredCount
            } else {
                throw Problem(message: "SLURM_ARRAY_TASK_ID=\(id) needs SLURM_ARRAY_TASK_COUNT or SLURM_ARRAY_TASK_MAX (or IMAGEPIPE_SHARD_COUNT)")
            }
            return try make((id - minimum) / step, count, "SLURM_ARRAY_TASK_ID=\(id) (min \(minimum), step \(step), \(count) tasks)")
        }
        return nil
    }

    /// `--shard` when given (the environment then must not disagree), else the environment's.
    ///
    /// - Throws: ``Problem`` for a malformed value, or an option and an environment that name
    ///   different shards.
    public static func resolve(option: String?, environment: [String: String]) throws(Problem) -> Shard? {
        let fromEnvironment = try fromEnvironment(environment)
        guard let option else { return fromEnvironment }
        let shard = try parse(option, origin: "--shard")
        if let fromEnvironment, fromEnvironment.index != shard.index || fromEnvironment.count != shard.count {
            throw Problem(message: "--shard \(shard) disagrees with the environment's \(fromEnvironment) (\(fromEnvironment.origin))")
        }
        return Shard(index: shard.index, count: shard.count, origin: "--shard \(option)")
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
