import PipelineCore
import S3Wire

/// A bucket prefix as a ``Storage``: keys are object keys under the prefix. Every write is one
/// request that makes the object whole or not at all (a PUT, or a multipart upload completed in
/// one request), `createOnly` is a conditional PUT (`If-None-Match: *`: write-once, a second
/// writer gets `.outputExists`), and nothing is left half-written for a reader to see.
///
/// ```swift
/// let storage = try S3Storage(location: S3Location("s3://photos/2026")!, configuration: .fromEnvironment(environment))
/// for entry in try await storage.list(under: "").entries { print(entry.key, entry.size) }
/// ```
public struct S3Storage: Storage {
    public let bucketLocation: S3Location
    public let client: S3Client
    /// Keys per listing page (`max-keys`; S3's default, 1000, when `nil`).
    public var listPageSize: Int?

    public init(location: S3Location, client: S3Client) {
        bucketLocation = location
        self.client = client
    }

    public init(location: S3Location, configuration: S3Configuration) {
        self.init(location: location, client: S3Client(configuration: configuration))
    }

    public var location: String { bucketLocation.description }

    public func path(of key: String) -> String {
        key.isEmpty ? location : location + "/" + key
    }

    /// The object key of a storage key.
    func objectKey(_ key: String) -> String {
        bucketLocation.prefix.isEmpty ? key : (key.isEmpty ? bucketLocation.prefix : bucketLocation.prefix + "/" + key)
    }

    public func list(under prefix: String) async throws(PipelineError) -> StorageListing {
        var listPrefix = objectKey(prefix)
        if !listPrefix.isEmpty && !listPrefix.hasSuffix("/") { listPrefix += "/" }
        let root = bucketLocation.prefix.isEmpty ? "" : bucketLocation.prefix + "/"
        var entries: [StorageEntry] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", listPrefix)]
            if let listPageSize { query.append(("max-keys", String(listPageSize))) }
            if let token { query.append(("continuation-token", token)) }
            let answer = try await client.send("GET", bucket: bucketLocation.bucket, key: nil, query: query, what: path(of: prefix))
            guard answer.status == 200 else { throw S3Client.failure(answer, what: path(of: prefix), code: .readFailed) }
            let page: S3XML.ListPage
            do { page = try S3XML.listPage(answer.body) } catch {
                throw PipelineError(.readFailed, path: path(of: prefix), "the listing does not read: \(error)")
            }
            for object in page.objects where object.key.hasPrefix(root) {
                let key = String(object.key.dropFirst(root.count))
                // Hidden names (and folder markers) are not listed, as on a disk.
                if key.isEmpty || key.hasSuffix("/") || StorageKey.name(of: key).hasPrefix(".") { continue }
                entries.append(StorageEntry(key: key, size: object.size, modifiedNanoseconds: object.modifiedNanoseconds, version: object.etag.isEmpty ? nil : object.etag))
            }
            token = page.nextContinuationToken
        } while token != nil
        return StorageListing(entries: entries.sorted { $0.key < $1.key })
    }

    public func read(_ key: String, maxBytes: Int) async throws(PipelineError) -> [UInt8] {
        let answer = try await client.send("GET", bucket: bucketLocation.bucket, key: objectKey(key), maximumBodyBytes: maxBytes, what: path(of: key))
        // The client refuses a body past the limit, declared or not.
        guard answer.status == 200 else { throw S3Client.failure(answer, what: path(of: key), code: .readFailed) }
        return answer.body
    }

    public func readPrefix(_ key: String, count: Int) async throws(PipelineError) -> [UInt8] {
        guard count > 0 else { return [] }
        let answer = try await client.send(
            "GET", bucket: bucketLocation.bucket, key: objectKey(key), headers: [("range", "bytes=0-\(count - 1)")],
            maximumBodyBytes: count, what: path(of: key)
        )
        if answer.status == 416 { return [] }  // an empty object has no byte 0
        guard answer.status == 200 || answer.status == 206 else { throw S3Client.failure(answer, what: path(of: key), code: .readFailed) }
        return Array(answer.body.prefix(count))
    }

    public func write(_ bytes: [UInt8], to key: String, mode: StorageWriteMode) async throws(PipelineError) {
        let objectKey = objectKey(key)
        let condition = mode == .createOnly ? [("if-none-match", "*")] : []
        if bytes.count > client.configuration.multipartThreshold {
            try await multipartUpload(bytes, objectKey: objectKey, key: key, condition: condition)
            return
        }
        let answer = try await client.send("PUT", bucket: bucketLocation.bucket, key: objectKey, headers: condition, body: bytes, what: path(of: key))
        if answer.status == 412 || (answer.status == 409 && mode == .createOnly) {
            throw PipelineError(.outputExists, path: path(of: key), "exists (a write-once object is never replaced)")
        }
        guard answer.status == 200 else { throw S3Client.failure(answer, what: path(of: key), code: .writeFailed) }
    }

    /// Uploads in parts of ``S3Configuration/partSize``; the object appears whole when the upload
    /// completes (conditionally, for `createOnly`), and an upload that fails is aborted.
    private func multipartUpload(_ bytes: [UInt8], objectKey: String, key: String, condition: [(String, String)]) async throws(PipelineError) {
        let bucket = bucketLocation.bucket
        let started = try await client.send("POST", bucket: bucket, key: objectKey, query: [("uploads", "")], what: path(of: key))
        guard started.status == 200 else { throw S3Client.failure(started, what: path(of: key), code: .writeFailed) }
        let uploadID: String
        do { uploadID = try S3XML.uploadID(started.body) } catch {
            throw PipelineError(.writeFailed, path: path(of: key), "the multipart upload did not start: \(error)")
        }
        do throws(PipelineError) {
            var parts: [(number: Int, etag: String)] = []
            let size = client.configuration.partSize
            var offset = 0
            while offset < bytes.count {
                let number = parts.count + 1
                let chunk = Array(bytes[offset..<min(bytes.count, offset + size)])
                let answer = try await client.send(
                    "PUT", bucket: bucket, key: objectKey, query: [("partNumber", String(number)), ("uploadId", uploadID)], body: chunk,
                    what: path(of: key) + " part \(number)"
                )
                guard answer.status == 200, let etag = answer.header("ETag") else {
                    throw S3Client.failure(answer, what: path(of: key) + " part \(number)", code: .writeFailed)
                }
                parts.append((number, etag))
                offset += size
            }
            let body = "<CompleteMultipartUpload>" + parts.map {
                "<Part><PartNumber>\($0.number)</PartNumber><ETag>\(S3XML.escaped($0.etag))</ETag></Part>"
            }.joined() + "</CompleteMultipartUpload>"
            let answer = try await client.send(
                "POST", bucket: bucket, key: objectKey, query: [("uploadId", uploadID)], headers: condition, body: Array(body.utf8), what: path(of: key)
            )
            if answer.status == 412 {
                throw PipelineError(.outputExists, path: path(of: key), "exists (a write-once object is never replaced)")
            }
            // A 200 can still carry an error (S3 sends it once the parts are joined).
            guard answer.status == 200, S3XML.error(answer.body) == nil else { throw S3Client.failure(answer, what: path(of: key), code: .writeFailed) }
        } catch {
            _ = try? await client.send("DELETE", bucket: bucket, key: objectKey, query: [("uploadId", uploadID)], what: path(of: key))
            throw error
        }
    }

    public func entry(for key: String) async -> StorageEntry? {
        guard let answer = try? await client.send("HEAD", bucket: bucketLocation.bucket, key: objectKey(key), what: path(of: key)),
              answer.status == 200 else { return nil }
        let size = answer.header("Content-Length").flatMap(Int.init) ?? 0
        let modified = answer.header("Last-Modified").flatMap(Self.nanoseconds(httpDate:)) ?? 0
        var etag = answer.header("ETag")
        if let quoted = etag, quoted.count >= 2, quoted.hasPrefix("\""), quoted.hasSuffix("\"") { etag = String(quoted.dropFirst().dropLast()) }
        return StorageEntry(key: key, size: size, modifiedNanoseconds: modified, version: etag)
    }

    /// The bucket and object key: an object store has no links, so a key is its own identity,
    /// and no request is made to ask whether the object exists (convert asks for every input and
    /// output, to refuse writing over an input).
    public func identity(of key: String) async -> StorageIdentity? {
        StorageIdentity("s3://\(bucketLocation.bucket)/\(objectKey(key))")
    }

    public func remove(_ key: String) async throws(PipelineError) {
        let answer = try await client.send("DELETE", bucket: bucketLocation.bucket, key: objectKey(key), what: path(of: key))
        guard answer.status == 204 || answer.status == 200 || answer.status == 404 else {
            throw S3Client.failure(answer, what: path(of: key), code: .writeFailed)
        }
    }

    /// Writes are single requests: nothing half-written to remove.
    public func removeAbandonedWrites(under prefix: String) async -> Int { 0 }

    /// Creates the bucket (`PUT /bucket`); one that exists and is ours is not an error.
    public func createBucket() async throws(PipelineError) {
        let answer = try await client.send("PUT", bucket: bucketLocation.bucket, key: nil, what: "s3://\(bucketLocation.bucket)")
        let code = S3XML.error(answer.body)?.code
        guard answer.status == 200 || code == "BucketAlreadyOwnedByYou" else {
            throw S3Client.failure(answer, what: "s3://\(bucketLocation.bucket)", code: .writeFailed)
        }
    }

    /// `Wed, 21 Oct 2015 07:28:00 GMT` as nanoseconds since 1970.
    static func nanoseconds(httpDate text: String) -> Int64? {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let parts = text.split(separator: " ")
        guard parts.count == 6, let day = Int(parts[1]), let month = months.firstIndex(of: String(parts[2])), let year = Int(parts[3]) else { return nil }
        let time = parts[4].split(separator: ":")
        guard time.count == 3 else { return nil }
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return S3XML.nanoseconds(iso8601: "\(year)-\(two(month + 1))-\(two(day))T\(time[0]):\(time[1]):\(time[2])Z")
    }
}
