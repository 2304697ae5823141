import Foundation
import ObjectStorage
import PipelineCore
import Testing
import TestSupport

/// The configuration as AWS tools read it: environment first, then the profile's files.
@Suite("S3 configuration")
struct S3ConfigurationTests {
    static func home() throws -> String {
        let home = try makeScratchDirectory()
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        try "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = default-secret\n[work]\naws_access_key_id = WORKKEY\naws_secret_access_key = work-secret\naws_session_token = work-token\n"
            .write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        try "[default]\nregion = eu-west-3\n[profile work]\nregion = ap-south-1\nendpoint_url = http://127.0.0.1:9000\n"
            .write(toFile: home + "/.aws/config", atomically: true, encoding: .utf8)
        return home
    }

    @Test("environment variables win; custom endpoints are path-style, AWS virtual-hosted")
    func environment() throws {
        let home = try Self.home()
        let configuration = try S3Configuration.fromEnvironment([
            "HOME": home, "AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token",
            "AWS_DEFAULT_REGION": "us-west-2", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:8333/",
        ])
        #expect(configuration.credentials == S3Credentials(accessKeyID: "ENVKEY", secretAccessKey: "env-secret", sessionToken: "env-token"))
        #expect(configuration.region == "us-west-2")
        #expect(configuration.endpoint == "http://127.0.0.1:8333" && configuration.pathStyle)
        let aws = try S3Configuration.fromEnvironment(["HOME": home, "AWS_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"])
        #expect(aws.endpoint == "https://s3.eu-central-1.amazonaws.com" && !aws.pathStyle)
    }

    @Test("the default profile, a named one (credentials, session token, region and endpoint from the two files)")
    func profiles() throws {
        let home = try Self.home()
        let standard = try S3Configuration.fromEnvironment(["HOME": home])
        #expect(standard.credentials?.accessKeyID == "DEFAULTKEY" && standard.region == "eu-west-3")
        let work = try S3Configuration.fromEnvironment(["HOME": home, "AWS_PROFILE": "work"])
        #expect(work.credentials == S3Credentials(accessKeyID: "WORKKEY", secretAccessKey: "work-secret", sessionToken: "work-token"))
        #expect(work.region == "ap-south-1" && work.endpoint == "http://127.0.0.1:9000")
        #expect(throws: PipelineError.self) { try S3Configuration.fromEnvironment(["HOME": home, "AWS_PROFILE": "nobody"]) }
        #expect(throws: PipelineError.self) { try S3Configuration.fromEnvironment(["HOME": home, "AWS_ACCESS_KEY_ID": "only-half"]) }
        let anonymous = try S3Configuration.fromEnvironment(["HOME": try makeScratchDirectory()])
        #expect(anonymous.credentials == nil && anonymous.region == "us-east-1")
    }

    @Test("s3:// locations: bucket and prefix, bad buckets refused")
    func locations() {
        #expect(S3Location("s3://photos/2026/a/")?.prefix == "2026/a")
        #expect(S3Location("s3://photos")?.prefix == "")
        #expect(S3Location("s3://ab/x") == nil && S3Location("s3://Upper/x") == nil && S3Location("/local") == nil)
    }
}
